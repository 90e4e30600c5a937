/* nncodegen kernels: transposed 2-D convolution, affine int8 (TFLite TRANSPOSE_CONV). */
#ifndef CONV_TRANSPOSE2D_S8_H
#define CONV_TRANSPOSE2D_S8_H

#include "nnc_types.h"

/* TFLite's reference int8 TRANSPOSE_CONV (reference/integer_ops/transpose_conv.h, int32 accumulator).
 * input [batch][in_h][in_w][in_c], weights [out_c][k_h][k_w][in_c], bias [out_c] int32 or NULL,
 * output [batch][out_h][out_w][out_c].  Input pixel (iy, ix) adds (x + rq->input_offset) * w[ky][kx] to
 * output pixel (iy * stride_h - pad_top + ky * dil_h, ix * stride_w - pad_left + kx * dil_w) when that
 * pixel exists; then per output channel c
 *   out = sat(nnc_mbqm(acc + bias[c], rq->multiplier[c], rq->shift[c]) + rq->output_offset, out_min, out_max)
 * Legal: groups 1; strides, dilations >= 1; pads >= 0; rq arrays have out_c entries; [out_min, out_max]
 * inside int8; |bias| + sum |x + input_offset| * |w| < 2^31 (the compiler checks it).  Each output pixel
 * gathers its taps (no scratch): integer sums are exact, so this equals TFLite's scatter into an int32
 * buffer. */
void conv_transpose2d_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                         const int8_t *weights, const int32_t *bias, int8_t *output);

#endif /* CONV_TRANSPOSE2D_S8_H */
