/* nncodegen kernels: 2-D convolution, affine int8.
 *
 * TFLite's reference integer conv / depthwise conv
 * (tensorflow/lite/kernels/internal/reference/integer_ops/conv.h): the input
 * offset (-zero point) is added to every input value, taps outside the input
 * are skipped (they would read the zero point, i.e. 0 after the offset), the
 * int32 sum gets the bias and is requantized per output channel.
 * Layouts: input [batch][in_h][in_w][in_c], weights [out_c][k_h][k_w][in_c / groups],
 * output [batch][out_h][out_w][out_c].  Output channel oc belongs to group
 * oc / (out_c / groups) and reads input channels of that group.
 * Why the accumulator cannot overflow: each product is at most
 * 255 * 128 < 2^15, and the compiler selects this kernel only after proving
 * |bias| + sum |x + offset| * |w| < 2^31 for every output channel (worst case
 * over all inputs), which bounds every partial sum in any order.  Integer
 * addition is exact, so the fast paths (other loop orders) are bit-identical.
 */
#include "conv2d_s8.h"
#include "nnc_affine.h"

/* 1x1, stride 1, no padding, one group: a dense layer over the pixels. */
static void conv2d_s8_pointwise(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output)
{
    const int32_t pixels = g->batch * g->in_h * g->in_w;
    const int32_t off = rq->input_offset;
    int32_t p, oc, ci;
    for (p = 0; p < pixels; ++p) {
        const int8_t *x = input + p * g->in_c;
        int8_t *y = output + p * g->out_c;
        for (oc = 0; oc < g->out_c; ++oc) {
            const int8_t *w = weights + oc * g->in_c;
            int32_t acc = 0;
            for (ci = 0; ci < g->in_c; ++ci) {
                acc += ((int32_t)x[ci] + off) * w[ci];
            }
            if (bias) {
                acc += bias[oc];
            }
            y[oc] = (int8_t)nnc_requant_s8_apply(acc, rq, oc);
        }
    }
}

/* Depthwise with multiplier 1 (groups == in_c == out_c). */
static void conv2d_s8_depthwise(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output)
{
    const int32_t c_n = g->in_c;
    const int32_t off = rq->input_offset;
    int32_t n, oy, ox, c, ky, kx;
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                int8_t *y = output + ((n * g->out_h + oy) * g->out_w + ox) * c_n;
                for (c = 0; c < c_n; ++c) {
                    const int8_t *w = weights + c * g->k_h * g->k_w;
                    int32_t acc = 0;
                    for (ky = 0; ky < g->k_h; ++ky) {
                        const int32_t iy = oy * g->stride_h - g->pad_top + ky * g->dil_h;
                        if (iy < 0 || iy >= g->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < g->k_w; ++kx) {
                            const int32_t ix = ox * g->stride_w - g->pad_left + kx * g->dil_w;
                            if (ix < 0 || ix >= g->in_w) {
                                continue;
                            }
                            acc += ((int32_t)input[((n * g->in_h + iy) * g->in_w + ix) * c_n + c] + off) *
                                   w[ky * g->k_w + kx];
                        }
                    }
                    if (bias) {
                        acc += bias[c];
                    }
                    y[c] = (int8_t)nnc_requant_s8_apply(acc, rq, c);
                }
            }
        }
    }
}

void conv2d_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights,
               const int32_t *bias, int8_t *output)
{
    const int32_t cin_g = g->in_c / g->groups;
    const int32_t cout_g = g->out_c / g->groups;
    const int32_t off = rq->input_offset;
    int32_t n, oy, ox, grp, oc, ky, kx, ci;

    if (g->k_h == 1 && g->k_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
        g->pad_left == 0 && g->groups == 1 && g->out_h == g->in_h && g->out_w == g->in_w) {
        conv2d_s8_pointwise(g, rq, input, weights, bias, output);
        return;
    }
    if (g->groups == g->in_c && g->out_c == g->in_c) {
        conv2d_s8_depthwise(g, rq, input, weights, bias, output);
        return;
    }
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                int8_t *y = output + ((n * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (grp = 0; grp < g->groups; ++grp) {
                    const int32_t ci0 = grp * cin_g;
                    for (oc = grp * cout_g; oc < (grp + 1) * cout_g; ++oc) {
                        int32_t acc = 0;
                        for (ky = 0; ky < g->k_h; ++ky) {
                            const int32_t iy = oy * g->stride_h - g->pad_top + ky * g->dil_h;
                            if (iy < 0 || iy >= g->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < g->k_w; ++kx) {
                                const int32_t ix = ox * g->stride_w - g->pad_left + kx * g->dil_w;
                                const int8_t *x;
                                const int8_t *w;
                                if (ix < 0 || ix >= g->in_w) {
                                    continue;
                                }
                                x = input + ((n * g->in_h + iy) * g->in_w + ix) * g->in_c + ci0;
                                w = weights + ((oc * g->k_h + ky) * g->k_w + kx) * cin_g;
                                for (ci = 0; ci < cin_g; ++ci) {
                                    acc += ((int32_t)x[ci] + off) * w[ci];
                                }
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        y[oc] = (int8_t)nnc_requant_s8_apply(acc, rq, oc);
                    }
                }
            }
        }
    }
}
