/* nncodegen kernels: transposed 2-D convolution, q15 (int16 activations and weights). */
#ifndef CONV_TRANSPOSE2D_Q15_H
#define CONV_TRANSPOSE2D_Q15_H

#include "nnc_types.h"

/* Grouped transposed convolution in gather form, int64 accumulator:
 * output[oy][ox][oc] = nnc_requantize(bias[oc] + sum x[iy][ix][ci] * w[oc][ky][kx][ci])
 * over oy = iy * stride_h - pad_top + ky * dil_h (and the same along x).
 * input [batch][in_h][in_w][in_c], weights [out_c][k_h][k_w][in_c/groups],
 * bias [out_c] or NULL, output [batch][out_h][out_w][out_c].
 * Legal: groups divides in_c and out_c; strides, dilations >= 1; pads >= 0. */
void conv_transpose2d_q15(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input,
                          const int16_t *weights, const int32_t *bias, int16_t *output);

/* Same as conv_transpose2d_q15 with an int32 accumulator; legal only when
 * |bias| + sum |w| * max|x| < 2^31 for every output channel. */
void conv_transpose2d_q15_acc32(const nnc_conv_geom *g, const nnc_requant *rq, const int16_t *input,
                                const int16_t *weights, const int32_t *bias, int16_t *output);

#endif /* CONV_TRANSPOSE2D_Q15_H */
