/* nncodegen kernels: 2-D convolution, q15 (int16 activations and weights). */
#ifndef CONV2D_Q15_H
#define CONV2D_Q15_H

#include "nnc_types.h"

/* Grouped 2-D convolution (incl. depthwise), zero padding, int64 accumulator.
 * input [batch][in_h][in_w][in_c], weights [out_c][k_h][k_w][in_c/groups],
 * bias [out_c] int32 in the accumulator's format or NULL,
 * output [batch][out_h][out_w][out_c] = nnc_requantize(bias + sum x*w).
 * Legal: groups divides in_c and out_c; strides, dilations >= 1; pads >= 0;
 * rq->shift has out_c entries; the int16_t range contains [rq->out_min, rq->out_max]. */
void conv2d_q15(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *weights,
                const int32_t *bias, int16_t *output);

/* Same as conv2d_q15 with an int32 accumulator; legal only when
 * |bias| + sum |w| * max|x| < 2^31 for every output channel. */
void conv2d_q15_acc32(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *weights,
                      const int32_t *bias, int16_t *output);

/* conv2d_inplace_q15: conv2d_q15 with its output written over its input, one output row at a time
 * (inplace_rows.inc).  output == input (one buffer) or output not overlapping input; scratch holds
 * ring_rows * out_w * out_c elements, overlaps neither, and may be NULL when ring_rows is 0.
 * Legal: as conv2d_q15, plus every output row reads at least one input row and ring_rows >= the
 * rows its schedule keeps pending (nncodegen.lower.inplace.ring_rows(g, backward)); backward 0
 * visits the rows first to last, 1 last to first (layers whose rows grow).
 * Result: conv2d_q15's, bit for bit. */
void conv2d_inplace_q15(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *weights,
                        const int32_t *bias, int16_t *scratch, int32_t ring_rows, int32_t backward,
                        int16_t *output);

/* conv2d_inplace_q15_acc32: conv2d_q15_acc32 with its output written over its input, one output row at a time
 * (inplace_rows.inc).  output == input (one buffer) or output not overlapping input; scratch holds
 * ring_rows * out_w * out_c elements, overlaps neither, and may be NULL when ring_rows is 0.
 * Legal: as conv2d_q15_acc32, plus every output row reads at least one input row and ring_rows >= the
 * rows its schedule keeps pending (nncodegen.lower.inplace.ring_rows(g, backward)); backward 0
 * visits the rows first to last, 1 last to first (layers whose rows grow).
 * Result: conv2d_q15_acc32's, bit for bit. */
void conv2d_inplace_q15_acc32(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *weights,
                              const int32_t *bias, int16_t *scratch, int32_t ring_rows, int32_t backward,
                              int16_t *output);

#endif /* CONV2D_Q15_H */
