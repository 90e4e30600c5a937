/* nncodegen kernels: 2-D convolution with pruned and shared weights (sparse + codebook), float32.
 * Layouts as conv2d_f32; weights: the sparse + codebook layout of nnc_spcb.h over the rows
 * [out_c][k_h][k_w][in_c / groups].  Output channels oc < seq_channels sum in the seq order, the others
 * in the lanes order (compress_f32.inc), bias after the sum, then the activation: with seq_channels set
 * by the compiler this is conv2d_f32's order on its 1x1, small-K, depthwise and patch paths, and the
 * result conv2d_f32's, bit for bit (finite inputs); on conv2d_f32's generic path the two differ by float
 * rounding only.  scratch: conv2d_sparse_codebook_scratch_size_f32(g) bytes (NULL when 0).
 * *_rows_* forms: output rows (dense) / channels (conv) row0..row1 - 1 only, the count and entries streams read
 * from their bits count_at / entries_at (those rows' first fields; 0 with a row block decoded alone, as
 * --compress huffman does); the other outputs are left as they are.  The plain form is rows 0..out from bit 0. */
#ifndef CONV2D_SPARSE_CODEBOOK_F32_H
#define CONV2D_SPARSE_CODEBOOK_F32_H

#include "nnc_types.h"

void conv2d_sparse_codebook_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                const float *codebook, const uint8_t *count, const uint8_t *entries, int32_t cb_stride,
                                int32_t count_bits, int32_t delta_bits, int32_t index_bits, const float *bias,
                                int32_t seq_channels, float *scratch, float *output);
void conv2d_sparse_codebook_rows_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                const float *codebook, const uint8_t *count, const uint8_t *entries, int32_t cb_stride,
                                int32_t count_bits, int32_t delta_bits, int32_t index_bits, const float *bias,
                                int32_t row0, int32_t row1, int32_t count_at,
                                int32_t entries_at, int32_t seq_channels, float *scratch, float *output);
int32_t conv2d_sparse_codebook_scratch_size_f32(const nnc_conv_geom *g);

#endif /* CONV2D_SPARSE_CODEBOOK_F32_H */
