/* nncodegen kernels: pooling, q7 (int8). */
#ifndef POOL_Q7_H
#define POOL_Q7_H

#include "nnc_types.h"

/* Max over the real elements of each k_h x k_w window (padding ignored; a
 * window with no real element gives the type's minimum).
 * input [batch][in_h][in_w][in_c], output [batch][out_h][out_w][in_c];
 * k, stride, pad_top/pad_left from g; groups and dilations unused; out_c == in_c. */
void maxpool_q7(const nnc_conv_geom *g, const int8_t *input, int8_t *output);

/* Average pool: nnc_div_round(sum of the real elements, count), where count is
 * the number of real elements, or k_h * k_w (the window clipped to the padded
 * input) when count_include_pad != 0.  A window with no real element and
 * count_include_pad == 0 gives 0.  Layouts as maxpool_q7. */
void avgpool_q7(const nnc_conv_geom *g, int32_t count_include_pad, const int8_t *input, int8_t *output);

/* nnc_div_round(sum over in_h * in_w, in_h * in_w) per channel, int64 sum.
 * input [batch][in_h][in_w][in_c], output [batch][in_c]. */
void global_avgpool_q7(const nnc_conv_geom *g, const int8_t *input, int8_t *output);

/* Max over in_h * in_w per channel.  input [batch][in_h][in_w][in_c], output [batch][in_c]. */
void global_maxpool_q7(const nnc_conv_geom *g, const int8_t *input, int8_t *output);

/* maxpool_inplace_q7: maxpool_q7 with its output written over its input, one output row at a time
 * (inplace_rows.inc).  output == input (one buffer) or output not overlapping input; scratch holds
 * ring_rows * out_w * out_c elements, overlaps neither, and may be NULL when ring_rows is 0.
 * Legal: as maxpool_q7 with dil_h == 1, plus every output row reads at least one input row and
 * ring_rows >= the rows its schedule keeps pending (nncodegen.lower.inplace.ring_rows(g, backward));
 * backward 0 visits the rows first to last, 1 last to first.  Result: maxpool_q7's, bit for bit. */
void maxpool_inplace_q7(const nnc_conv_geom *g, const int8_t *input, int8_t *scratch, int32_t ring_rows,
                        int32_t backward, int8_t *output);

#endif /* POOL_Q7_H */
