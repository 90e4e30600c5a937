/* nncodegen runtime: parameter structs shared by every kernel family.
 *
 * Layout: activations are NHWC, [batch][y][x][channel], channel fastest.
 * Convolution weights are [out_c][k_h][k_w][in_c / groups].
 * Dense weights are [out][in].
 * Every struct is mirrored by a frozen dataclass in nncodegen/lower/params.py.
 */
#ifndef NNC_TYPES_H
#define NNC_TYPES_H

#include <stdint.h>

/* Every kernel's float arithmetic is defined operation by operation (each product rounded before its
 * addition), so that gcc and clang at any -march give the same bits: clang would contract a * b + c
 * into an FMA where the target has one, and so would gcc in its GNU modes (-std=gnu99 / gnu11 / gnu17,
 * its default; in ISO C mode, -std=c99, it does not), which ignores the standard pragma.  Every kernel
 * includes this header first, so the pragma covers the whole translation unit. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* Geometry of conv2d / conv_transpose2d / pools. */
typedef struct {
    int32_t batch;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;   /* bottom/right padding follows from out_h/out_w */
    int32_t dil_h, dil_w;
    int32_t groups;              /* in_c and out_c are multiples of groups */
} nnc_conv_geom;

/* Shape of a dense layer: output[b][o] = sum_i input[b][i] * weights[o][i]. */
typedef struct {
    int32_t batch;
    int32_t in_features;
    int32_t out_features;
} nnc_dense_geom;

/* Requantization of an integer accumulator to the output format
 * (see nnc_fixed.h): per-channel shift, saturation bounds that also carry a
 * fused ReLU / ReLU6 / clip, and an optional leaky-ReLU slope. */
typedef struct {
    const int8_t *shift;   /* per output channel; > 0 rounds right, <= 0 shifts left */
    int32_t out_min;       /* saturation bounds, inclusive */
    int32_t out_max;
    int32_t leaky_q15;     /* slope for negative accumulators in Q15; 32768 = no leaky ReLU */
} nnc_requant;

/* Float epilogue: clamp bounds and leaky slope (1.0f = none). */
typedef struct {
    float out_min;
    float out_max;
    float leaky;
} nnc_act_f32;

/* A 4-D broadcast binary op: out[i] = a[.] op b[.], strides in elements,
 * 0 on broadcast axes. */
typedef struct {
    int32_t shape[4];       /* output shape, outer to inner */
    int32_t a_stride[4];
    int32_t b_stride[4];
} nnc_broadcast;

/* Piecewise-linear table over integers: for x in [x_min, x_min + 256 << shift]
 * value = t[i] + ((t[i+1] - t[i]) * r + half) >> shift, with
 * i = (x - x_min) >> shift, r = (x - x_min) & ((1 << shift) - 1).
 * Outside the domain the end values hold.  shift = 0 gives an exact table. */
typedef struct {
    const int32_t *table;  /* 257 entries */
    int32_t x_min;
    int32_t shift;
} nnc_lut;


/* add / sub / mul with rescale (integer) :
 *   add: s = a * 2^a_lshift + b * 2^b_lshift        (int64)
 *   sub: s = a * 2^a_lshift - b * 2^b_lshift
 *   mul: s = a * b                                   (a_lshift, b_lshift unused)
 *   out = sat(shift_round(s, shift), out_min, out_max) */
typedef struct {
    nnc_broadcast bc;
    int32_t a_lshift;
    int32_t b_lshift;
    int32_t shift;
    int32_t out_min;
    int32_t out_max;
} nnc_eltwise;

/* Strided copy with requantization: the building block of concat and of
 * standalone ReLU / clip / format changes.
 *   for o < outer, i < inner:
 *     out[o * out_inner + offset + i] = sat(shift_round(in[o * inner + i], shift), out_min, out_max)
 * Float kernels ignore shift/out_min/out_max. */
typedef struct {
    int32_t outer;
    int32_t inner;
    int32_t out_inner;
    int32_t offset;
    int32_t shift;
    int32_t out_min;
    int32_t out_max;
} nnc_rescale;

/* PReLU over [outer][channels]: slope per channel in Q(16, slope_frac).
 *   p = x >= 0 ? x * 2^slope_frac : x * slope[c]
 *   out = sat(shift_round(p, shift), out_min, out_max) */
typedef struct {
    int32_t outer;
    int32_t channels;
    int32_t slope_frac;
    int32_t shift;
    int32_t out_min;
    int32_t out_max;
} nnc_prelu;

/* Softmax over the last axis of [rows][cols] (integer):
 *   m = max_j x_j; e_j = lut(x_j - m) (>= 0, from exp_lut);
 *   out_j = min(div_round(e_j * 2^out_frac, sum_j e_j), out_max) */
typedef struct {
    int32_t rows;
    int32_t cols;
    nnc_lut exp_lut;
    int32_t out_frac;
    int32_t out_max;
} nnc_softmax;

/* Pad of a tensor of rank <= 4 (shapes left-filled with 1).
 * mode 0: constant value, 1: reflect (mirror, edge not repeated), 2: edge. */
typedef struct {
    int32_t in_shape[4];
    int32_t out_shape[4];
    int32_t before[4];
    int32_t mode;
    int32_t value;      /* integer kernels: the padding value, already quantized */
    float value_f32;    /* float kernels */
} nnc_pad;

/* Resize of NHWC maps by per-axis tables computed by the compiler.
 * nearest:  out[n][y][x][c] = in[n][y0[y]][x0[x]][c]
 * bilinear (integer, weights in Q10: wy, wx in [0, 1024]):
 *   top = in[y0][x0] * (1024 - wx) + in[y0][x1] * wx        (per row y0 and y1)
 *   s   = top(y0) * (1024 - wy) + top(y1) * wy              (int64)
 *   out = sat(shift_round(s, shift), out_min, out_max)
 * bilinear (float): wf_y, wf_x the same weights in [0, 1]. */
typedef struct {
    int32_t batch, in_h, in_w, channels, out_h, out_w;
    const int16_t *y0, *y1, *x0, *x1;
    const int16_t *wy, *wx;
    const float *wf_y, *wf_x;
    int32_t shift;
    int32_t out_min, out_max;
} nnc_resize;

/* Transpose of rank <= 6: out is walked in order; in_stride[k] is the input
 * stride (in elements) of output axis k.  Shapes left-filled with 1. */
typedef struct {
    int32_t out_shape[6];
    int32_t in_stride[6];
} nnc_transpose;

/* ---- affine int8 kernels (*_s8): real = scale * (q - zero_point) ----
 * Rounding rules and the fixed-point multipliers are in nnc_affine.h.  An
 * "offset" is a zero point with the sign TFLite gives it: input offsets are
 * -zero_point (added to the input), output offsets +zero_point.  `rounding`
 * is NNC_ROUND_DOUBLE (0) or NNC_ROUND_SINGLE (1), chosen per model. */

/* Requantization of a MAC kernel's int32 accumulator (conv2d_s8, dense_s8):
 *   acc = bias[c] + sum (x + input_offset) * w                (int32)
 *   out = sat(nnc_mbqm(acc, multiplier[c], shift[c]) + output_offset, out_min, out_max) */
typedef struct {
    const int32_t *multiplier;  /* per output channel, in [2^30, 2^31) (or 0) */
    const int32_t *shift;       /* per output channel, > 0 left, < 0 right */
    int32_t input_offset;
    int32_t output_offset;
    int32_t out_min;            /* saturation bounds: carry a fused ReLU / ReLU6 / clip */
    int32_t out_max;
    int32_t rounding;
} nnc_requant_s8;

/* add / sub (TFLite's integer add, left_shift 20):
 *   a' = nnc_mbqm((a + a_offset) << left_shift, a_multiplier, a_shift), b' likewise
 *   out = sat(nnc_mbqm(a' +- b', out_multiplier, out_shift) + out_offset, out_min, out_max)
 * mul:
 *   out = sat(nnc_mbqm((a + a_offset) * (b + b_offset), out_multiplier, out_shift) + out_offset, ...)
 * (b_multiplier / b_shift / left_shift / a_multiplier / a_shift unused by mul.)
 * add with rounding NNC_ROUND_ORT (onnxruntime's QLinearAdd, AVX2 kernel, on uint8 values):
 *   a' = a + a_offset, b' = b + b_offset (a_offset = b_offset = 128);
 *   v = nearbyintf(fma(a', A, fma(b', B, F))), A, B, F the float32 bit patterns in
 *   a_multiplier, b_multiplier, out_multiplier (shifts unused); the inner fma for each of the
 *   256 values of b comes from ort_table;
 *   out = sat(min(max(v, 0), 255) + out_offset, out_min, out_max), out_offset = -128 */
typedef struct {
    nnc_broadcast bc;
    int32_t a_offset;
    int32_t b_offset;
    int32_t left_shift;
    int32_t a_multiplier;
    int32_t a_shift;
    int32_t b_multiplier;
    int32_t b_shift;
    int32_t out_multiplier;
    int32_t out_shift;
    int32_t out_offset;
    int32_t out_min;
    int32_t out_max;
    int32_t rounding;
    const uint32_t *ort_table; /* NNC_ROUND_ORT add: ort_table[b + 128] = fma(b', B, F) (float32 bits) */
} nnc_eltwise_s8;

/* Average pool (input and output share one format):
 *   sum over the window's real elements, plus zero_point for each padded tap
 *   counted when count_include_pad;
 *   half_even 0 (TFLite): out = sat(nnc_avg_round(sum, count))          ties away from zero
 *   half_even 1 (ONNX DequantizeLinear -> AveragePool -> QuantizeLinear):
 *             out = sat(nnc_div_round_even(sum - count * zero_point, count) + zero_point)  ties to even */
typedef struct {
    int32_t count_include_pad;
    int32_t zero_point;
    int32_t out_min;
    int32_t out_max;
    int32_t half_even;
} nnc_pool_s8;

/* Global average pool with requantization (one rounding):
 *   out = sat(nnc_mbqm(sum (x + input_offset), multiplier, shift) + output_offset, out_min, out_max)
 * with multiplier * 2^(shift - 31) ~= s_in / (s_out * H * W). */
typedef struct {
    int32_t input_offset;
    int32_t multiplier;
    int32_t shift;
    int32_t output_offset;
    int32_t out_min;
    int32_t out_max;
    int32_t rounding;
} nnc_gavg_s8;

/* Element-wise 8-bit function by table: out = table[in + 128] (256 entries).
 * The compiler fills the table with the output format's quantization of
 * f(dequantized input): sigmoid, tanh, ReLU / clip with a format change, ... */
typedef struct {
    const int8_t *table;
} nnc_lut_s8;

/* One input of a concat: [outer][inner] -> [outer][out_inner] at offset;
 * a copy when table is NULL (same format), else out = table[in + 128]. */
typedef struct {
    int32_t outer;
    int32_t inner;
    int32_t out_inner;
    int32_t offset;
    const int8_t *table;
} nnc_concat_s8;

/* onnxruntime's QLinearAveragePool (x86 CPU kernels, which run on uint8 values), its float32
 * steps done in integers by nnc_sf32.h:
 *   acc = 0.0f; acc += table[x + 128] over the window's real elements, row by row;
 *   acc /= (float)count  (count: k_h * k_w with count_include_pad, else the real elements);
 *   v = nearbyintf(acc / out_scale + (float)out_zero_point);
 *   out = sat(min(max(v, 0), 255) - 128, out_min, out_max)
 * table[q + 128]: float32 bits of s_in * (float)(q - zp_in); out_scale: float32 bits;
 * out_zero_point: the output zero point in uint8 terms (int8 zero point + 128). */
typedef struct {
    int32_t count_include_pad;
    const uint32_t *table;
    uint32_t out_scale;
    int32_t out_zero_point;
    int32_t out_min;
    int32_t out_max;
} nnc_pool_ort_s8;

/* onnxruntime's QLinearSoftmax (uint8 kernel) over the last axis of [rows][cols], float32
 * steps in integers (nnc_sf32.h):
 *   m = max_j x_j;  e_j = exp_table[255 - (m - x_j)];  sum = 0.0f; sum += e_j for j in order;
 *   v_j = nearbyintf((e_j * y_scale) / sum) + out_zero_point;  out_j = sat(min(v_j, 255) - 128)
 * exp_table: 256 float32 bit patterns; y_scale: float32 bits of floor(1 / s_out);
 * out_zero_point in uint8 terms (int8 zero point + 128). */
typedef struct {
    int32_t rows;
    int32_t cols;
    const uint32_t *exp_table;
    uint32_t y_scale;
    int32_t out_zero_point;
    int32_t out_min;
    int32_t out_max;
} nnc_softmax_ort_s8;

/* Softmax over the last axis of [rows][cols]:
 *   m = max_j x_j;  e_j = exp_table[m - x_j]  (256 entries: round(2^24 * exp(-s_in * d)))
 *   out_j = sat(floor((2 * e_j * multiplier + den) / (2 * den)) + out_offset, out_min, out_max)
 *   with den = (sum_j e_j) << den_shift   (int64; 1 / s_out ~= multiplier * 2^-den_shift) */
typedef struct {
    int32_t rows;
    int32_t cols;
    const int32_t *exp_table;
    int32_t multiplier;
    int32_t den_shift;
    int32_t out_offset;
    int32_t out_min;
    int32_t out_max;
} nnc_softmax_s8;

/* TFLite's reference int8 softmax (reference_ops::Softmax, gemmlowp fixed point; nnc_affine.h nnc_gl_*)
 * over the last axis of [rows][cols], output scale 1/256, zero point -128:
 *   m = max_j x_j;  d_j = x_j - m;  skipped where d_j < diff_min
 *   e_j = nnc_gl_exp_on_negative_values(nnc_gl_mbqm_gt1(d_j, input_multiplier, input_left_shift), 5)  (Q0.31)
 *   sum = sum_j nnc_rdbpot(e_j, 12)                                  (Q12.19; < 2^31 for cols <= 4095)
 *   s = nnc_gl_get_reciprocal(sum, 12, &n)                            (1 / sum ~= s * 2^-(31 + n))
 *   out_j = sat(nnc_rdbpot(nnc_srdhm(s, e_j), n + 23) - 128, out_min, out_max);  skipped: sat(-128)
 * (n + 23 > 31, a row whose exps sum to >= 512, only possible for cols >= 512: 0 - 128, the exact rounding;
 * TFLite Micro and LiteRT abort there (TFLITE_CHECK), older TFLite shifts an int32 by >= 32.)
 * input_multiplier, input_left_shift and diff_min are TFLite's PreprocessSoftmaxScaling(beta, s_in, 5) and
 * -CalculateInputRadius(5, input_left_shift) (nncodegen/ref/affine.py tflite_softmax_params); a
 * TFLITE_SINGLE_ROUNDING build differs only in those parameters (its single-rounding
 * MultiplyByQuantizedMultiplierGreaterThanOne gives the same integers as nnc_gl_mbqm_gt1). */
typedef struct {
    int32_t rows;
    int32_t cols;
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t diff_min;
    int32_t out_min;
    int32_t out_max;
} nnc_softmax_tfl_s8;

/* TFLite's reference int8 log-softmax (reference_integer_ops::LogSoftmax; TFLite Micro's LogSoftmaxQuantized;
 * gemmlowp fixed point, nnc_affine.h nnc_gl_*) over the last axis of [rows][cols], output scale 16/256,
 * zero point 127:
 *   m = max_j x_j;  d_j = x_j - m;  s_j = nnc_gl_mbqm_gt1(d_j, input_multiplier, input_left_shift)  (Q5.26)
 *   sum = sum over d_j >= diff_min of nnc_rdbpot(nnc_gl_exp_on_negative_values(s_j, 5), 12)  (Q12.19)
 *   L = nnc_gl_log_x_ge_1(sum, 12, 5)                                                        (Q5.26, >= 0)
 *   t = max(diff_min - 1, nnc_rdbpot(nnc_srdhm(L + INT32_MIN, reverse_scaling_divisor),
 *                                    reverse_scaling_right_shift))
 *   out_j = d_j > t ? sat(sat(nnc_rdbpot(s_j - L, 22) + 127, -128, 127), out_min, out_max)
 *                   : sat(-128, out_min, out_max)
 * (d_j > t keeps the differences whose log-probability s_j - L stays above INT32_MIN; TFLite's int32
 * subtractions are taken modulo 2^32, which no legal input reaches.)  The parameters are TFLite's
 * PreprocessLogSoftmaxScalingExp(1, s_in, 5) and -CalculateInputRadius(5, input_left_shift)
 * (nncodegen/ref/affine.py tflite_log_softmax_params).  A TFLITE_SINGLE_ROUNDING build differs in those
 * parameters (the softmax's cap) and in rounding t once (floor(x * divisor / 2^(31 + shift) + 1/2)): its
 * s_j equal nnc_gl_mbqm_gt1's, and its t differs from the double rounding by at most 1; the one
 * difference the two thresholds then disagree on lies within half an input step of (L + INT32_MIN) /
 * s_in, so its s_j - L <= -2^31 + 2^30 (plus rounding), an output of at most -129 before the saturation
 * to -128 either way.  So this kernel with a build's parameters gives that build's int8 outputs. */
typedef struct {
    int32_t rows;
    int32_t cols;
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t reverse_scaling_divisor;
    int32_t reverse_scaling_right_shift;
    int32_t diff_min;
    int32_t out_min;
    int32_t out_max;
} nnc_log_softmax_tfl_s8;

/* TFLite's reference int8 LOGISTIC and TANH (reference_integer_ops::Logistic / Tanh; TFLite Micro's
 * logistic_common.cc / tanh.cc; gemmlowp fixed point, nnc_affine.h nnc_gl_*) on n values:
 *   v = x - input_zero_point
 *   v <= -input_range_radius: -128;  v >= input_range_radius: 127;  else, with
 *   a = nnc_mbqm(v, input_multiplier, input_left_shift, NNC_ROUND_DOUBLE)                    (Q4.27)
 *   logistic: sat(nnc_rdbpot(nnc_gl_logistic(a, 4), 23) - 128, -128, 127)    (output 1/256, zp -128)
 *   tanh:     sat(nnc_rdbpot(nnc_gl_tanh(a, 4), 24), -128, 127)              (output 1/128, zp 0)
 *   then sat(out_min, out_max).
 * The parameters are TFLite Micro's: frexp(s_in * 2^27) = q * 2^input_left_shift,
 * input_multiplier = round(q * 2^31), input_range_radius = floor(15 * 2^27 / 2^input_left_shift)
 * (nncodegen/ref/affine.py tflite_act_params).  |v| < radius keeps v * 2^input_left_shift inside
 * int32, where the single-rounding MultiplyByQuantizedMultiplier gives the same integers.  (TFLite's
 * radius is 1 for input scales in [4, 8) and 0 in [8, 16), where even v = 0 gives -128: kept as is.) */
typedef struct {
    int32_t n;
    int32_t input_zero_point;
    int32_t input_range_radius;
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t out_min;
    int32_t out_max;
} nnc_act_tfl_s8;

/* TFLite's int8 MEAN (reference_ops::QuantizedMeanOrSum, which TFLite Micro runs) over the axes k of a
 * rank <= 4 tensor (shape left-filled with 1) with reduce[k] != 0; the output is the input's shape with
 * those axes set to 1, in row-major order (keep_dims or not: the same values):
 *   sum = sum of x over the reduced axes + count * input_offset          (count = their extents' product)
 *   out = sat(nnc_mbqm(sum, multiplier, shift, rounding) + output_offset, out_min, out_max)
 * multiplier / shift: QuantizeMultiplier(s_in / s_out) with 1 / count folded in as TFLite does
 * (nncodegen/ref/affine.py tflite_mean_params).  Every partial sum is below 256 * count < 2^31 (checked). */
typedef struct {
    int32_t in_shape[4];
    int32_t reduce[4];
    int32_t input_offset;
    int32_t multiplier;
    int32_t shift;
    int32_t output_offset;
    int32_t out_min;
    int32_t out_max;
    int32_t rounding;
} nnc_mean_s8;

/* PReLU over [outer][channels] (TFLite):
 *   v = x + input_offset
 *   out = sat((v >= 0 ? nnc_mbqm(v, pos_multiplier, pos_shift)
 *                     : nnc_mbqm(v * (alpha[c] + alpha_offset), neg_multiplier[c], neg_shift[c]))
 *             + output_offset, out_min, out_max) */
typedef struct {
    int32_t outer;
    int32_t channels;
    int32_t input_offset;
    const int8_t *alpha;
    int32_t alpha_offset;
    int32_t pos_multiplier;
    int32_t pos_shift;
    const int32_t *neg_multiplier;
    const int32_t *neg_shift;
    int32_t output_offset;
    int32_t out_min;
    int32_t out_max;
    int32_t rounding;
} nnc_prelu_s8;

/* TFLite's int8 HARD_SWISH (reference_ops::HardSwish, quantized; TFLite's HardSwishPrepare parameters,
 * nncodegen/ref/affine.py tflite_hard_swish_params) on n values, in 16-bit fixed point:
 *   h   = (x - input_zero_point) * 128                                   (|h| <= 32640)
 *   pre = srdhm16(h, output_multiplier)              (x on the output scale, before the output shift)
 *   r   = h;  e = reluish_exponent
 *   e > 0: r = sat16(r * 2^(e - 1)), r = srdhm16(r, reluish_multiplier), r = sat16(r * 2)
 *   e <= 0: r = srdhm16(r, reluish_multiplier), then r = nnc_rdbpot(r, -e)
 *   r   = (r + 32768) >> 1                                               (relu6(x + 3) / 6 in Q15)
 *   out = sat(nnc_rdbpot(dhm16(r, pre), -output_exponent) + output_zero_point, out_min, out_max)
 * srdhm16 is gemmlowp's int16 SaturatingRoundingDoublingHighMul (ties up), dhm16 TFLite's
 * SaturatingDoublingHighMul (truncated toward zero); both give 32767 for -32768 * -32768.
 * The multipliers are QuantizeMultiplier's int32 values rounded to int16 (DownScaleInt32ToInt16Multiplier).
 * Legal: -15 <= output_exponent <= 0, -15 <= reluish_exponent <= 15, multipliers in [0, 32767]. */
typedef struct {
    int32_t n;
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t output_multiplier;
    int32_t output_exponent;
    int32_t reluish_multiplier;
    int32_t reluish_exponent;
    int32_t out_min;
    int32_t out_max;
} nnc_hard_swish_tfl_s8;

/* TFLite's int8 LEAKY_RELU (reference_ops::QuantizeLeakyRelu) on n values:
 *   v = x + input_offset
 *   out = sat((v >= 0 ? nnc_mbqm(v, identity_multiplier, identity_shift)
 *                     : nnc_mbqm(v, alpha_multiplier, alpha_shift)) + output_offset, out_min, out_max)
 * identity: s_in / s_out, alpha: s_in * alpha / s_out (float32, as TFLite's LeakyReluPrepare). */
typedef struct {
    int32_t n;
    int32_t input_offset;
    int32_t identity_multiplier;
    int32_t identity_shift;
    int32_t alpha_multiplier;
    int32_t alpha_shift;
    int32_t output_offset;
    int32_t out_min;
    int32_t out_max;
    int32_t rounding;
} nnc_leaky_s8;

/* float <-> int8 at the edges of a layer that runs in float (quantize_s8, dequantize_s8):
 *   quantize:   q = sat(round(x / scale) + zero_point, qmin, qmax)   (float32 division), round:
 *               half to even (ONNX QuantizeLinear), or half away from zero with round_away (TFLite)
 *   dequantize: x = (float)(q - zero_point) * scale */
typedef struct {
    float scale;
    int32_t zero_point;
    int32_t qmin;
    int32_t qmax;
    int32_t round_away;
} nnc_quant_s8;

/* ---- binary layers (bconv2d_*, bdense_*, bmaxpool, bpack_*, bunpack_*) ----
 * Binary maps are {-1, +1} bit-packed along channels into uint32 words:
 * bit 1 <-> -1, bit 0 <-> +1, channel i in word i / 32, bit i % 32, unused high
 * bits 0; an NHWC map takes [batch][h][w][ceil(c / 32)] words.  Weights: one
 * run of bits per layer, one bit per weight: output channel c's filter
 * ([k_h][k_w][in_c / groups], or a dense row [in_features]; n bits) is bits
 * c * n .. c * n + n - 1 (bit i of the run is bit i % 32 of word i / 32), the
 * run padded to a whole word at its end only; ternary weights interleave two
 * planes per word of that run: [word][0] nonzero mask, [word][1] sign (bit 1
 * <-> -1).
 *
 * Epilogue of output channel c from its accumulator acc (XNOR layers: acc =
 * sum of x*w over the counted taps; binary-weight layers: acc = sum of x*w in
 * the input's Q units):
 *   bits:     output bit 0 (+1) iff acc >= thr[c], else 1 (-1)
 *   q7/q15:   v = acc * mult[c] + bias[c]                   (int64)
 *             v += residual << res_shift                    (when a residual is given)
 *             v = v < 0 && slope_q15 ? (v * slope_q15[c] + 2^14) >> 15 : v
 *             out = sat(shift_round(v, shift), out_min, out_max)   (ReLU: out_min = 0)
 *   f32:      y = (float)acc * scale[c]; y = y + bias_f32[c]; y = y + residual;
 *             y = y < 0 && slope_f32 ? y * slope_f32[c] : y; y = min(max(y, out_min_f32), out_max_f32)
 *             (one rounding per step, no contraction into fused multiply-adds) */
typedef struct {
    const int32_t *thr;
    const int32_t *mult;
    const int64_t *bias;
    int32_t shift;
    int32_t res_shift;
    const int32_t *slope_q15;
    int32_t out_min;
    int32_t out_max;
    const float *scale_f32;
    const float *bias_f32;
    const float *slope_f32;
    float out_min_f32;
    float out_max_f32;
} nnc_bin_epi;

/* A binary convolution: padding kind and epilogue.
 * pad_kind 0: zero padding: only the taps inside the input count (acc of an
 *             XNOR layer = n_counted - 2 * popcount(x ^ w) over those taps);
 *          1: the input is padded with +1;  2: padded with -1 (XNOR inputs only). */
typedef struct {
    int32_t pad_kind;
    nnc_bin_epi epi;
} nnc_bconv;

/* A binary dense layer: output[b][o] = epi(sum_i x[b][i] * w[o][i]).
 * XNOR input: in_features = runs * run, each run of `run` features packed on
 * its own ceil(run / 32) words (a flattened NHWC map keeps its pixels' words);
 * the weights are packed the same way.  Binary-weight input (Q format): x is
 * plain, each weight row one run of in_features bits. */
typedef struct {
    int32_t batch;
    int32_t in_features;
    int32_t out_features;
    int32_t run;
    nnc_bin_epi epi;
} nnc_bdense;

/* Sign packing / unpacking of [outer][channels] maps.
 * pack:   bit = x < 0 (x >= 0 -> +1, bit 0)
 * unpack: out = bit ? neg : pos (pos / neg: +1 and -1 in the output format) */
typedef struct {
    int32_t outer;
    int32_t channels;
    int32_t pos;
    int32_t neg;
} nnc_bpack;

/* A constant array that SIMD kernels read in 64-byte vectors (dense_sparse_sl_f32's values) starts on a 64-byte
 * boundary where the compiler has a way to say so (gcc aligns large arrays to 32 bytes, clang to 16: every
 * 64-byte load of such an array then spans two cache lines). */
#if defined(__GNUC__) || defined(__clang__)
#define NNC_ALIGN64 __attribute__((aligned(64)))
#else
#define NNC_ALIGN64
#endif

#endif /* NNC_TYPES_H */
