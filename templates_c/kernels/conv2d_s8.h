/* nncodegen kernels: 2-D convolution, affine int8 (TFLite semantics). */
#ifndef CONV2D_S8_H
#define CONV2D_S8_H

#include "nnc_types.h"

/* Grouped 2-D convolution (incl. depthwise and 1x1) of affine int8 tensors.
 * input [batch][in_h][in_w][in_c], weights [out_c][k_h][k_w][in_c/groups]
 * (symmetric: zero point 0, per-channel scales folded into rq), bias [out_c]
 * int32 at scale s_in * s_w[c] or NULL, output [batch][out_h][out_w][out_c]:
 *   acc = bias[c] + sum (x + rq->input_offset) * w     (padded taps skipped)
 *   out = nnc_requant_s8_apply(acc, rq, c)
 * Legal: groups divides in_c and out_c; strides, dilations >= 1; pads >= 0;
 * rq arrays have out_c entries; [rq->out_min, rq->out_max] inside int8;
 * |bias| + sum |x + input_offset| * |w| < 2^31 (the compiler checks it). */
void conv2d_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights,
               const int32_t *bias, int8_t *output);

/* conv2d_inplace_s8: conv2d_s8 with its output written over its input, one output row at a time
 * (inplace_rows.inc).  output == input (one buffer) or output not overlapping input; scratch holds
 * ring_rows * out_w * out_c elements, overlaps neither, and may be NULL when ring_rows is 0.
 * Legal: as conv2d_s8, plus every output row reads at least one input row and ring_rows >= the
 * rows its schedule keeps pending (nncodegen.lower.inplace.ring_rows(g, backward)); backward 0
 * visits the rows first to last, 1 last to first (layers whose rows grow).
 * Result: conv2d_s8's, bit for bit. */
void conv2d_inplace_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, int8_t *scratch, int32_t ring_rows, int32_t backward,
                       int8_t *output);

#endif /* CONV2D_S8_H */
