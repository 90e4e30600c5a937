/* nncodegen kernels: fully connected layer with shared weights (codebook), q15 (int16 activations and weights).  Body in dense_codebook_qn.inc.
 * Layouts as dense; weights: bits-bit indices (2..8) of [out_features][in_features] into
 * codebook + o * cb_stride (nnc_compress.h).  No scratch.  Result: the dense kernel's, bit for bit. */
#ifndef DENSE_CODEBOOK_Q15_H
#define DENSE_CODEBOOK_Q15_H

#include "nnc_types.h"

/* dense_codebook_q15: int64 accumulator: no bound needed. */
void dense_codebook_q15(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *index, int32_t bits, int32_t cb_stride, const int32_t *bias, int16_t *output);

/* dense_codebook_q15_acc32: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void dense_codebook_q15_acc32(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *codebook,
    const uint8_t *index, int32_t bits, int32_t cb_stride, const int32_t *bias, int16_t *output);

#endif /* DENSE_CODEBOOK_Q15_H */
