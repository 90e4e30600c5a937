/* nncodegen kernels: fully connected layer with pruned and shared weights (sparse + codebook), float32.
 * Layouts as dense_f32; weights: the sparse + codebook layout of nnc_spcb.h over the rows
 * [out_features][in_features].  Each row sums its entries in dense_f32's order (the lanes order of
 * compress_f32.inc), bias after the sum, then the activation: the result is dense_f32's with the decoded
 * weights, bit for bit, for finite inputs.  No scratch.
 * *_rows_* forms: output rows (dense) / channels (conv) row0..row1 - 1 only, the count and entries streams read
 * from their bits count_at / entries_at (those rows' first fields; 0 with a row block decoded alone, as
 * --compress huffman does); the other outputs are left as they are.  The plain form is rows 0..out from bit 0. */
#ifndef DENSE_SPARSE_CODEBOOK_F32_H
#define DENSE_SPARSE_CODEBOOK_F32_H

#include "nnc_types.h"

void dense_sparse_codebook_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input,
                               const float *codebook, const uint8_t *count, const uint8_t *entries, int32_t cb_stride,
                               int32_t count_bits, int32_t delta_bits, int32_t index_bits, const float *bias,
                               float *output);
void dense_sparse_codebook_rows_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input,
                               const float *codebook, const uint8_t *count, const uint8_t *entries, int32_t cb_stride,
                               int32_t count_bits, int32_t delta_bits, int32_t index_bits, const float *bias,
                               int32_t row0, int32_t row1, int32_t count_at,
                               int32_t entries_at, float *output);

#endif /* DENSE_SPARSE_CODEBOOK_F32_H */
