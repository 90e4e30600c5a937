/* nncodegen kernels: transposed 2-D convolution, TFLite 16x8 (int16 activations, int8 weights, int64 bias). */
#ifndef CONV_TRANSPOSE2D_S16_H
#define CONV_TRANSPOSE2D_S16_H

#include "nnc_types.h"
#include "nnc_s16.h"

/* TFLite's reference 16x8 TRANSPOSE_CONV (reference/integer_ops/transpose_conv.h, int64 accumulator).
 * input [batch][in_h][in_w][in_c], weights [out_c][k_h][k_w][in_c], bias [out_c] int64 or NULL,
 * output [batch][out_h][out_w][out_c].  Input pixel (iy, ix) adds x * w[ky][kx] to output pixel
 * (iy * stride_h - pad_top + ky * dil_h, ix * stride_w - pad_left + kx * dil_w) when that pixel
 * exists; then per output channel c
 *   out = sat(nnc_mbqm64(acc + bias[c], rq->multiplier[c], rq->shift[c]) + rq->output_offset, out_min, out_max)
 * Legal: groups 1; strides, dilations >= 1; pads >= 0; rq arrays have out_c entries;
 * [out_min, out_max] inside int16; |bias| + sum |x| * |w| < 2^47 (the compiler checks it).
 * Each output pixel gathers its taps (no scratch): integer sums are exact, so this equals TFLite's
 * scatter into an int64 buffer. */
void conv_transpose2d_s16(const nnc_conv_geom *g, const nnc_requant_s16 *rq, const int16_t *input,
                          const int8_t *weights, const int64_t *bias, int16_t *output);

#endif /* CONV_TRANSPOSE2D_S16_H */
