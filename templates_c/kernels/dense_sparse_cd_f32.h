/* nncodegen kernels: sparse fully connected layer, float32, class-delta layout (nncodegen/compress/sparse_cd_f32.py),
 * the ARM targets' layout.
 * Layouts: input [batch][in_features], output [batch][out_features]; weights: per output row, nine groups one after
 * the other in values[] (float) and delta[] (uint8), count[9 o + j] (uint16) entries in group j of row o: groups
 * c = 0..7 hold the positions p = c + 8 q < split, entry i at q_i = q_(i-1) + delta[i] (q_(-1) = 0); group 8 holds
 * the positions split .. in_features - 1, entry i at p_i = p_(i-1) + delta[i] (p_(-1) = split); gaps over 255 take
 * filler entries (value 0.0f, delta 255).
 * output[b][o] = act(S + bias[o]), S = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) with s[c] group c's products
 * added in order from 0.0f, then group 8's products added one by one: the order of dense_f32 (split =
 * in_features - in_features % 8), so the result is dense_f32's, bit for bit, for finite inputs (a skipped product
 * is +-0, which changes no partial sum).  split: a multiple of 8 in 0 .. in_features.  No scratch. */
#ifndef DENSE_SPARSE_CD_F32_H
#define DENSE_SPARSE_CD_F32_H

#include "nnc_types.h"

void dense_sparse_cd_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const uint16_t *count,
                         const float *values, const uint8_t *delta, const float *bias, int32_t split, float *output);

#endif /* DENSE_SPARSE_CD_F32_H */
