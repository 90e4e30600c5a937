/* nncodegen kernels: fully connected layer with hashed weights (HashedNets), float32.
 * Layouts as dense_f32; weights: w[o][i] from buckets[n_buckets] through nnc_hash32 (nnc_compress.h),
 * negated when sign != 0 and the sign hash is odd.  Lanes order (compress_f32.inc), bias after the
 * sum: dense_f32's over the virtual matrix, bit for bit.  No scratch. */
#ifndef DENSE_HASHED_F32_H
#define DENSE_HASHED_F32_H

#include "nnc_types.h"

void dense_hashed_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *buckets,
                      int32_t n_buckets, uint32_t seed, int32_t sign, const float *bias, float *output);

#endif /* DENSE_HASHED_F32_H */
