/* nncodegen kernels: transposed 2-D convolution, q7 (int8 activations and weights). */
#ifndef CONV_TRANSPOSE2D_Q7_H
#define CONV_TRANSPOSE2D_Q7_H

#include "nnc_types.h"

/* Grouped transposed convolution in gather form, int32 accumulator:
 * output[oy][ox][oc] = nnc_requantize(bias[oc] + sum x[iy][ix][ci] * w[oc][ky][kx][ci])
 * over oy = iy * stride_h - pad_top + ky * dil_h (and the same along x).
 * input [batch][in_h][in_w][in_c], weights [out_c][k_h][k_w][in_c/groups],
 * bias [out_c] or NULL, output [batch][out_h][out_w][out_c]; out_h/out_w
 * carry pad_bottom/pad_right and output_padding.
 * Legal: groups divides in_c and out_c; strides, dilations >= 1; pads >= 0;
 * |bias| + sum |w| * max|x| < 2^31 for every output channel (else use _wide). */
void conv_transpose2d_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input,
                         const int8_t *weights, const int32_t *bias, int8_t *output);

/* Same as conv_transpose2d_q7 with an int64 accumulator. */
void conv_transpose2d_q7_wide(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input,
                              const int8_t *weights, const int32_t *bias, int8_t *output);

#endif /* CONV_TRANSPOSE2D_Q7_H */
