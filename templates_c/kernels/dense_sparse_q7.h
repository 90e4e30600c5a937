/* nncodegen kernels: sparse fully connected layer, q7 (int8 activations and weights).  Body in dense_sparse_qn.inc.
 * Layouts: input [batch][in_features], output [batch][out_features]; weights: the sparse layout of
 * nnc_compress.h over rows [in_features] (row_start has out_features + 1 entries).  No scratch.
 * Result: the dense kernel's with the decoded weights, bit for bit. */
#ifndef DENSE_SPARSE_Q7_H
#define DENSE_SPARSE_Q7_H

#include "nnc_types.h"

/* dense_sparse_q7: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void dense_sparse_q7(const nnc_dense_geom *g, const nnc_requant *rq, const int8_t *input, const int32_t *row_start,
    const int8_t *values, const uint8_t *delta, const int32_t *bias, int8_t *output);

/* dense_sparse_q7_wide: int64 accumulator: no bound needed. */
void dense_sparse_q7_wide(const nnc_dense_geom *g, const nnc_requant *rq, const int8_t *input, const int32_t *row_start,
    const int8_t *values, const uint8_t *delta, const int32_t *bias, int8_t *output);

#endif /* DENSE_SPARSE_Q7_H */
