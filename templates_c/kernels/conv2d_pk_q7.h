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

/* conv_transpose2d_q7 for groups == 1 over weights packed per phase.  An output coordinate's phase along an axis
 * is r = (o + pad) % stride; the taps that reach it are kk with kk * dil % stride == r.  Per phase (ry major, rx
 * minor) the phase's taps (ky major), each tap's in_c weights padded with zeros to c4 = in_c rounded up to 4,
 * make a row of K' = taps * c4 products, packed as conv2d_pk_q7's blocks (16 output channels x 4 k per 64 bytes);
 * the phases follow each other in wpk (a phase without taps has no bytes); bias_u holds ceil(out_c / 16) * 16
 * int32 per phase: bias[c] - 128 * the sum of the phase's weights of channel c (modulo 2^32).
 *   acc = bias_u[phase][c] + sum over the phase's taps (x[iy][ix][ci] + 128) * w[c][ky][kx][ci] (modulo 2^32;
 *         x = 0 where (iy, ix) lies outside the input), iy = (oy + pad_top - ky * dil_h) / stride_h
 * equals conv_transpose2d_q7's accumulator (the same argument as conv2d_pk_q7's).  Legal: as
 * conv_transpose2d_q7 with groups 1 and every phase's K' <= NNC_PKQ_K.  Result: conv_transpose2d_q7's, bit for
 * bit (tests/test_kernels_pk_q.py; twin nncodegen/ref/kernels_pk_q.py). */
void conv_transpose2d_pk_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wpk,
                            const int32_t *bias_u, int8_t *output);

/* conv2d_inplace_pk_q7: conv2d_pk_q7 with its output written over its input, one output row at a time
 * (inplace_rows.inc); arguments and legality as conv2d_inplace_q7. */
void conv2d_inplace_pk_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input,
                          const int8_t *wpk, const int32_t *bias_u, int8_t *scratch, int32_t ring_rows,
                          int32_t backward, int8_t *output);

/* Most steps conv2d_pw4_q7 takes (its weight vectors live in registers / on the stack). */
#ifndef NNC_PW4_STEPS
#define NNC_PW4_STEPS 4
#endif

/* conv2d_q7 for 1x1 convolutions with stride 1, no padding and one group whose output channels each read a
 * few 4-byte groups of the input pixel (grouped layers in their block-diagonal one-group form, their output
 * channels in any order, e.g. with a channel shuffle folded in).  D = steps; per step d and channel c:
 *   idx[d * out_c + c]            the 4-byte group (input channels 4 idx .. 4 idx + 3) the step reads
 *   w4[(d * out_c + c) * 4 + t]   its four weights (0 where c has no weight; a step of zeros pads a channel)
 *   bias_u[c] = bias[c] - 128 * sum of c's weights (modulo 2^32)
 *   acc = bias_u[c] + sum_d sum_t (x[4 idx + t] + 128) * w4[..]   (modulo 2^32)
 *   out = nnc_requantize(acc, rq, c)
 * acc equals conv2d_q7's accumulator over the weights w[c][4 idx + t] = w4[..] (zero elsewhere) by
 * conv2d_pk_q7's argument.  Paths: avx512-vnni (16 / out_c pixels per vector when out_c divides 16 and those
 * pixels' in_c bytes fit 64: the groups moved into the lanes with VPERMD, one VPDPBUSD per step); else plain
 * C.  Legal: k 1x1, stride 1, no padding, groups 1, in_c % 4 == 0, 1 <= D <= NNC_PW4_STEPS, idx < in_c / 4,
 * conv2d_q7's int32 bound.  Result: conv2d_q7's, bit for bit (tests/test_kernels_pk_q.py; twin
 * nncodegen/ref/kernels_pk_q.py). */
void conv2d_pw4_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, int32_t steps,
                   const uint8_t *idx, const int8_t *w4, const int32_t *bias_u, int8_t *output);

/* conv2d_inplace_pw4_q7: conv2d_pw4_q7 with its output written over its input, one output row at a time
 * (inplace_rows.inc); arguments and legality as conv2d_inplace_q7. */
void conv2d_inplace_pw4_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, int32_t steps,
                           const uint8_t *idx, const int8_t *w4, const int32_t *bias_u, int8_t *scratch,
                           int32_t ring_rows, int32_t backward, int8_t *output);

#endif /* CONV2D_PK_Q7_H */
