/* Float transposed 2-D convolution, gather form: each output sums the inputs that reach it
 * (oy = iy*stride_h - pad_top + ky*dil_h), accumulating in float in the order ky, kx, ic. */
#include "conv_transpose2d_f32.h"
#include "nnc_simd.h" /* FP_CONTRACT OFF for clang; NNC_SIMD_X86 */

#include "epilogue_f32.inc"

#if defined(NNC_SIMD_X86) && !defined(NNC_CT_F32_NO_BLOCK)
/* x86 hosts: blocks of 16 output channels in the vector lanes (AVX-512, AVX2 or SSE), the block's weights
 * copied once per call into [ky][kx][ic][16] (NNC_CT_F32_WB floats of stack).  Each lane adds the same
 * products in the same order (ky, kx, ic) from 0.0f as the loop below, then the bias and the activation:
 * the same bits. */
#ifndef NNC_CT_F32_WB
#define NNC_CT_F32_WB 2048
#endif
/* acc[j] = acc[j] + x[i] * w[i * 16 + j] for i = 0 .. n - 1, each lane in order */
static void conv_transpose2d_f32_mac16(float *acc, const float *x, const float *w, int32_t n)
{
    int32_t i;
#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
    __m512 a = _mm512_loadu_ps(acc);
    for (i = 0; i < n; ++i, w += 16) {
        a = _mm512_add_ps(a, _mm512_mul_ps(_mm512_set1_ps(x[i]), _mm512_loadu_ps(w)));
    }
    _mm512_storeu_ps(acc, a);
#elif defined(NNC_SIMD_AVX2)
    __m256 a = _mm256_loadu_ps(acc), b = _mm256_loadu_ps(acc + 8);
    for (i = 0; i < n; ++i, w += 16) {
        const __m256 xv = _mm256_set1_ps(x[i]);
        a = _mm256_add_ps(a, _mm256_mul_ps(xv, _mm256_loadu_ps(w)));
        b = _mm256_add_ps(b, _mm256_mul_ps(xv, _mm256_loadu_ps(w + 8)));
    }
    _mm256_storeu_ps(acc, a);
    _mm256_storeu_ps(acc + 8, b);
#else
    __m128 a = _mm_loadu_ps(acc), b = _mm_loadu_ps(acc + 4), c = _mm_loadu_ps(acc + 8), d = _mm_loadu_ps(acc + 12);
    for (i = 0; i < n; ++i, w += 16) {
        const __m128 xv = _mm_set1_ps(x[i]);
        a = _mm_add_ps(a, _mm_mul_ps(xv, _mm_loadu_ps(w)));
        b = _mm_add_ps(b, _mm_mul_ps(xv, _mm_loadu_ps(w + 4)));
        c = _mm_add_ps(c, _mm_mul_ps(xv, _mm_loadu_ps(w + 8)));
        d = _mm_add_ps(d, _mm_mul_ps(xv, _mm_loadu_ps(w + 12)));
    }
    _mm_storeu_ps(acc, a);
    _mm_storeu_ps(acc + 4, b);
    _mm_storeu_ps(acc + 8, c);
    _mm_storeu_ps(acc + 12, d);
#endif
}

static void conv_transpose2d_f32_blk(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                     const float *weights, const float *bias, float *output)
{
    const int32_t cin_g = g->in_c / g->groups, cout_g = g->out_c / g->groups;
    const int32_t wsize = g->k_h * g->k_w * cin_g;
    float wt[NNC_CT_F32_WB];
    int32_t grp, c0, b, oy, ox, ky, kx, ic, j;
    for (grp = 0; grp < g->groups; ++grp) {
        for (c0 = 0; c0 < cout_g; c0 += 16) {
            const int32_t nc = cout_g - c0 < 16 ? cout_g - c0 : 16, oc0 = grp * cout_g + c0;
            for (ic = 0; ic < wsize; ++ic) {
                for (j = 0; j < 16; ++j) {
                    wt[ic * 16 + j] = j < nc ? weights[(oc0 + j) * wsize + ic] : 0.0f;
                }
            }
            for (b = 0; b < g->batch; ++b) {
                const float *ig = input + b * g->in_h * g->in_w * g->in_c + grp * cin_g;
                for (oy = 0; oy < g->out_h; ++oy) {
                    for (ox = 0; ox < g->out_w; ++ox) {
                        float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_c + oc0;
                        float acc[16];
                        for (j = 0; j < 16; ++j) {
                            acc[j] = 0.0f;
                        }
                        { /* the taps reaching (oy, ox), ky then kx ascending: ty = oy + pad_top - ky * dil_h
                           * = qy * stride_h + ry (0 <= ry < stride_h) walked without a division per tap */
                            int32_t ty = oy + g->pad_top, qy = ty / g->stride_h, ry = ty - qy * g->stride_h;
                            for (ky = 0; ky < g->k_h && ty >= 0; ++ky) {
                                if (ry == 0 && qy < g->in_h) {
                                    int32_t tx = ox + g->pad_left, qx = tx / g->stride_w, rx = tx - qx * g->stride_w;
                                    for (kx = 0; kx < g->k_w && tx >= 0; ++kx) {
                                        if (rx == 0 && qx < g->in_w) {
                                            conv_transpose2d_f32_mac16(acc, ig + (qy * g->in_w + qx) * g->in_c,
                                                                       wt + (ky * g->k_w + kx) * cin_g * 16, cin_g);
                                        }
                                        tx -= g->dil_w;
                                        rx -= g->dil_w;
                                        while (rx < 0) {
                                            rx += g->stride_w;
                                            --qx;
                                        }
                                    }
                                }
                                ty -= g->dil_h;
                                ry -= g->dil_h;
                                while (ry < 0) {
                                    ry += g->stride_h;
                                    --qy;
                                }
                            }
                        }
                        for (j = 0; j < nc; ++j) {
                            op[j] = nnc_act_f32_apply(act, bias != 0 ? acc[j] + bias[oc0 + j] : acc[j]);
                        }
                    }
                }
            }
        }
    }
}
#endif

void conv_transpose2d_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                          const float *weights, const float *bias, float *output)
{
#if defined(NNC_SIMD_X86) && !defined(NNC_CT_F32_NO_BLOCK)
    if (g->k_h * g->k_w * (g->in_c / g->groups) * 16 <= NNC_CT_F32_WB) {
        conv_transpose2d_f32_blk(g, act, input, weights, bias, output);
        return;
    }
#endif
    const int32_t cin_g = g->in_c / g->groups;
    const int32_t cout_g = g->out_c / g->groups;
    const int32_t wsize = g->k_h * g->k_w * cin_g; /* weights per output channel */
    int32_t b, oy, ox, oc, ky, kx, ic;

    for (b = 0; b < g->batch; ++b) {
        const float *ib = input + b * g->in_h * g->in_w * g->in_c;
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (oc = 0; oc < g->out_c; ++oc) {
                    const float *wq = weights + oc * wsize;
                    const float *ig = ib + (oc / cout_g) * cin_g;
                    float acc = 0.0f;
                    for (ky = 0; ky < g->k_h; ++ky) {
                        const int32_t ty = oy + g->pad_top - ky * g->dil_h; /* = iy * stride_h */
                        int32_t iy;
                        if (ty < 0) {
                            break; /* ty only decreases with ky */
                        }
                        if (ty % g->stride_h != 0) {
                            continue;
                        }
                        iy = ty / g->stride_h;
                        if (iy >= g->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < g->k_w; ++kx) {
                            const int32_t tx = ox + g->pad_left - kx * g->dil_w;
                            int32_t ix;
                            const float *ip;
                            const float *wp;
                            if (tx < 0) {
                                break;
                            }
                            if (tx % g->stride_w != 0) {
                                continue;
                            }
                            ix = tx / g->stride_w;
                            if (ix >= g->in_w) {
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
                    op[oc] = nnc_act_f32_apply(act, acc);
                }
            }
        }
    }
}
