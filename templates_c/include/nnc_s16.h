/* nncodegen runtime: parameter structs and integer rules of TFLite's 16x8 kernels
 * (int16 activations, int8 weights, int64 biases), as TFLite's reference kernels compute them.
 *
 * real = scale * (q - zero_point).  Multipliers and shifts are TFLite's QuantizeMultiplier pairs
 * (nnc_affine.h): M ~= multiplier * 2^(shift - 31).  Element-wise layers (add, sub, leaky ReLU,
 * requantize) scale int32 values with nnc_mbqm in the rounding mode of the model (`rounding`);
 * convolutions scale their int64 accumulators with nnc_mbqm64, TFLite's 64-bit
 * MultiplyByQuantizedMultiplier, the same in both of TFLite's rounding builds.
 * Twins: nncodegen/ref/kernels_s16.py (structs: nncodegen/lower/params_s16.py).
 */
#ifndef NNC_S16_H
#define NNC_S16_H

#include <stdint.h>
#include "nnc_types.h"
#include "nnc_affine.h"

/* TFLite's MultiplyByQuantizedMultiplier(int64_t x, multiplier, shift): the multiplier rounded to
 * 15 bits, reduced = (multiplier + 2^15) >> 16 (0x7FFF from 0x7FFF0000 up), then one rounding
 * half up: (x * reduced + 2^(14 - shift)) >> (15 - shift).
 * Legal: 0 <= multiplier, -31 <= shift <= 7, |x| < 2^47 (the compiler proves the accumulator
 * bound); a result outside int32 (TFLite leaves it undefined) saturates. */
static inline int32_t nnc_mbqm64(int64_t x, int32_t multiplier, int32_t shift)
{
    const int64_t reduced = multiplier < 0x7FFF0000 ? (((int64_t)multiplier + (1 << 15)) >> 16) : 0x7FFF;
    const int32_t total = 15 - shift; /* 8 .. 46 */
    const int64_t v = (x * reduced + ((int64_t)1 << (total - 1))) >> total;
    return nnc_sat32(v);
}

/* conv2d_s16 / conv_transpose2d_s16 epilogue, per output channel c:
 *   out = sat(nnc_mbqm64(acc, multiplier[c], shift[c]) + output_offset, out_min, out_max) */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t output_offset;
    int32_t out_min;
    int32_t out_max;
} nnc_requant_s16;

/* add_s16 / sub_s16 (TFLite's integer add / sub with left_shift 15):
 *   a' = nnc_mbqm((a + a_offset) * 2^left_shift, a_multiplier, a_shift, rounding), b' likewise
 *   out = sat(nnc_mbqm(a' +- b', out_multiplier, out_shift, rounding) + out_offset, out_min, out_max) */
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
} nnc_eltwise_s16;

/* leaky_relu_s16 (TFLite's QuantizeLeakyRelu): v = x + input_offset;
 *   out = sat(nnc_mbqm(v, v >= 0 ? identity : alpha multiplier and shift, rounding) + output_offset) */
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
} nnc_leaky_s16;

/* requantize_* (TFLite's Requantize, QUANTIZE between integer types):
 *   out = sat(nnc_mbqm(sat32(x + input_offset), multiplier, shift, rounding) + output_offset, out_min, out_max) */
typedef struct {
    int32_t n;
    int32_t input_offset;
    int32_t multiplier;
    int32_t shift;
    int32_t output_offset;
    int32_t out_min;
    int32_t out_max;
    int32_t rounding;
} nnc_requant_elt_s16;

/* quantize_s16 / dequantize_s16 (float model inputs and outputs):
 *   quantize: q = sat(round_half_away(x / scale) + zero_point, qmin, qmax), the division in float32
 *   dequantize: (float)(q - zero_point) * scale */
typedef struct {
    float scale;
    int32_t zero_point;
    int32_t qmin;
    int32_t qmax;
} nnc_quant_s16;

/* strided_slice_s16: out[i0]...[i5] = in[offset + sum_k i_k * in_stride[k]] over out_shape
 * (shapes left-filled with 1; in_stride[k] = step * the input's stride of that axis, may be < 0). */
typedef struct {
    int32_t out_shape[6];
    int32_t in_stride[6];
    int32_t offset;
} nnc_slice_s16;

#endif /* NNC_S16_H */
