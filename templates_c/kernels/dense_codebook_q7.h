/* nncodegen kernels: fully connected layer with shared weights (codebook), q7 (int8 activations and weights).  Body in dense_codebook_qn.inc.
 * Layouts as dense; weights: bits-bit indices (2..8) of [out_features][in_features] into
 * codebook + o * cb_stride (nnc_compress.h).  No scratch.  Result: the dense kernel's, bit for bit. */
#ifndef DENSE_CODEBOOK_Q7_H
#define DENSE_CODEBOOK_Q7_H

#include "nnc_types.h"

/* dense_codebook_q7: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void dense_codebook_q7(const nnc_dense_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *index, int32_t bits, int32_t cb_stride, const int32_t *bias, int8_t *output);

/* dense_codebook_q7_wide: int64 accumulator: no bound needed. */
void dense_codebook_q7_wide(const nnc_dense_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *index, int32_t bits, int32_t cb_stride, const int32_t *bias, int8_t *output);

#endif /* DENSE_CODEBOOK_Q7_H */
