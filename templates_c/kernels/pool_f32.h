#ifndef NNC_POOL_F32_H
#define NNC_POOL_F32_H

#include "nnc_types.h"

/* Float pools.  input [batch][in_h][in_w][in_c], output [batch][out_h][out_w][out_c], out_c == in_c.
 * Window of output (oy, ox): rows oy*stride_h - pad_top + [0, k_h), columns likewise;
 * groups and dilations are unused.  Legal: sizes, k and strides >= 1, 0 <= pad < k
 * (so that every window holds at least one real element).  output must not alias input. */

/* Max over the window's real elements (padding ignored). */
void maxpool_f32(const nnc_conv_geom *g, const float *input, float *output);

/* Sum over the window's real elements divided by a count: the number of real elements, or
 * (count_include_pad != 0) the whole window clipped to the padded input, which is k_h*k_w since
 * the bottom/right padding follows from out_h/out_w. */
void avgpool_f32(const nnc_conv_geom *g, int32_t count_include_pad, const float *input, float *output);

/* Mean over in_h*in_w per batch and channel; output [batch][1][1][in_c]. */
void global_avgpool_f32(const nnc_conv_geom *g, const float *input, float *output);

/* Max over in_h*in_w per batch and channel; output [batch][1][1][in_c]. */
void global_maxpool_f32(const nnc_conv_geom *g, const float *input, float *output);

/* maxpool_inplace_f32: maxpool_f32 with its output written over its input, one output row at a time
 * (inplace_rows.inc).  output == input (one buffer) or output not overlapping input; scratch holds
 * ring_rows * out_w * out_c elements, overlaps neither, and may be NULL when ring_rows is 0.
 * Legal: as maxpool_f32 with dil_h == 1, plus every output row reads at least one input row and
 * ring_rows >= the rows its schedule keeps pending (nncodegen.lower.inplace.ring_rows(g, backward));
 * backward 0 visits the rows first to last, 1 last to first.  Result: maxpool_f32's, bit for bit. */
void maxpool_inplace_f32(const nnc_conv_geom *g, const float *input, float *scratch, int32_t ring_rows,
                         int32_t backward, float *output);

#endif /* NNC_POOL_F32_H */
