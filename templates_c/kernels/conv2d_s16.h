/* nncodegen kernels: 2-D convolution, TFLite 16x8 (int16 activations, int8 weights, int64 bias). */
#ifndef CONV2D_S16_H
#define CONV2D_S16_H

#include "nnc_types.h"
#include "nnc_s16.h"

/* Grouped 2-D convolution of int16 tensors (TFLite's reference ConvPerChannel / DepthwiseConvPerChannel
 * for int16 input, int8 filter, int64 accumulator).  input [batch][in_h][in_w][in_c], weights
 * [out_c][k_h][k_w][in_c/groups] (symmetric), bias [out_c] int64 or NULL, output [batch][out_h][out_w][out_c]:
 *   acc = bias[c] + sum x * w        (int64; padded taps skipped: TFLite's 16x8 input zero point is 0)
 *   out = sat(nnc_mbqm64(acc, rq->multiplier[c], rq->shift[c]) + rq->output_offset, rq->out_min, rq->out_max)
 * Legal: groups divides in_c and out_c; strides, dilations >= 1; pads >= 0; rq arrays have out_c entries;
 * [out_min, out_max] inside int16; |bias| + sum |x| * |w| < 2^47 (the compiler checks it). */
void conv2d_s16(const nnc_conv_geom *g, const nnc_requant_s16 *rq, const int16_t *input, const int8_t *weights,
                const int64_t *bias, int16_t *output);

#endif /* CONV2D_S16_H */
