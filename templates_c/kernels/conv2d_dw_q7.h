/* nncodegen kernels: depthwise 2-D convolution, q7, weights packed at generation time in blocks of 16
 * channels (the vector lanes). */
#ifndef CONV2D_DW_Q7_H
#define CONV2D_DW_Q7_H

#include "nnc_types.h"

/* conv2d_q7 for groups == in_c == out_c (channel multiplier 1), with T = k_h * k_w taps and
 * CB = ceil(in_c / 16) blocks of 16 channels:
 *   wdw[(cb * T + t) * 16 + j] = w[cb * 16 + j][t]   (w[c][t]: channel c's [k_h][k_w] weights; 0 past in_c,
 *                                                     except for in_c = 1, 2, 4, 8: lane j holds w[j % in_c][t],
 *                                                     16 / in_c pixels' worth, read as such by the AVX-512 path)
 *   acc = bias[c] + sum over the taps inside the input of x * w   (taps outside contribute nothing)
 *   out = nnc_requantize(acc, rq, c)
 * Integer sums are exact in any order under conv2d_q7's int32 bound, so the result is conv2d_q7's bit for
 * bit (tests/test_kernels_pk_q.py).  Legal: as conv2d_q7 (the int32 variant) with groups == in_c == out_c.
 * bias may be NULL. */
void conv2d_dw_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wdw,
                  const int32_t *bias, int8_t *output);

/* conv2d_inplace_dw_q7: conv2d_dw_q7 with its output written over its input, one output row at a time
 * (inplace_rows.inc); arguments and legality as conv2d_inplace_q7. */
void conv2d_inplace_dw_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input,
                          const int8_t *wdw, const int32_t *bias, int8_t *scratch, int32_t ring_rows,
                          int32_t backward, int8_t *output);

#endif /* CONV2D_DW_Q7_H */
