/* nncodegen kernels: fully connected layer with shared weights (codebook), float32.
 * Layouts as dense_f32; weights: bits-bit indices (2..8) of [out_features][in_features] into
 * codebook + o * cb_stride (nnc_compress.h).  Lanes order (compress_f32.inc), bias after the sum:
 * dense_f32's, so the result is dense_f32's, bit for bit.  No scratch. */
#ifndef DENSE_CODEBOOK_F32_H
#define DENSE_CODEBOOK_F32_H

#include "nnc_types.h"

void dense_codebook_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *codebook,
                        const uint8_t *index, int32_t bits, int32_t cb_stride, const float *bias, float *output);

#endif /* DENSE_CODEBOOK_F32_H */
