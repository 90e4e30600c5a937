/* nncodegen kernels: pooling, affine int8. */
#ifndef POOL_S8_H
#define POOL_S8_H

#include "nnc_types.h"

/* Layouts: input [batch][in_h][in_w][c], output [batch][out_h][out_w][c], c = in_c = out_c.
 * Window of output (oy, ox): rows oy * stride_h - pad_top + [0, k_h), columns
 * ox * stride_w - pad_left + [0, k_w); groups and dilations unused. */

/* Max over the window's real elements (padding ignored, an empty window gives -128);
 * input and output share one format. */
void maxpool_s8(const nnc_conv_geom *g, const int8_t *input, int8_t *output);

/* Average pool (input and output share one format), rounding per nnc_pool_s8:
 * TFLite's (ties away from zero on the raw sum) or ONNX QDQ's (ties to even on
 * the real-valued sum); over the real elements; with p->count_include_pad the
 * count is k_h * k_w and each padded tap adds the zero point.  Empty window: 0. */
void avgpool_s8(const nnc_conv_geom *g, const nnc_pool_s8 *p, const int8_t *input, int8_t *output);

/* Average pool as onnxruntime's QLinearAveragePool computes it (see nnc_pool_ort_s8): input and
 * output formats may differ; float32 steps in integers.  Empty window: the output zero point. */
void avgpool_ort_s8(const nnc_conv_geom *g, const nnc_pool_ort_s8 *p, const int8_t *input, int8_t *output);

/* (N, 1, 1, C): sat(nnc_mbqm(sum over H*W of (x + input_offset)) + output_offset), one rounding.
 * Legal: in_h * in_w * 255 < 2^31. */
void global_avgpool_s8(const nnc_conv_geom *g, const nnc_gavg_s8 *p, const int8_t *input, int8_t *output);

/* (N, 1, 1, C): max over H*W; input and output share one format. */
void global_maxpool_s8(const nnc_conv_geom *g, const int8_t *input, int8_t *output);

/* maxpool_inplace_s8: maxpool_s8 with its output written over its input, one output row at a time
 * (inplace_rows.inc).  output == input (one buffer) or output not overlapping input; scratch holds
 * ring_rows * out_w * out_c elements, overlaps neither, and may be NULL when ring_rows is 0.
 * Legal: as maxpool_s8 with dil_h == 1, plus every output row reads at least one input row and
 * ring_rows >= the rows its schedule keeps pending (nncodegen.lower.inplace.ring_rows(g, backward));
 * backward 0 visits the rows first to last, 1 last to first.  Result: maxpool_s8's, bit for bit. */
void maxpool_inplace_s8(const nnc_conv_geom *g, const int8_t *input, int8_t *scratch, int32_t ring_rows,
                        int32_t backward, int8_t *output);

#endif /* POOL_S8_H */
