/* nncodegen kernels: sparse 2-D convolution (incl. depthwise, pointwise, grouped), q15 (int16 activations and weights).  Body in conv2d_sparse_qn.inc.
 * Layouts: input [batch][in_h][in_w][in_c], output [batch][out_h][out_w][out_c]; weights: the sparse
 * layout of nnc_compress.h over rows [k_h][k_w][in_c / groups], one per output channel (row_start has
 * out_c + 1 entries).  scratch: conv2d_sparse_scratch_size_q15(g) bytes (NULL when 0), not overlapping the rest.
 * Result: the dense conv2d kernel's with the decoded weights, bit for bit. */
#ifndef CONV2D_SPARSE_Q15_H
#define CONV2D_SPARSE_Q15_H

#include "nnc_types.h"

/* conv2d_sparse_q15: int64 accumulator: no bound needed. */
void conv2d_sparse_q15(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int32_t *row_start,
    const int16_t *values, const uint8_t *delta, const int32_t *bias, int16_t *scratch, int16_t *output);
int32_t conv2d_sparse_scratch_size_q15(const nnc_conv_geom *g);

/* conv2d_sparse_q15_acc32: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void conv2d_sparse_q15_acc32(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int32_t *row_start,
    const int16_t *values, const uint8_t *delta, const int32_t *bias, int16_t *scratch, int16_t *output);
int32_t conv2d_sparse_scratch_size_q15_acc32(const nnc_conv_geom *g);

#endif /* CONV2D_SPARSE_Q15_H */
