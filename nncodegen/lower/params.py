"""Kernel parameter structs, mirrored from templates_c/include/nnc_types.h.

Each frozen dataclass names its C struct; field order and names follow the C
declaration.  Pointer fields hold tuples and declare their C element type in
the field metadata ("ptr").  Nested structs are dataclass-valued fields.
Two generic converters serve everybody:

* ``to_cffi(ffi, obj, keep)``: a cffi ``struct *`` for calling kernels from
  tests (arrays behind pointers are appended to ``keep`` to stay alive);
* ``to_c(obj, prefix)``: (declarations, initializer) for generated C.

The helpers, converters and the shared geometry / broadcast structs live in params_base.py, the affine int8
structs in params_s8.py (the 16x8 ones in params_s16.py); this module holds the Q-format, float and binary
structs and re-exports the others, so ``from nncodegen.lower.params import X`` finds every struct.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from .params_base import (Broadcast, ConvGeom, DenseGeom, _c_number, _fill_cffi, arr, c_array, ptr,  # noqa: F401
                          to_c, to_cffi)
from .params_s8 import (ActTflS8, ConcatS8, EltwiseS8, GavgS8, HardSwishTflS8, LeakyS8, LogSoftmaxTflS8,  # noqa: F401
                        LutS8, MeanS8, PoolOrtS8, PoolS8, PreluS8, QuantS8, RequantS8, SoftmaxOrtS8, SoftmaxS8,
                        SoftmaxTflS8)


@dataclass(frozen=True)
class Requant:
    CTYPE = "nnc_requant"
    shift: Tuple[int, ...] = ptr("int8_t")
    out_min: int = -128
    out_max: int = 127
    leaky_q15: int = 32768


@dataclass(frozen=True)
class ActF32:
    CTYPE = "nnc_act_f32"
    out_min: float = -3.4028234663852886e38
    out_max: float = 3.4028234663852886e38
    leaky: float = 1.0


@dataclass(frozen=True)
class Eltwise:
    CTYPE = "nnc_eltwise"
    bc: Broadcast
    a_lshift: int = 0
    b_lshift: int = 0
    shift: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class Rescale:
    CTYPE = "nnc_rescale"
    outer: int
    inner: int
    out_inner: int
    offset: int = 0
    shift: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class Lut:
    CTYPE = "nnc_lut"
    table: Tuple[int, ...] = ptr("int32_t")
    x_min: int = 0
    shift: int = 0


@dataclass(frozen=True)
class Prelu:
    CTYPE = "nnc_prelu"
    outer: int
    channels: int
    slope_frac: int = 0
    shift: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class Softmax:
    CTYPE = "nnc_softmax"
    rows: int
    cols: int
    exp_lut: Lut
    out_frac: int = 7
    out_max: int = 127


@dataclass(frozen=True)
class Pad:
    CTYPE = "nnc_pad"
    in_shape: Tuple[int, ...] = arr(4)
    out_shape: Tuple[int, ...] = arr(4)
    before: Tuple[int, ...] = arr(4)
    mode: int = 0
    value: int = 0
    value_f32: float = 0.0


@dataclass(frozen=True)
class Resize:
    CTYPE = "nnc_resize"
    batch: int
    in_h: int
    in_w: int
    channels: int
    out_h: int
    out_w: int
    y0: Optional[Tuple[int, ...]] = ptr("int16_t")
    y1: Optional[Tuple[int, ...]] = ptr("int16_t")
    x0: Optional[Tuple[int, ...]] = ptr("int16_t")
    x1: Optional[Tuple[int, ...]] = ptr("int16_t")
    wy: Optional[Tuple[int, ...]] = ptr("int16_t")
    wx: Optional[Tuple[int, ...]] = ptr("int16_t")
    wf_y: Optional[Tuple[float, ...]] = ptr("float")
    wf_x: Optional[Tuple[float, ...]] = ptr("float")
    shift: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class Transpose:
    CTYPE = "nnc_transpose"
    out_shape: Tuple[int, ...] = arr(6)
    in_stride: Tuple[int, ...] = arr(6)


# ---------------------------------------------------------------- binary layers (nnc_types.h, end)

FLT_MAX32 = 3.4028234663852886e38


@dataclass(frozen=True)
class BinEpi:
    CTYPE = "nnc_bin_epi"
    thr: Optional[Tuple[int, ...]] = ptr("int32_t")
    mult: Optional[Tuple[int, ...]] = ptr("int32_t")
    bias: Optional[Tuple[int, ...]] = ptr("int64_t")
    shift: int = 0
    res_shift: int = 0
    slope_q15: Optional[Tuple[int, ...]] = ptr("int32_t")
    out_min: int = 0
    out_max: int = 0
    scale_f32: Optional[Tuple[float, ...]] = ptr("float")
    bias_f32: Optional[Tuple[float, ...]] = ptr("float")
    slope_f32: Optional[Tuple[float, ...]] = ptr("float")
    out_min_f32: float = -FLT_MAX32
    out_max_f32: float = FLT_MAX32


@dataclass(frozen=True)
class BConv:
    CTYPE = "nnc_bconv"
    pad_kind: int
    epi: BinEpi


@dataclass(frozen=True)
class BDense:
    CTYPE = "nnc_bdense"
    batch: int
    in_features: int
    out_features: int
    run: int
    epi: BinEpi


@dataclass(frozen=True)
class BPack:
    CTYPE = "nnc_bpack"
    outer: int
    channels: int
    pos: int = 1
    neg: int = -1
