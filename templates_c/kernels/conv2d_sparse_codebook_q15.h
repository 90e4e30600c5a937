/* nncodegen kernels: 2-D convolution (incl. depthwise, pointwise, grouped) with pruned and shared weights (sparse + codebook),
 * q15 (int16 activations and weights).  Body in conv2d_sparse_codebook_qn.inc.
 * Layouts as conv2d_q15; weights: the sparse + codebook layout of nnc_spcb.h over the rows
 * [out_c][k_h][k_w][in_c / groups].  scratch: conv2d_sparse_codebook_scratch_size_q15(g) bytes
 * (NULL when 0), not overlapping the rest.
 * *_b16_* variants take int16 biases (the same values as int32 ones, when they fit).
 * Result: the dense kernel's with the decoded weights, bit for bit.
 * *_rows_* forms: output rows (dense) / channels (conv) row0..row1 - 1 only, the count and entries streams read
 * from their bits count_at / entries_at (those rows' first fields; 0 with a row block decoded alone, as
 * --compress huffman does); the other outputs are left as they are.  The plain form is rows 0..out from bit 0. */
#ifndef CONV2D_SPARSE_CODEBOOK_Q15_H
#define CONV2D_SPARSE_CODEBOOK_Q15_H

#include "nnc_types.h"

/* conv2d_sparse_codebook_q15: int64 accumulator: no bound needed. */
void conv2d_sparse_codebook_q15(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int32_t *bias, int16_t *scratch, int16_t *output);
void conv2d_sparse_codebook_rows_q15(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int32_t *bias,
    int32_t row0, int32_t row1, int32_t count_at, int32_t entries_at, int16_t *scratch, int16_t *output);
/* conv2d_sparse_codebook_b16_q15: int64 accumulator: no bound needed; int16 biases. */
void conv2d_sparse_codebook_b16_q15(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int16_t *bias, int16_t *scratch, int16_t *output);
void conv2d_sparse_codebook_rows_b16_q15(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int16_t *bias,
    int32_t row0, int32_t row1, int32_t count_at, int32_t entries_at, int16_t *scratch, int16_t *output);
int32_t conv2d_sparse_codebook_scratch_size_q15(const nnc_conv_geom *g);

/* conv2d_sparse_codebook_q15_acc32: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void conv2d_sparse_codebook_q15_acc32(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int32_t *bias, int16_t *scratch, int16_t *output);
void conv2d_sparse_codebook_rows_q15_acc32(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int32_t *bias,
    int32_t row0, int32_t row1, int32_t count_at, int32_t entries_at, int16_t *scratch, int16_t *output);
/* conv2d_sparse_codebook_b16_q15_acc32: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31; int16 biases. */
void conv2d_sparse_codebook_b16_q15_acc32(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int16_t *bias, int16_t *scratch, int16_t *output);
void conv2d_sparse_codebook_rows_b16_q15_acc32(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int16_t *bias,
    int32_t row0, int32_t row1, int32_t count_at, int32_t entries_at, int16_t *scratch, int16_t *output);
int32_t conv2d_sparse_codebook_scratch_size_q15_acc32(const nnc_conv_geom *g);

#endif /* CONV2D_SPARSE_CODEBOOK_Q15_H */
