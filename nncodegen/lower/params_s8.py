"""Parameter structs of the affine int8 kernels (*_s8), mirrored from templates_c/include/nnc_types.h
(field order and names follow the C; converters in params_base.py, rules in nnc_affine.h)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from .params_base import Broadcast, arr, ptr


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
