/* nncodegen kernels: sparse 2-D convolution (incl. depthwise, pointwise, grouped), affine int8 (TFLite / ONNX QDQ arithmetic, symmetric weights).  Body in conv2d_sparse_qn.inc.
 * Layouts: input [batch][in_h][in_w][in_c], output [batch][out_h][out_w][out_c]; weights: the sparse
 * layout of nnc_compress.h over rows [k_h][k_w][in_c / groups], one per output channel (row_start has
 * out_c + 1 entries).  scratch: conv2d_sparse_scratch_size_s8(g) bytes (NULL when 0), not overlapping the rest.
 * Result: the dense conv2d kernel's with the decoded weights, bit for bit. */
#ifndef CONV2D_SPARSE_S8_H
#define CONV2D_SPARSE_S8_H

#include "nnc_types.h"

/* conv2d_sparse_s8: int32 accumulator (TFLite's): the compiler proved |bias| + sum |x + off| * |w| < 2^31. */
void conv2d_sparse_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int32_t *row_start,
    const int8_t *values, const uint8_t *delta, const int32_t *bias, int8_t *scratch, int8_t *output);
int32_t conv2d_sparse_scratch_size_s8(const nnc_conv_geom *g);

#endif /* CONV2D_SPARSE_S8_H */
