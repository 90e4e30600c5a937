/* nncodegen kernels: 2-D convolution with shared weights (codebook), q7 (int8 activations and weights).  Body in conv2d_codebook_qn.inc.
 * Layouts as conv2d; weights: bits-bit indices (2..8) of the rows [out_c][k_h][k_w][in_c / groups] into
 * codebook + oc * cb_stride (nnc_compress.h).  scratch: conv2d_codebook_scratch_size_q7(g) bytes (NULL when 0).
 * Result: the dense conv2d kernel's with the decoded weights, bit for bit. */
#ifndef CONV2D_CODEBOOK_Q7_H
#define CONV2D_CODEBOOK_Q7_H

#include "nnc_types.h"

/* conv2d_codebook_q7: int32 accumulator: the compiler proved |bias| + sum |w| * max|x| < 2^31. */
void conv2d_codebook_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *index, int32_t bits, int32_t cb_stride, const int32_t *bias, int8_t *scratch, int8_t *output);
int32_t conv2d_codebook_scratch_size_q7(const nnc_conv_geom *g);

/* conv2d_codebook_q7_wide: int64 accumulator: no bound needed. */
void conv2d_codebook_q7_wide(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *codebook,
    const uint8_t *index, int32_t bits, int32_t cb_stride, const int32_t *bias, int8_t *scratch, int8_t *output);
int32_t conv2d_codebook_scratch_size_q7_wide(const nnc_conv_geom *g);

#endif /* CONV2D_CODEBOOK_Q7_H */
