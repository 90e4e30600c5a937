/* nncodegen kernels: fully connected layer with shared weights (codebook), affine int8 (TFLite / ONNX QDQ arithmetic, symmetric weights).  Body in dense_codebook_qn.inc.
 * Layouts as dense; weights: bits-bit indices (2..8) of [out_features][in_features] into
 * codebook + o * cb_stride (nnc_compress.h).  No scratch.  Result: the dense kernel's, bit for bit. */
#ifndef DENSE_CODEBOOK_S8_H
#define DENSE_CODEBOOK_S8_H

#include "nnc_types.h"

/* dense_codebook_s8: int32 accumulator (TFLite's): the compiler proved |bias| + sum |x + off| * |w| < 2^31. */
void dense_codebook_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *index, int32_t bits, int32_t cb_stride, const int32_t *bias, int8_t *output);

#endif /* DENSE_CODEBOOK_S8_H */
