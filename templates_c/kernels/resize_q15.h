/* nncodegen kernels: resize (nearest, bilinear) by compiler tables, q15 (int16). */
#ifndef RESIZE_Q15_H
#define RESIZE_Q15_H

#include "nnc_types.h"

/* out[n][y][x][c] = in[n][y0[y]][x0[x]][c]; input [batch][in_h][in_w][channels],
 * output [batch][out_h][out_w][channels]; y0 [out_h] in [0, in_h), x0 [out_w] in [0, in_w). */
void resize_nearest_q15(const nnc_resize *p, const int16_t *input, int16_t *output);

/* Bilinear with Q10 weights wy [out_h], wx [out_w] in [0, 1024] (weight of y1 / x1):
 *   top = in[y0][x0] * (1024 - wx) + in[y0][x1] * wx   (rows y0 and y1)
 *   s = top(y0) * (1024 - wy) + top(y1) * wy;  out = sat(shift_round(s, shift), out_min, out_max).
 * Layouts and y0/x0 as resize_nearest_q15; y1 [out_h], x1 [out_w] likewise in range;
 * [out_min, out_max] inside the range of int16_t. */
void resize_bilinear_q15(const nnc_resize *p, const int16_t *input, int16_t *output);

#endif /* RESIZE_Q15_H */
