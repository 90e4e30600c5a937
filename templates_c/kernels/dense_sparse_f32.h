/* nncodegen kernels: sparse fully connected layer, float32.
 * Layouts: input [batch][in_features], output [batch][out_features]; weights: the sparse layout of
 * nnc_compress.h over rows [in_features] (row_start has out_features + 1 entries).
 * output[b][o] = act(lanes sum of the stored products (compress_f32.inc) + bias[o]): dense_f32's order,
 * so the result is dense_f32's, bit for bit, for finite inputs.  No scratch. */
#ifndef DENSE_SPARSE_F32_H
#define DENSE_SPARSE_F32_H

#include "nnc_types.h"

void dense_sparse_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const int32_t *row_start,
                      const float *values, const uint8_t *delta, const float *bias, float *output);

#endif /* DENSE_SPARSE_F32_H */
