#ifndef NNC_RESIZE_F32_H
#define NNC_RESIZE_F32_H

#include "nnc_types.h"

/* Float resize of NHWC maps: input [batch][in_h][in_w][channels],
 * output [batch][out_h][out_w][channels], per-axis source tables made by the compiler
 * (entries in [0, in_h) for y0/y1, [0, in_w) for x0/x1).  output must not alias input. */

/* out[n][y][x][c] = in[n][y0[y]][x0[x]][c]   (y1, x1 and weights unused) */
void resize_nearest_f32(const nnc_resize *p, const float *input, float *output);

/* top(r) = in[r][x0] * (1 - wf_x) + in[r][x1] * wf_x     for r = y0[y], y1[y]
 * out    = top(y0) * (1 - wf_y) + top(y1) * wf_y,          wf_y, wf_x in [0, 1] */
void resize_bilinear_f32(const nnc_resize *p, const float *input, float *output);

#endif /* NNC_RESIZE_F32_H */
