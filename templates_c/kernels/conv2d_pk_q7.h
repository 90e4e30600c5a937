/* nncodegen kernels: one-group 2-D convolution and fully connected layer, q7, weights packed at generation
 * time for 4-byte dot products (VPDPBUSD), activations offset to uint8. */
#ifndef CONV2D_PK_Q7_H
#define CONV2D_PK_Q7_H

#include "nnc_types.h"

/* Largest K' (below) the packed kernels take: the gathered receptive fields of
 * NNC_PKQ_PIX output pixels (NNC_PKQ_PIX * NNC_PKQ_K bytes: 4 pixels, 8 with AVX512-VNNI) and one offset
 * per 4 k (NNC_PKQ_K int32) live on the stack. */
#ifndef NNC_PKQ_K
#define NNC_PKQ_K 2048
#endif

/* conv2d_q7 for groups == 1.  Weights row-padded: R = k_w * in_c rounded up to a multiple of 4, K' = k_h * R,
 * w'[c][ky * R + i] = w[c][ky][i] (the [k_w][in_c] row) for i < k_w * in_c, 0 for the rest of the row; then
 * OB = ceil(out_c / 16) blocks of 16 output channels:
 *   wpk[((ob * K' / 4) + k4) * 64 + j * 4 + t] = w'[ob * 16 + j][k4 * 4 + t]   (0 past out_c)
 *   bias_u[ob * 16 + j] = bias[c] - 128 * sum_k w[c][k]   (modulo 2^32; 0 past out_c)
 *   acc = bias_u[c] + sum_k (x[k] + 128) * w[c][k]       (modulo 2^32; taps outside the input: x = 0)
 *   out = nnc_requantize(acc, rq, c)
 * acc equals conv2d_q7's accumulator: sum (x + 128) w = sum x w + 128 sum w, and the exact total fits int32
 * (conv2d_q7's bound), so sums modulo 2^32 in any order give it.  Legal: as conv2d_q7 (the int32 variant)
 * with groups 1 and K' <= NNC_PKQ_K.  Result: conv2d_q7's, bit for bit (tests/test_kernels_pk_q.py).
 * dense_pk_q7: one kernel row of in_features (R = K' = in_features rounded up to 4). */
void conv2d_pk_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wpk,
                  const int32_t *bias_u, int8_t *output);

/* dense_q7 with the same packing (K = in_features, a 1x1 convolution over batch pixels). */
void dense_pk_q7(const nnc_dense_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wpk,
                 const int32_t *bias_u, int8_t *output);

/* conv2d_inplace_pk_q7: conv2d_pk_q7 with its output written over its input, one output row at a time
 * (inplace_rows.inc); arguments and legality as conv2d_inplace_q7. */
void conv2d_inplace_pk_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input,
                          const int8_t *wpk, const int32_t *bias_u, int8_t *scratch, int32_t ring_rows,
                          int32_t backward, int8_t *output);

#endif /* CONV2D_PK_Q7_H */
