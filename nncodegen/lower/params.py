"""Kernel parameter structs, mirrored from templates_c/include/nnc_types.h.

Each frozen dataclass names its C struct; field order and names follow the C
declaration.  Pointer fields hold tuples and declare their C element type in
the field metadata ("ptr").  Nested structs are dataclass-valued fields.
Two generic converters serve everybody:

* ``to_cffi(ffi, obj, keep)``: a cffi ``struct *`` for calling kernels from
  tests (arrays behind pointers are appended to ``keep`` to stay alive);
* ``to_c(obj, prefix)``: (declarations, initializer) for generated C.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import List, Optional, Tuple

import numpy as np


def ptr(ctype: str, default=None):
    return field(default=default, metadata={"ptr": ctype})


def arr(n: int):
    return field(default=(0,) * n, metadata={"array": n})


@dataclass(frozen=True)
class ConvGeom:
    CTYPE = "nnc_conv_geom"
    batch: int
    in_h: int
    in_w: int
    in_c: int
    out_h: int
    out_w: int
    out_c: int
    k_h: int = 1
    k_w: int = 1
    stride_h: int = 1
    stride_w: int = 1
    pad_top: int = 0
    pad_left: int = 0
    dil_h: int = 1
    dil_w: int = 1
    groups: int = 1


@dataclass(frozen=True)
class DenseGeom:
    CTYPE = "nnc_dense_geom"
    batch: int
    in_features: int
    out_features: int


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
class Broadcast:
    CTYPE = "nnc_broadcast"
    shape: Tuple[int, ...] = arr(4)
    a_stride: Tuple[int, ...] = arr(4)
    b_stride: Tuple[int, ...] = arr(4)


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


# ---------------------------------------------------------------- converters

def _fill_cffi(ffi, cobj, obj, keep: list) -> None:
    for f in fields(obj):
        v = getattr(obj, f.name)
        if is_dataclass(v):
            _fill_cffi(ffi, getattr(cobj, f.name), v, keep)
        elif "ptr" in f.metadata:
            if v is None:
                setattr(cobj, f.name, ffi.NULL)
            else:
                buf = ffi.new(f"{f.metadata['ptr']}[]", [x for x in v] or [0])
                keep.append(buf)
                setattr(cobj, f.name, buf)
        elif "array" in f.metadata:
            setattr(cobj, f.name, list(v))
        else:
            setattr(cobj, f.name, v)


def to_cffi(ffi, obj, keep: list):
    """A ``CTYPE *`` holding ``obj``; arrays behind pointers go into ``keep``."""
    c = ffi.new(f"{obj.CTYPE} *")
    _fill_cffi(ffi, c, obj, keep)
    keep.append(c)
    return c


def _c_number(v) -> str:
    if isinstance(v, (float, np.floating)):
        if np.isinf(v):
            return "3.402823466e+38f" if v > 0 else "-3.402823466e+38f"
        s = str(np.float32(v))
        return (s if ("e" in s or "." in s) else s + ".0") + "f"
    v = int(v)
    if v == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(v)


def c_array(ctype: str, name: str, values, per_line: int = 16) -> str:
    vals = [_c_number(x) + ("u" if ctype.startswith("uint") else "") for x in values] or ["0"]
    lines = [", ".join(vals[i:i + per_line]) for i in range(0, len(vals), per_line)]
    body = ",\n    ".join(lines)
    return f"static const {ctype} {name}[{len(vals)}] = {{\n    {body}\n}};"


def to_c(obj, prefix: str) -> Tuple[List[str], str]:
    """(declarations of the arrays behind pointers, brace initializer of obj)."""
    decls: List[str] = []
    parts = []
    for f in fields(obj):
        v = getattr(obj, f.name)
        if is_dataclass(v):
            d, init = to_c(v, f"{prefix}_{f.name}")
            decls += d
            parts.append(f".{f.name} = {init}")
        elif "ptr" in f.metadata:
            if v is None:
                parts.append(f".{f.name} = 0")
            else:
                aname = f"{prefix}_{f.name}"
                decls.append(c_array(f.metadata["ptr"], aname, v))
                parts.append(f".{f.name} = {aname}")
        elif "array" in f.metadata:
            parts.append(f".{f.name} = {{{', '.join(_c_number(x) for x in v)}}}")
        else:
            parts.append(f".{f.name} = {_c_number(v)}")
    return decls, "{ " + ", ".join(parts) + " }"


# ---------------------------------------------------------------- affine int8 (*_s8 kernels)
# Mirrors of the nnc_types.h structs after nnc_transpose; rules in nnc_affine.h.

@dataclass(frozen=True)
class RequantS8:
    CTYPE = "nnc_requant_s8"
    multiplier: Tuple[int, ...] = ptr("int32_t")
    shift: Tuple[int, ...] = ptr("int32_t")
    input_offset: int = 0
    output_offset: int = 0
    out_min: int = -128
    out_max: int = 127
    rounding: int = 0


@dataclass(frozen=True)
class EltwiseS8:
    CTYPE = "nnc_eltwise_s8"
    bc: Broadcast
    a_offset: int = 0
    b_offset: int = 0
    left_shift: int = 0
    a_multiplier: int = 0
    a_shift: int = 0
    b_multiplier: int = 0
    b_shift: int = 0
    out_multiplier: int = 0
    out_shift: int = 0
    out_offset: int = 0
    out_min: int = -128
    out_max: int = 127
    rounding: int = 0
    ort_table: Optional[Tuple[int, ...]] = ptr("uint32_t")


@dataclass(frozen=True)
class PoolS8:
    CTYPE = "nnc_pool_s8"
    count_include_pad: int = 0
    zero_point: int = 0
    out_min: int = -128
    out_max: int = 127
    half_even: int = 0


@dataclass(frozen=True)
class PoolOrtS8:
    CTYPE = "nnc_pool_ort_s8"
    count_include_pad: int = 0
    table: Tuple[int, ...] = ptr("uint32_t")
    out_scale: int = 0
    out_zero_point: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class GavgS8:
    CTYPE = "nnc_gavg_s8"
    input_offset: int = 0
    multiplier: int = 0
    shift: int = 0
    output_offset: int = 0
    out_min: int = -128
    out_max: int = 127
    rounding: int = 0


@dataclass(frozen=True)
class LutS8:
    CTYPE = "nnc_lut_s8"
    table: Tuple[int, ...] = ptr("int8_t")


@dataclass(frozen=True)
class ConcatS8:
    CTYPE = "nnc_concat_s8"
    outer: int
    inner: int
    out_inner: int
    offset: int = 0
    table: Optional[Tuple[int, ...]] = ptr("int8_t")


@dataclass(frozen=True)
class SoftmaxS8:
    CTYPE = "nnc_softmax_s8"
    rows: int
    cols: int
    exp_table: Tuple[int, ...] = ptr("int32_t")
    multiplier: int = 0
    den_shift: int = 0
    out_offset: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class SoftmaxOrtS8:
    CTYPE = "nnc_softmax_ort_s8"
    rows: int
    cols: int
    exp_table: Tuple[int, ...] = ptr("uint32_t")
    y_scale: int = 0
    out_zero_point: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class SoftmaxTflS8:
    CTYPE = "nnc_softmax_tfl_s8"
    rows: int
    cols: int
    input_multiplier: int = 0
    input_left_shift: int = 0
    diff_min: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class LogSoftmaxTflS8:
    CTYPE = "nnc_log_softmax_tfl_s8"
    rows: int
    cols: int
    input_multiplier: int = 0
    input_left_shift: int = 0
    reverse_scaling_divisor: int = 0
    reverse_scaling_right_shift: int = 0
    diff_min: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class ActTflS8:
    CTYPE = "nnc_act_tfl_s8"
    n: int
    input_zero_point: int = 0
    input_range_radius: int = 0
    input_multiplier: int = 0
    input_left_shift: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class MeanS8:
    CTYPE = "nnc_mean_s8"
    in_shape: Tuple[int, ...] = arr(4)
    reduce: Tuple[int, ...] = arr(4)
    input_offset: int = 0
    multiplier: int = 0
    shift: int = 0
    output_offset: int = 0
    out_min: int = -128
    out_max: int = 127
    rounding: int = 0


@dataclass(frozen=True)
class PreluS8:
    CTYPE = "nnc_prelu_s8"
    outer: int
    channels: int
    input_offset: int = 0
    alpha: Tuple[int, ...] = ptr("int8_t")
    alpha_offset: int = 0
    pos_multiplier: int = 0
    pos_shift: int = 0
    neg_multiplier: Tuple[int, ...] = ptr("int32_t")
    neg_shift: Tuple[int, ...] = ptr("int32_t")
    output_offset: int = 0
    out_min: int = -128
    out_max: int = 127
    rounding: int = 0


@dataclass(frozen=True)
class HardSwishTflS8:
    CTYPE = "nnc_hard_swish_tfl_s8"
    n: int
    input_zero_point: int = 0
    output_zero_point: int = 0
    output_multiplier: int = 0
    output_exponent: int = 0
    reluish_multiplier: int = 0
    reluish_exponent: int = 0
    out_min: int = -128
    out_max: int = 127


@dataclass(frozen=True)
class LeakyS8:
    CTYPE = "nnc_leaky_s8"
    n: int
    input_offset: int = 0
    identity_multiplier: int = 0
    identity_shift: int = 0
    alpha_multiplier: int = 0
    alpha_shift: int = 0
    output_offset: int = 0
    out_min: int = -128
    out_max: int = 127
    rounding: int = 0


@dataclass(frozen=True)
class QuantS8:
    CTYPE = "nnc_quant_s8"
    scale: float = 1.0
    zero_point: int = 0
    qmin: int = -128
    qmax: int = 127
    round_away: int = 0
