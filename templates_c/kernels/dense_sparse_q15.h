/* nncodegen kernels: sparse fully connected layer, q15 (int16 activations and weights).  Body in dense_sparse_qn.inc.
 * Layouts: input [batch][in_features], output [batch][out_features]; weights: the sliced sparse layout
 * of nnc_compress.h, 16 rows per slice, 64 columns per block,
 * 2 entries of a row per step.  No scratch.
 * wsum: each row's weight sum modulo 2^32 (storage.sliced_wsum; read by the 8-bit AVX-512 path).
 * Result: the dense kernel's with the decoded weights, bit for bit. */
#ifndef DENSE_SPARSE_Q15_H
#define DENSE_SPARSE_Q15_H

#include "nnc_types.h"

/* dense_sparse_q15: int64 accumulator: no bound needed. */
void dense_sparse_q15(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const uint8_t *steps,
    const uint8_t *count, const uint8_t *index, const int16_t *values, const int32_t *wsum,
    const int32_t *bias, int16_t *output);

/* dense_sparse_q15_acc32: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void dense_sparse_q15_acc32(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const uint8_t *steps,
    const uint8_t *count, const uint8_t *index, const int16_t *values, const int32_t *wsum,
    const int32_t *bias, int16_t *output);

#endif /* DENSE_SPARSE_Q15_H */
