/* nncodegen kernels: sparse fully connected layer, q15 (int16 activations and weights).  Body in dense_sparse_qn.inc.
 * Layouts: input [batch][in_features], output [batch][out_features]; weights: the sparse layout of
 * nnc_compress.h over rows [in_features] (row_start has out_features + 1 entries).  No scratch.
 * Result: the dense kernel's with the decoded weights, bit for bit. */
#ifndef DENSE_SPARSE_Q15_H
#define DENSE_SPARSE_Q15_H

#include "nnc_types.h"

/* dense_sparse_q15: int64 accumulator: no bound needed. */
void dense_sparse_q15(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const int32_t *row_start,
    const int16_t *values, const uint8_t *delta, const int32_t *bias, int16_t *output);

/* dense_sparse_q15_acc32: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void dense_sparse_q15_acc32(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const int32_t *row_start,
    const int16_t *values, const uint8_t *delta, const int32_t *bias, int16_t *output);

#endif /* DENSE_SPARSE_Q15_H */
