"""Parameter structs of the TFLite 16x8 kernels (*_s16), mirrored from templates_c/include/nnc_s16.h
(field order and names follow the C; converters in params.py).  The geometry (ConvGeom), broadcast
(Broadcast) and pad (Pad) structs are the shared ones of params.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from ..ir.graph import GraphError
from .params import Broadcast, arr, ptr


@dataclass(frozen=True)
class RequantS16:
    CTYPE = "nnc_requant_s16"
    multiplier: Tuple[int, ...] = ptr("int32_t")
    shift: Tuple[int, ...] = ptr("int32_t")
    output_offset: int = 0
    out_min: int = -32768
    out_max: int = 32767


@dataclass(frozen=True)
class EltwiseS16:
    CTYPE = "nnc_eltwise_s16"
    bc: Broadcast
    a_offset: int = 0
    b_offset: int = 0
    left_shift: int = 15
    a_multiplier: int = 0
    a_shift: int = 0
    b_multiplier: int = 0
    b_shift: int = 0
    out_multiplier: int = 0
    out_shift: int = 0
    out_offset: int = 0
    out_min: int = -32768
    out_max: int = 32767
    rounding: int = 0


@dataclass(frozen=True)
class LeakyS16:
    CTYPE = "nnc_leaky_s16"
    n: int
    input_offset: int = 0
    identity_multiplier: int = 0
    identity_shift: int = 0
    alpha_multiplier: int = 0
    alpha_shift: int = 0
    output_offset: int = 0
    out_min: int = -32768
    out_max: int = 32767
    rounding: int = 0


@dataclass(frozen=True)
class RequantEltS16:
    CTYPE = "nnc_requant_elt_s16"
    n: int
    input_offset: int = 0
    multiplier: int = 0
    shift: int = 0
    output_offset: int = 0
    out_min: int = -32768
    out_max: int = 32767
    rounding: int = 0


@dataclass(frozen=True)
class QuantS16:
    CTYPE = "nnc_quant_s16"
    scale: float = 1.0
    zero_point: int = 0
    qmin: int = -32768
    qmax: int = 32767


@dataclass(frozen=True)
class SliceS16:
    CTYPE = "nnc_slice_s16"
    out_shape: Tuple[int, ...] = arr(6)
    in_stride: Tuple[int, ...] = arr(6)
    offset: int = 0


def slice_params(in_shape, begin, strides, size) -> SliceS16:
    """A strided slice as the 6-D sizes and strides of the copy (shared by strided_slice_s8 and _s16)."""
    r = len(in_shape)
    if r > 6:
        raise GraphError(f"strided slice of rank {r} > 6")
    st = [int(np.prod(in_shape[k + 1:], dtype=np.int64)) for k in range(r)]
    offset = sum(int(b) * s for b, s in zip(begin, st))
    return SliceS16((1,) * (6 - r) + tuple(int(n) for n in size),
                    (0,) * (6 - r) + tuple(int(s) * t for s, t in zip(strides, st)), offset)
