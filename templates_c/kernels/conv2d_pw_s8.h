/* nncodegen kernels: 1x1 (pointwise) convolution, affine int8, input offset folded into the bias. */
#ifndef CONV2D_PW_S8_H
#define CONV2D_PW_S8_H

#include "nnc_types.h"

/* conv2d_s8 for a 1x1 kernel, stride 1, no padding, one group: a dense layer over the pixels, with
 * the input offset folded into the bias at generation time (nncodegen.lower.lower_s8):
 *   bias_x[c] = bias[c] + rq->input_offset * sum_k w[c][k]       (modulo 2^32)
 *   acc = bias_x[c] + sum_k x[p][k] * w[c][k]                    (modulo 2^32)
 *   out = nnc_requant_s8_apply(acc, rq, c)                       (rq->input_offset unused)
 * input [pixels][in_c], weights [out_c][in_c] (zero point 0), bias_x [out_c] (never NULL), output
 * [pixels][out_c], pixels = batch * in_h * in_w.  acc is conv2d_s8's accumulator exactly: the
 * total is the same integer, which fits int32 (below), so sums modulo 2^32 give it whatever the
 * order.  Legal: as conv2d_s8 (|bias| + sum |x + input_offset| * |w| < 2^31 for every channel)
 * with k_h = k_w = 1, strides 1, pads 0, groups 1, out_h = in_h, out_w = in_w.
 * Result: conv2d_s8's, bit for bit (tests/test_kernels_arm.py, tests/test_kernels_s8.py). */
void conv2d_pw_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights,
                  const int32_t *bias_x, int8_t *output);

/* conv2d_inplace_pw_s8: conv2d_pw_s8 with its output written over its input, one output row at a
 * time (inplace_rows.inc); arguments and legality as conv2d_inplace_s8. */
void conv2d_inplace_pw_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                          const int8_t *weights, const int32_t *bias_x, int8_t *scratch, int32_t ring_rows,
                          int32_t backward, int8_t *output);

/* conv2d_pwp_s8: conv2d_pw_s8 with the weights packed at generation time as int16 pairs in the order the
 * ARMv7E-M DSP path reads them (nncodegen.ref.kernels_s8.pack_pwp_s8), so that its inner loop is loads and
 * SMLAD only: for output channel pair cp (channels 2 cp, 2 cp + 1) and inputs k0 .. k3 = 4 i .. 4 i + 3,
 * g4 = ceil(in_c / 4), the four words wpk[(cp * g4 + i) * 4 + 0 .. 3] hold
 *   (w[2cp][k0], w[2cp][k2]), (w[2cp][k1], w[2cp][k3]), (w[2cp+1][k0], w[2cp+1][k2]), (w[2cp+1][k1], w[2cp+1][k3])
 * (first element in the low half, as SXTB16 pairs bytes 0 and 2, then 1 and 3), with 0 for channels >= out_c
 * and inputs >= in_c: ceil(out_c / 2) * g4 * 4 words.  bias_x as conv2d_pw_s8's (never NULL).
 * Legal: as conv2d_pw_s8.  Result: conv2d_pw_s8's (so conv2d_s8's), bit for bit (tests/test_kernels_arm.py). */
void conv2d_pwp_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int32_t *wpk,
                   const int32_t *bias_x, int8_t *output);

/* conv2d_inplace_pwp_s8: conv2d_pwp_s8 with its output written over its input, one output row at a time
 * (inplace_rows.inc); arguments and legality as conv2d_inplace_s8. */
void conv2d_inplace_pwp_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                           const int32_t *wpk, const int32_t *bias_x, int8_t *scratch, int32_t ring_rows,
                           int32_t backward, int8_t *output);

#endif /* CONV2D_PW_S8_H */
