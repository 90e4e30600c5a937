/* nncodegen kernels: fully connected layer with pruned and shared weights (sparse + codebook),
 * affine int8 (TFLite / ONNX QDQ arithmetic, symmetric weights).  Body in dense_sparse_codebook_qn.inc.
 * Layouts as dense_s8; weights: the sparse + codebook layout of nnc_spcb.h over the rows
 * [out_features][in_features].  No scratch.
 * *_b16_* variants take int16 biases (the same values as int32 ones, when they fit).
 * Result: the dense kernel's with the decoded weights, bit for bit.
 * *_rows_* forms: output rows (dense) / channels (conv) row0..row1 - 1 only, the count and entries streams read
 * from their bits count_at / entries_at (those rows' first fields; 0 with a row block decoded alone, as
 * --compress huffman does); the other outputs are left as they are.  The plain form is rows 0..out from bit 0. */
#ifndef DENSE_SPARSE_CODEBOOK_S8_H
#define DENSE_SPARSE_CODEBOOK_S8_H

#include "nnc_types.h"

/* dense_sparse_codebook_s8: int32 accumulator (TFLite's): the compiler proved |bias| + sum |x + off| * |w| < 2^31. */
void dense_sparse_codebook_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int32_t *bias, int8_t *output);
void dense_sparse_codebook_rows_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int32_t *bias,
    int32_t row0, int32_t row1, int32_t count_at, int32_t entries_at, int8_t *output);
/* dense_sparse_codebook_b16_s8: int32 accumulator (TFLite's): the compiler proved |bias| + sum |x + off| * |w| < 2^31; int16 biases. */
void dense_sparse_codebook_b16_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int16_t *bias, int8_t *output);
void dense_sparse_codebook_rows_b16_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *count, const uint8_t *entries, int32_t cb_stride, int32_t count_bits, int32_t delta_bits,
    int32_t index_bits, const int16_t *bias,
    int32_t row0, int32_t row1, int32_t count_at, int32_t entries_at, int8_t *output);

#endif /* DENSE_SPARSE_CODEBOOK_S8_H */
