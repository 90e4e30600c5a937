"""Affine int8 rounding rules: the numpy twin of templates_c/include/nnc_affine.h.

Every affine kernel twin (ref/kernels_s8.py) rounds through these functions.
All arithmetic is on int64 arrays holding int32 values.  The compile-time half
(``quantize_multiplier`` and the effective scales of each op) follows TFLite's
kernels (tensorflow/lite/kernels/kernel_util.cc, quantization_util.cc), so a
model gets the multipliers TFLite would give it.

Rounding modes (per model, ``graph.meta["quantization"]["rounding"]``):
* ``"double"`` (TFLite's default): SaturatingRoundingDoublingHighMul (ties
  toward +infinity), then RoundingDivideByPOT (ties away from zero).
* ``"single"`` (TFLITE_SINGLE_ROUNDING): one rounding, half up.
* ``"onnxruntime"``: onnxruntime's float requantization, ``nearbyintf((float)x * M_f)`` with
  the float32 multiplier ``M_f`` stored as its bit pattern in ``multiplier`` (``shift`` unused);
  the C does the float32 steps in integers (nnc_sf32.h, twin ref/sf32.py).

The run-time half lives in affine_runtime.py, the compile-time half in affine_params.py; this module gathers
both under the one name every twin and test uses (``from nncodegen.ref import affine as af``).
"""
from __future__ import annotations

from .affine_runtime import (avg_round, clz32, div_round_even, EXP_BARREL, gl_exp_on_interval,  # noqa: F401
                             gl_exp_on_negative_values, gl_get_reciprocal, gl_log_x_ge_1, gl_logistic, gl_mbqm_gt1,
                             gl_one_minus_x_over_one_plus_x, gl_one_over_one_plus_x, gl_rounding_half_sum,
                             gl_sat_add, gl_sat_sub, gl_srmbpot, gl_tanh, INT32_MAX, INT32_MIN, LOG_2, LOG_ALPHA_D,
                             LOG_ALPHA_F, LOG_ALPHA_I, LOG_ALPHA_N, LOG_ONE_QUARTER, LOG_SQRT_HALF,
                             LOG_SQRT_SQRT_HALF, mbqm, rdbpot, requant_s8, ROUND_DOUBLE, ROUND_ORT, ROUND_SINGLE,
                             ROUNDING, sat32, srdhm, wrap32, _i64, _trunc_div_pow2)
from .affine_params import (ACT_INPUT_INTEGER_BITS, add_params, conv_scale, downscale_multiplier_int16,  # noqa: F401
                            f32, LOG_SOFTMAX_OUTPUT, LOGISTIC_OUTPUT, mul_scale, ort_multiplier, quantize_multiplier,
                            quantize_value_away, SOFTMAX_SCALED_DIFF_BITS, TANH_OUTPUT, tflite_act_params,
                            tflite_hard_swish_params, tflite_log_softmax_params, tflite_mean_params,
                            tflite_softmax_params, _round_away)
