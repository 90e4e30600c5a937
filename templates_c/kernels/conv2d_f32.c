/* Float 2-D convolution (NHWC, weights [out_c][k_h][k_w][in_c / groups]).
 * Every output accumulates in float, in the order ky, kx, ic; bias is added after the sum. */
#include "conv2d_f32.h"

static float conv2d_f32_act(const nnc_act_f32 *act, float y)
{
    if (act != 0) {
        if (y < 0.0f) {
            y *= act->leaky;
        }
        if (y < act->out_min) {
            y = act->out_min;
        }
        if (y > act->out_max) {
            y = act->out_max;
        }
    }
    return y;
}

/* 1x1, no padding, groups == 1, every output pixel on a real input pixel. */
static void conv2d_f32_1x1(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                           const float *weights, const float *bias, float *output)
{
    int32_t b, oy, ox, oc, ic;
    for (b = 0; b < g->batch; ++b) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                const float *ip = input + ((b * g->in_h + oy * g->stride_h) * g->in_w + ox * g->stride_w) * g->in_c;
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (oc = 0; oc < g->out_c; ++oc) {
                    const float *wp = weights + oc * g->in_c;
                    float acc = 0.0f;
                    for (ic = 0; ic < g->in_c; ++ic) {
                        acc += ip[ic] * wp[ic];
                    }
                    if (bias != 0) {
                        acc += bias[oc];
                    }
                    op[oc] = conv2d_f32_act(act, acc);
                }
            }
        }
    }
}

/* One input channel per group (depthwise, with any channel multiplier): the output pixel's
 * channels serve as accumulators so that the input is read contiguously. */
static void conv2d_f32_depthwise(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                 const float *weights, const float *bias, float *output)
{
    const int32_t mult = g->out_c / g->groups;
    const int32_t ksize = g->k_h * g->k_w;
    int32_t b, oy, ox, ky, kx, c, m, oc;
    for (b = 0; b < g->batch; ++b) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                const int32_t iy0 = oy * g->stride_h - g->pad_top;
                const int32_t ix0 = ox * g->stride_w - g->pad_left;
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (oc = 0; oc < g->out_c; ++oc) {
                    op[oc] = 0.0f;
                }
                for (ky = 0; ky < g->k_h; ++ky) {
                    const int32_t iy = iy0 + ky * g->dil_h;
                    if (iy < 0 || iy >= g->in_h) {
                        continue;
                    }
                    for (kx = 0; kx < g->k_w; ++kx) {
                        const int32_t ix = ix0 + kx * g->dil_w;
                        const float *ip;
                        const float *wp;
                        if (ix < 0 || ix >= g->in_w) {
                            continue;
                        }
                        ip = input + ((b * g->in_h + iy) * g->in_w + ix) * g->in_c;
                        wp = weights + ky * g->k_w + kx;
                        if (mult == 1) {
                            for (c = 0; c < g->in_c; ++c) {
                                op[c] += ip[c] * wp[c * ksize];
                            }
                        } else {
                            for (c = 0; c < g->in_c; ++c) {
                                for (m = 0; m < mult; ++m) {
                                    oc = c * mult + m;
                                    op[oc] += ip[c] * wp[oc * ksize];
                                }
                            }
                        }
                    }
                }
                for (oc = 0; oc < g->out_c; ++oc) {
                    float acc = op[oc];
                    if (bias != 0) {
                        acc += bias[oc];
                    }
                    op[oc] = conv2d_f32_act(act, acc);
                }
            }
        }
    }
}

void conv2d_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *weights,
                const float *bias, float *output)
{
    const int32_t cin_g = g->in_c / g->groups;
    const int32_t cout_g = g->out_c / g->groups;
    const int32_t wsize = g->k_h * g->k_w * cin_g; /* weights per output channel */
    int32_t b, oy, ox, oc, ky, kx, ic;

    if (g->k_h == 1 && g->k_w == 1 && g->pad_top == 0 && g->pad_left == 0 && g->groups == 1 &&
        (g->out_h - 1) * g->stride_h < g->in_h && (g->out_w - 1) * g->stride_w < g->in_w) {
        conv2d_f32_1x1(g, act, input, weights, bias, output);
        return;
    }
    if (cin_g == 1) {
        conv2d_f32_depthwise(g, act, input, weights, bias, output);
        return;
    }
    for (b = 0; b < g->batch; ++b) {
        const float *ib = input + b * g->in_h * g->in_w * g->in_c;
        for (oy = 0; oy < g->out_h; ++oy) {
            const int32_t iy0 = oy * g->stride_h - g->pad_top;
            for (ox = 0; ox < g->out_w; ++ox) {
                const int32_t ix0 = ox * g->stride_w - g->pad_left;
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (oc = 0; oc < g->out_c; ++oc) {
                    const float *wq = weights + oc * wsize;
                    const float *ig = ib + (oc / cout_g) * cin_g;
                    float acc = 0.0f;
                    for (ky = 0; ky < g->k_h; ++ky) {
                        const int32_t iy = iy0 + ky * g->dil_h;
                        if (iy < 0 || iy >= g->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < g->k_w; ++kx) {
                            const int32_t ix = ix0 + kx * g->dil_w;
                            const float *ip;
                            const float *wp;
                            if (ix < 0 || ix >= g->in_w) {
                                continue;
                            }
                            ip = ig + (iy * g->in_w + ix) * g->in_c;
                            wp = wq + (ky * g->k_w + kx) * cin_g;
                            for (ic = 0; ic < cin_g; ++ic) {
                                acc += ip[ic] * wp[ic];
                            }
                        }
                    }
                    if (bias != 0) {
                        acc += bias[oc];
                    }
                    op[oc] = conv2d_f32_act(act, acc);
                }
            }
        }
    }
}
