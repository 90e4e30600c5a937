/* nncodegen kernels: fully connected layer with hashed weights (HashedNets), affine int8 (TFLite / ONNX QDQ arithmetic, symmetric weights).  Body in dense_hashed_qn.inc.
 * Layouts as dense; weights: w[o][i] from buckets[n_buckets] through nnc_hash32 (nnc_compress.h).
 * No scratch.  Result: the dense kernel's over the virtual weight matrix, bit for bit. */
#ifndef DENSE_HASHED_S8_H
#define DENSE_HASHED_S8_H

#include "nnc_types.h"

/* dense_hashed_s8: int32 accumulator (TFLite's): the compiler proved |bias| + sum |x + off| * |w| < 2^31. */
void dense_hashed_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *buckets,
    int32_t n_buckets, uint32_t seed, int32_t sign, const int32_t *bias, int8_t *output);

#endif /* DENSE_HASHED_S8_H */
