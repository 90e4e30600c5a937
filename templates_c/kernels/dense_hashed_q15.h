/* nncodegen kernels: fully connected layer with hashed weights (HashedNets), q15 (int16 activations and weights).  Body in dense_hashed_qn.inc.
 * Layouts as dense; weights: w[o][i] from buckets[n_buckets] through nnc_hash32 (nnc_compress.h).
 * No scratch.  Result: the dense kernel's over the virtual weight matrix, bit for bit. */
#ifndef DENSE_HASHED_Q15_H
#define DENSE_HASHED_Q15_H

#include "nnc_types.h"

/* dense_hashed_q15: int64 accumulator: no bound needed. */
void dense_hashed_q15(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *buckets,
    int32_t n_buckets, uint32_t seed, int32_t sign, const int32_t *bias, int16_t *output);

/* dense_hashed_q15_acc32: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void dense_hashed_q15_acc32(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *buckets,
    int32_t n_buckets, uint32_t seed, int32_t sign, const int32_t *bias, int16_t *output);

#endif /* DENSE_HASHED_Q15_H */
