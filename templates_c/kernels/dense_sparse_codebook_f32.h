/* nncodegen kernels: fully connected layer with pruned and shared weights (sparse + codebook), float32.
 * Layouts as dense_f32; weights: the sparse + codebook layout of nnc_spcb.h over the rows
 * [out_features][in_features].  Each row sums its entries in dense_f32's order (the lanes order of
 * compress_f32.inc), bias after the sum, then the activation: the result is dense_f32's with the decoded
 * weights, bit for bit, for finite inputs.  No scratch. */
#ifndef DENSE_SPARSE_CODEBOOK_F32_H
#define DENSE_SPARSE_CODEBOOK_F32_H

#include "nnc_types.h"

void dense_sparse_codebook_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input,
                               const float *codebook, const uint8_t *count, const uint8_t *entries, int32_t cb_stride,
                               int32_t count_bits, int32_t delta_bits, int32_t index_bits, const float *bias,
                               float *output);

#endif /* DENSE_SPARSE_CODEBOOK_F32_H */
