/* Float 2-D convolution (NHWC, weights [out_c][k_h][k_w][in_c / groups]).
 *
 * Summation order (the same on every target and SIMD path; bias is added after the sum):
 *   - depthwise (one input channel per group, multiplier 1) and small K (one group,
 *     k_h * k_w * in_c <= NNC_CONV_SMALLK_F32): one product after the other in the order ky, kx, ic,
 *     from 0.0f, skipping taps outside the input: the plain loop's order.
 *   - 1x1, patch and the generic path: nnc_dot_f32 (nnc_simd.h: eight partial sums, then the rest)
 *     over each contiguous run of products -- the whole pixel for 1x1; the whole receptive field
 *     (taps outside the input as 0.0f) with one group and k_h * k_w * in_c <= NNC_CONV_PATCH_F32;
 *     else the in-range taps of a kernel row with one group and no horizontal dilation, otherwise
 *     one tap's in_c / groups channels, the runs' sums added in the order ky (, kx).
 * Fast paths (depthwise and small K in conv2d_f32_local.inc, included below): blocks of channels
 * innermost with small local accumulator and weight blocks (no VLA, no malloc: at most
 * NNC_DW_TAPS_F32 * 16, NNC_CONV_SMALLK_F32 * 8 and NNC_CONV_PATCH_F32 floats on the stack),
 * and four output channels per pass over the input (nnc_dot4_f32). */
#include <string.h>

#include "conv2d_f32.h"
#include "nnc_simd.h"

#ifndef NNC_DW_TAPS_F32
#define NNC_DW_TAPS_F32 9 /* depthwise: largest k_h * k_w with local transposed weights (3x3) */
#endif
#ifndef NNC_CONV_SMALLK_F32
#define NNC_CONV_SMALLK_F32 32 /* small-K path: largest k_h * k_w * in_c */
#endif
#ifndef NNC_CONV_PATCH_F32
#define NNC_CONV_PATCH_F32 128 /* patch path: largest k_h * k_w * in_c (one group) */
#endif

#include "epilogue_f32.inc"

/* 1x1, no padding, groups == 1, every output pixel on a real input pixel. */
static NNC_NOINLINE void conv2d_f32_1x1(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                        const float *weights, const float *bias, float *output)
{
    const int32_t cin = g->in_c;
    int32_t b, oy, ox, oc, j;
    for (b = 0; b < g->batch; ++b) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                const float *ip = input + ((b * g->in_h + oy * g->stride_h) * g->in_w + ox * g->stride_w) * cin;
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (oc = 0; oc + 4 <= g->out_c; oc += 4) {
                    float s[4];
                    nnc_dot4_f32(ip, weights + oc * cin, cin, cin, s);
                    for (j = 0; j < 4; ++j) {
                        op[oc + j] = nnc_act_f32_apply(act, bias != 0 ? s[j] + bias[oc + j] : s[j]);
                    }
                }
                for (; oc < g->out_c; ++oc) {
                    const float acc = nnc_dot_f32(ip, weights + oc * cin, cin);
                    op[oc] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[oc] : acc);
                }
            }
        }
    }
}

#include "conv2d_f32_local.inc"

/* One group, k_h * k_w * in_c <= NNC_CONV_PATCH_F32: the receptive field of each output pixel is
 * gathered into a local patch ([k_h][k_w][in_c], like a weight row; 0.0f for taps outside the
 * input, whose products +-0 leave the partial sums unchanged), then one nnc_dot_f32 of
 * k_h * k_w * in_c elements per output channel, four channels per pass, from oc_first on. */
static NNC_NOINLINE void conv2d_f32_patch(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                          const float *weights, const float *bias, float *output, int32_t oc_first)
{
    const int32_t cin = g->in_c, kk = g->k_h * g->k_w * cin;
    float patch[NNC_CONV_PATCH_F32];
    int32_t b, oy, ox, ky, kx, i, oc, j;
    for (b = 0; b < g->batch; ++b) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_c;
                float *pp = patch;
                for (ky = 0; ky < g->k_h; ++ky) {
                    const int32_t iy = oy * g->stride_h - g->pad_top + ky * g->dil_h;
                    for (kx = 0; kx < g->k_w; ++kx, pp += cin) {
                        const int32_t ix = ox * g->stride_w - g->pad_left + kx * g->dil_w;
                        if (iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w) {
                            for (i = 0; i < cin; ++i) {
                                pp[i] = 0.0f;
                            }
                        } else {
                            memcpy(pp, input + ((b * g->in_h + iy) * g->in_w + ix) * cin, (size_t)cin * sizeof(float));
                        }
                    }
                }
                for (oc = oc_first; oc + 4 <= g->out_c; oc += 4) {
                    float s[4];
                    nnc_dot4_f32(patch, weights + oc * kk, kk, kk, s);
                    for (j = 0; j < 4; ++j) {
                        op[oc + j] = nnc_act_f32_apply(act, bias != 0 ? s[j] + bias[oc + j] : s[j]);
                    }
                }
                for (; oc < g->out_c; ++oc) {
                    const float acc = nnc_dot_f32(patch, weights + oc * kk, kk);
                    op[oc] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[oc] : acc);
                }
            }
        }
    }
}

/* Sums over the taps of output pixel (b, oy, ox) for output channels oc .. oc + nb - 1 (nb = 4 or 1). */
static void conv2d_f32_taps(const nnc_conv_geom *g, const float *input, const float *weights, int32_t b,
                            int32_t oy, int32_t ox, int32_t oc, int32_t nb, float *acc)
{
    const int32_t cin_g = g->in_c / g->groups;
    const int32_t ci0 = oc / (g->out_c / g->groups) * cin_g;
    const int32_t wsz = g->k_h * g->k_w * cin_g;
    const int32_t bx = ox * g->stride_w - g->pad_left;
    const int32_t kx0 = bx < 0 ? -bx : 0;
    const int32_t kx1 = g->in_w - bx < g->k_w ? g->in_w - bx : g->k_w;
    const int rowwise = g->groups == 1 && g->dil_w == 1;
    float s[4];
    int32_t ky, kx, j;
    for (ky = 0; ky < g->k_h; ++ky) {
        const int32_t iy = oy * g->stride_h - g->pad_top + ky * g->dil_h;
        const float *xrow;
        const float *wrow;
        if (iy < 0 || iy >= g->in_h) {
            continue;
        }
        xrow = input + (b * g->in_h + iy) * g->in_w * g->in_c;
        wrow = weights + (oc * g->k_h + ky) * g->k_w * cin_g;
        if (rowwise) {
            if (kx1 > kx0) {
                const float *x = xrow + (bx + kx0) * g->in_c;
                const int32_t len = (kx1 - kx0) * g->in_c;
                if (nb == 4) {
                    nnc_dot4_f32(x, wrow + kx0 * cin_g, wsz, len, s);
                    for (j = 0; j < 4; ++j) {
                        acc[j] += s[j];
                    }
                } else {
                    acc[0] += nnc_dot_f32(x, wrow + kx0 * cin_g, len);
                }
            }
            continue;
        }
        for (kx = 0; kx < g->k_w; ++kx) {
            const int32_t ix = bx + kx * g->dil_w;
            if (ix < 0 || ix >= g->in_w) {
                continue;
            }
            if (nb == 4) {
                nnc_dot4_f32(xrow + ix * g->in_c + ci0, wrow + kx * cin_g, wsz, cin_g, s);
                for (j = 0; j < 4; ++j) {
                    acc[j] += s[j];
                }
            } else {
                acc[0] += nnc_dot_f32(xrow + ix * g->in_c + ci0, wrow + kx * cin_g, cin_g);
            }
        }
    }
}

void conv2d_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *weights,
                const float *bias, float *output)
{
    const int32_t cin_g = g->in_c / g->groups;
    const int32_t cout_g = g->out_c / g->groups;
    int32_t b, oy, ox, grp, oc, oc_first = 0, j;

    if (g->k_h == 1 && g->k_w == 1 && g->pad_top == 0 && g->pad_left == 0 && g->groups == 1 &&
        (g->out_h - 1) * g->stride_h < g->in_h && (g->out_w - 1) * g->stride_w < g->in_w &&
        (g->in_c > NNC_CONV_SMALLK_F32 || g->out_c < 8)) {
        conv2d_f32_1x1(g, act, input, weights, bias, output);
        return;
    }
    if (g->groups == 1 && g->k_h * g->k_w * g->in_c <= NNC_CONV_SMALLK_F32 && g->out_c >= 8) {
        oc_first = conv2d_f32_smallk(g, act, input, weights, bias, output);
        if (oc_first == g->out_c) {
            return;
        }
    } else if (cin_g == 1) {
        conv2d_f32_depthwise(g, act, input, weights, bias, output);
        return;
    }
    if (g->groups == 1 && g->k_h * g->k_w * g->in_c <= NNC_CONV_PATCH_F32) {
        conv2d_f32_patch(g, act, input, weights, bias, output, oc_first);
        return;
    }
    for (b = 0; b < g->batch; ++b) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (grp = 0; grp < g->groups; ++grp) {
                    const int32_t oc_end = (grp + 1) * cout_g;
                    oc = grp * cout_g > oc_first ? grp * cout_g : oc_first;
                    for (; oc + 4 <= oc_end; oc += 4) {
                        float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                        conv2d_f32_taps(g, input, weights, b, oy, ox, oc, 4, acc);
                        for (j = 0; j < 4; ++j) {
                            op[oc + j] = nnc_act_f32_apply(act, bias != 0 ? acc[j] + bias[oc + j] : acc[j]);
                        }
                    }
                    for (; oc < oc_end; ++oc) {
                        float acc = 0.0f;
                        conv2d_f32_taps(g, input, weights, b, oy, ox, oc, 1, &acc);
                        op[oc] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[oc] : acc);
                    }
                }
            }
        }
    }
}

/* conv2d_inplace_f32: conv2d_f32 one output row at a time, output over its input (inplace_rows.inc;
 * every output pixel sums in the order stated at the top of this file, so the result is conv2d_f32's
 * bit for bit) */
#define NNC_IP_NAME conv2d_inplace_f32
#define NNC_IP_T float
#define NNC_IP_PARAMS const nnc_act_f32 *act, const float *input, const float *weights, const float *bias
#define NNC_IP_CALL(s, x, y) conv2d_f32(s, act, x, weights, bias, y)
#include "inplace_rows.inc"
