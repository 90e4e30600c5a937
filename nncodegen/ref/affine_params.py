"""The compile-time half of ref/affine.py: the multipliers and shifts TFLite's Prepare functions give each op
(kernel_util.cc, quantization_util.cc), so a model gets the parameters TFLite would give it; see affine.py."""
from __future__ import annotations

import math
from typing import Tuple

import numpy as np

from .affine_runtime import INT32_MAX, ROUND_DOUBLE, ROUND_SINGLE


def _round_away(v: float) -> int:
    """std::round for a finite double: half away from zero, exactly."""
    r = math.floor(abs(v))
    if abs(v) - r >= 0.5:
        r += 1
    return int(r if v >= 0 else -r)


def quantize_multiplier(m: float, rounding: int = ROUND_DOUBLE) -> Tuple[int, int]:
    """TFLite QuantizeMultiplier: (multiplier, shift) with m ~= multiplier * 2^(shift - 31)."""
    m = float(m)
    if not math.isfinite(m) or m < 0:
        raise ValueError(f"cannot quantize the multiplier {m}")
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    q_fixed = _round_away(q * float(1 << 31))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    if rounding == ROUND_SINGLE and shift > 30:
        shift, q_fixed = 30, (1 << 31) - 1
    return int(q_fixed), int(shift)


def ort_multiplier(m) -> int:
    """The bit pattern of a float32 multiplier (rounding mode "onnxruntime")."""
    m = np.float32(m)
    if not np.isfinite(m) or m < 0:
        raise ValueError(f"cannot use the multiplier {m}")
    return int(np.asarray([m], np.float32).view(np.uint32)[0])


def f32(v) -> np.float32:
    return np.float32(v)


def conv_scale(s_in: float, s_w: float, s_out: float) -> float:
    """TFLite's effective scale of a conv / dense channel: float32 s_in * s_w, then a double division."""
    return float(f32(s_in) * f32(s_w)) / float(f32(s_out))


def add_params(s_a: float, s_b: float, s_out: float, rounding: int, left_shift: int = 20):
    """TFLite's add/sub multipliers: ((a_mult, a_shift), (b_mult, b_shift), (out_mult, out_shift))."""
    twice_max = 2.0 * float(max(f32(s_a), f32(s_b)))
    ra = float(f32(s_a)) / twice_max
    rb = float(f32(s_b)) / twice_max
    ro = twice_max / ((1 << left_shift) * float(f32(s_out)))
    return (quantize_multiplier(ra, rounding), quantize_multiplier(rb, rounding),
            quantize_multiplier(ro, rounding))


def mul_scale(s_a: float, s_b: float, s_out: float) -> float:
    """TFLite's mul: float32 s_a * s_b, then a double division by s_out."""
    return float(f32(s_a) * f32(s_b)) / float(f32(s_out))


def quantize_value_away(x: float, scale: float, zero_point: int, qmin: int, qmax: int) -> int:
    """TFLite's quantization of a constant (activation bounds): zp + round(x / scale), half away."""
    v = zero_point + _round_away(float(f32(x) / f32(scale)))
    return int(min(max(v, qmin), qmax))


SOFTMAX_SCALED_DIFF_BITS = 5  # TFLite's kScaledDiffIntegerBits


def tflite_softmax_params(input_scale: float, beta: float = 1.0,
                          rounding: int = ROUND_DOUBLE) -> Tuple[int, int, int]:
    """TFLite's int8 softmax parameters: (input_multiplier, input_left_shift, diff_min).

    PreprocessSoftmaxScaling(beta, s_in, 5): min(beta * s_in * 2^26, cap) in double (beta and the
    scale are float32 in a TFLite model), QuantizeMultiplierGreaterThanOne; then
    diff_min = -CalculateInputRadius(5, left_shift) = -floor((2^5 - 1) * 2^26 / 2^left_shift)
    (tensorflow/lite/kernels/internal/quantization_util.cc; TFLite Micro's softmax_common.cc).
    Input differences >= diff_min times 2^left_shift stay inside int32.
    cap = 2^31 - 1, or 2^30 - 1 in a TFLITE_SINGLE_ROUNDING build (``rounding`` ROUND_SINGLE), whose
    QuantizeMultiplier also keeps the shift <= 30.  The kernel is the same in both builds: the
    single-rounding MultiplyByQuantizedMultiplierGreaterThanOne, floor(x * m / 2^(31 - shift) + 1/2),
    equals srdhm(x * 2^shift, m) (gl_mbqm_gt1) wherever x * 2^shift fits in int32.
    """
    ib = SOFTMAX_SCALED_DIFF_BITS
    single = rounding == ROUND_SINGLE
    real = float(f32(beta)) * float(f32(input_scale)) * float(1 << (31 - ib))
    real = min(real, float((1 << 30) - 1) if single else float((1 << 31) - 1))
    if not real > 1.0:  # TFLITE_CHECK_GT(double_multiplier, 1.)
        raise ValueError(f"softmax input scale {input_scale} * beta {beta} too small for TFLite's kernel")
    multiplier, left_shift = quantize_multiplier(real, ROUND_SINGLE if single else ROUND_DOUBLE)
    if not 0 <= left_shift <= 31:
        raise ValueError(f"softmax left shift {left_shift} out of range")
    radius = math.floor(1.0 * ((1 << ib) - 1) * float(1 << (31 - ib)) / float(1 << left_shift))
    return multiplier, left_shift, -int(radius)


LOG_SOFTMAX_OUTPUT = (16.0 / 256, 127)  # TFLite's int8 LOG_SOFTMAX output format (scale, zero point)


def tflite_log_softmax_params(input_scale: float, rounding: int = ROUND_DOUBLE) -> Tuple[int, int, int, int, int]:
    """TFLite's int8 log-softmax parameters: (input_multiplier, input_left_shift, reverse_scaling_divisor,
    reverse_scaling_right_shift, diff_min).

    PreprocessLogSoftmaxScalingExp(beta 1, s_in, 5) (tensorflow/lite/kernels/activations.cc
    LogSoftmaxPrepare; TFLite Micro's log_softmax.cc): the input multiplier, left shift and diff_min of
    the softmax (tflite_softmax_params with beta 1, so the same cap per build), then the reverse scaling
    2^(31 - left_shift) / input_multiplier (double) through QuantizeMultiplierSmallerThanOneExp, whose
    shift (<= 0) TFLite negates into reverse_scaling_right_shift (>= 0).
    """
    multiplier, left_shift, diff_min = tflite_softmax_params(input_scale, 1.0, rounding)
    real_reverse = float(1 << (31 - left_shift)) / float(multiplier)
    if not 0.0 < real_reverse < 1.0:  # TFLITE_CHECK_LT(double_multiplier, 1.) (an input multiplier of exactly 1)
        raise ValueError(f"log_softmax input scale {input_scale} too close to 2^-26 for TFLite's kernel")
    rev, rev_shift = quantize_multiplier(real_reverse, ROUND_SINGLE if rounding == ROUND_SINGLE else ROUND_DOUBLE)
    if not -31 <= rev_shift <= 0:
        raise ValueError(f"log_softmax reverse shift {rev_shift} out of range")
    return multiplier, left_shift, rev, -rev_shift, diff_min


LOGISTIC_OUTPUT = (1.0 / 256, -128)  # TFLite's int8 LOGISTIC output format (scale, zero point)


TANH_OUTPUT = (1.0 / 128, 0)  # TFLite's int8 TANH output format


ACT_INPUT_INTEGER_BITS = 4  # TFLite's kInputIntegerBits of both


def tflite_act_params(input_scale: float) -> Tuple[int, int, int]:
    """TFLite's int8 LOGISTIC / TANH parameters: (input_multiplier, input_left_shift, input_range_radius).

    TFLite Micro's CalculateArithmeticOpDataLogistic / tanh.cc CalculateArithmeticOpData: frexp of the
    double s_in * 2^27 (the scale a float32) = q * 2^left_shift, multiplier = TfLiteRound(q * 2^31) (no
    single-rounding variant), radius = CalculateInputRadius(4, left_shift, 31)
    = floor(15 * 2^27 / 2^left_shift).  Inputs |x - zp| < radius keep x * 2^left_shift inside int32.
    Input scales outside [2^-28, 16) (a left shift outside 0 .. 31) are refused.
    """
    ib = ACT_INPUT_INTEGER_BITS
    real = float(f32(input_scale)) * float(1 << (31 - ib))
    if not math.isfinite(real) or real <= 0.0:
        raise ValueError(f"logistic / tanh input scale {input_scale} not usable")
    q, left_shift = math.frexp(real)
    multiplier = _round_away(q * float(1 << 31))
    if not 0 <= left_shift <= 31 or multiplier >= 1 << 31:
        raise ValueError(f"logistic / tanh input scale {input_scale} outside TFLite's range [2^-28, 16)")
    radius = (((1 << ib) - 1) << (31 - ib)) >> left_shift
    return int(multiplier), int(left_shift), int(radius)


def tflite_mean_params(input_scale: float, output_scale: float, count: int,
                       rounding: int = ROUND_DOUBLE) -> Tuple[int, int]:
    """TFLite's int8 MEAN multiplier and shift (TFLite Micro's PrepareMeanOrSum, then
    reference_ops::QuantizedMeanOrSum): QuantizeMultiplier(double(s_in) / double(s_out)), then 1 / count
    folded in: k = min(floor(log2 count), 32, 31 + shift), multiplier = (multiplier << k) // count
    (int64, truncated), shift -= k."""
    m, s = quantize_multiplier(float(f32(input_scale)) / float(f32(output_scale)), rounding)
    if count < 1:
        raise ValueError(f"mean over {count} values")
    k = min(int(count).bit_length() - 1, 32, 31 + s)
    return int((m << k) // count), int(s - k)


def downscale_multiplier_int16(m: int) -> int:
    """TFLite's DownScaleInt32ToInt16Multiplier: an int32 fixed-point multiplier rounded to int16."""
    if m < 0:
        raise ValueError(f"negative multiplier {m}")
    if m >= INT32_MAX - (1 << 15):
        return (1 << 15) - 1
    return (m + (1 << 15)) >> 16


def tflite_hard_swish_params(input_scale: float, output_scale: float) -> Tuple[int, int, int, int]:
    """TFLite's int8 HARD_SWISH parameters (HardSwishPrepare in LiteRT and TFLite Micro):
    (output_multiplier, output_exponent, reluish_multiplier, reluish_exponent), the multipliers int16.

    In float32: hires = (1/128) * s_in, output = hires / s_out, reluish = hires / (3 / 32768); each
    QuantizeMultiplier'd and rounded to int16.  TFLite requires output_exponent <= 0; exponents outside
    what the int16 arithmetic handles (-15 .. 0 and -15 .. 15) are refused."""
    hires = f32(f32(1.0 / 128.0) * f32(input_scale))
    om, oe = quantize_multiplier(float(f32(hires / f32(output_scale))))
    rm, re_ = quantize_multiplier(float(f32(hires / f32(3.0 / 32768.0))))
    if not -15 <= oe <= 0:
        raise ValueError(f"hard-swish input scale {input_scale} / output scale {output_scale}: output exponent {oe} "
                         "outside [-15, 0] (TFLite needs s_in / s_out < 128)")
    if not -15 <= re_ <= 15:
        raise ValueError(f"hard-swish input scale {input_scale}: reluish exponent {re_} outside [-15, 15]")
    return downscale_multiplier_int16(om), int(oe), downscale_multiplier_int16(rm), int(re_)
