/* Float pools (NHWC).  The output pixel's channels serve as accumulators so that the input is
 * read contiguously; every output still sums / compares its window in the order ky, kx. */
#include <math.h>

#include "pool_f32.h"

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#define NNC_POOLF_AVX512 1
#endif

/* Window rows [lo, hi) of output row o clipped to the real input. */
static void pool_f32_range(int32_t o, int32_t stride, int32_t pad, int32_t k, int32_t size, int32_t *lo,
                           int32_t *hi)
{
    const int32_t start = o * stride - pad;
    *lo = start < 0 ? 0 : start;
    *hi = start + k > size ? size : start + k;
}

/* 2x2 windows, stride 2, no padding, every window inside the input: maxpool_f32's comparisons (from
 * -HUGE_VALF, taps in the order ky, kx) with the window's shape fixed at compile time. */
static void maxpool_f32_2x2s2(const nnc_conv_geom *g, const float *input, float *output)
{
    const int32_t ch = g->in_c, row = g->in_w * ch;
    int32_t b, oy, ox, c;
    for (b = 0; b < g->batch; ++b) {
        for (oy = 0; oy < g->out_h; ++oy) {
            const float *ip = input + (b * g->in_h + 2 * oy) * row;
            float *op = output + (b * g->out_h + oy) * g->out_w * ch;
            for (ox = 0; ox < g->out_w; ++ox, ip += 2 * ch, op += ch) {
                c = 0;
#if defined(NNC_POOLF_AVX512)
                /* VMAXPS(t, m) = t > m ? t : m, the scalar comparison, 16 channels a vector */
                for (; c < ch; c += 16) {
                    const __mmask16 k = (__mmask16)(ch - c >= 16 ? 0xFFFFu : (1u << (ch - c)) - 1u);
                    __m512 m = _mm512_set1_ps(-HUGE_VALF);
                    m = _mm512_max_ps(_mm512_maskz_loadu_ps(k, ip + c), m);
                    m = _mm512_max_ps(_mm512_maskz_loadu_ps(k, ip + ch + c), m);
                    m = _mm512_max_ps(_mm512_maskz_loadu_ps(k, ip + row + c), m);
                    m = _mm512_max_ps(_mm512_maskz_loadu_ps(k, ip + row + ch + c), m);
                    _mm512_mask_storeu_ps(op + c, k, m);
                }
#endif
                for (; c < ch; ++c) {
                    float m = -HUGE_VALF;
                    m = ip[c] > m ? ip[c] : m;
                    m = ip[ch + c] > m ? ip[ch + c] : m;
                    m = ip[row + c] > m ? ip[row + c] : m;
                    m = ip[row + ch + c] > m ? ip[row + ch + c] : m;
                    op[c] = m;
                }
            }
        }
    }
}

void maxpool_f32(const nnc_conv_geom *g, const float *input, float *output)
{
    const int32_t ch = g->in_c;
    int32_t b, oy, ox, iy, ix, c, y_lo, y_hi, x_lo, x_hi;
    if (g->k_h == 2 && g->k_w == 2 && g->stride_h == 2 && g->stride_w == 2 && g->pad_top == 0 &&
        g->pad_left == 0 && 2 * g->out_h <= g->in_h && 2 * g->out_w <= g->in_w) {
        maxpool_f32_2x2s2(g, input, output);
        return;
    }
    for (b = 0; b < g->batch; ++b) {
        for (oy = 0; oy < g->out_h; ++oy) {
            pool_f32_range(oy, g->stride_h, g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
            for (ox = 0; ox < g->out_w; ++ox) {
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * ch;
                pool_f32_range(ox, g->stride_w, g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
#if defined(NNC_POOLF_AVX512)
                /* 16 channels a vector, the taps in the order ky, kx: VMAXPS(t, m) = t > m ? t : m */
                for (c = 0; c < ch; c += 16) {
                    const __mmask16 k = (__mmask16)(ch - c >= 16 ? 0xFFFFu : (1u << (ch - c)) - 1u);
                    __m512 m = _mm512_set1_ps(-HUGE_VALF);
                    for (iy = y_lo; iy < y_hi; ++iy) {
                        for (ix = x_lo; ix < x_hi; ++ix) {
                            const float *ip = input + ((b * g->in_h + iy) * g->in_w + ix) * ch;
                            m = _mm512_max_ps(_mm512_maskz_loadu_ps(k, ip + c), m);
                        }
                    }
                    _mm512_mask_storeu_ps(op + c, k, m);
                }
                continue;
#endif
                for (c = 0; c < ch; ++c) {
                    op[c] = -HUGE_VALF;
                }
                for (iy = y_lo; iy < y_hi; ++iy) {
                    for (ix = x_lo; ix < x_hi; ++ix) {
                        const float *ip = input + ((b * g->in_h + iy) * g->in_w + ix) * ch;
                        for (c = 0; c < ch; ++c) {
                            op[c] = ip[c] > op[c] ? ip[c] : op[c]; /* MAXPS: NaN inputs are skipped */
                        }
                    }
                }
            }
        }
    }
}

void avgpool_f32(const nnc_conv_geom *g, int32_t count_include_pad, const float *input, float *output)
{
    const int32_t ch = g->in_c;
    int32_t b, oy, ox, iy, ix, c, y_lo, y_hi, x_lo, x_hi;
    for (b = 0; b < g->batch; ++b) {
        for (oy = 0; oy < g->out_h; ++oy) {
            pool_f32_range(oy, g->stride_h, g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
            for (ox = 0; ox < g->out_w; ++ox) {
                float *op = output + ((b * g->out_h + oy) * g->out_w + ox) * ch;
                int32_t count;
                float div;
                pool_f32_range(ox, g->stride_w, g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
                /* With padding counted, the window lies inside the padded input by construction
                 * (the bottom/right padding is whatever out_h/out_w imply), so it counts whole. */
                count = count_include_pad ? g->k_h * g->k_w : (y_hi - y_lo) * (x_hi - x_lo);
                for (c = 0; c < ch; ++c) {
                    op[c] = 0.0f;
                }
                for (iy = y_lo; iy < y_hi; ++iy) {
                    for (ix = x_lo; ix < x_hi; ++ix) {
                        const float *ip = input + ((b * g->in_h + iy) * g->in_w + ix) * ch;
                        for (c = 0; c < ch; ++c) {
                            op[c] += ip[c];
                        }
                    }
                }
                div = (float)count;
                for (c = 0; c < ch; ++c) {
                    op[c] /= div;
                }
            }
        }
    }
}

void global_avgpool_f32(const nnc_conv_geom *g, const float *input, float *output)
{
    const int32_t ch = g->in_c;
    const int32_t hw = g->in_h * g->in_w;
    const float div = (float)hw;
    int32_t b, i, c;
    for (b = 0; b < g->batch; ++b) {
        const float *ib = input + b * hw * ch;
        float *op = output + b * ch;
#if defined(NNC_POOLF_AVX512)
        /* 16 channels a vector: each lane sums its channel from 0.0f in pixel order, then divides */
        for (c = 0; c < ch; c += 16) {
            const __mmask16 k = (__mmask16)(ch - c >= 16 ? 0xFFFFu : (1u << (ch - c)) - 1u);
            __m512 s = _mm512_setzero_ps();
            for (i = 0; i < hw; ++i) {
                s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(k, ib + i * ch + c));
            }
            _mm512_mask_storeu_ps(op + c, k, _mm512_div_ps(s, _mm512_set1_ps(div)));
        }
        continue;
#endif
        for (c = 0; c < ch; ++c) {
            op[c] = 0.0f;
        }
        for (i = 0; i < hw; ++i) {
            for (c = 0; c < ch; ++c) {
                op[c] += ib[i * ch + c];
            }
        }
        for (c = 0; c < ch; ++c) {
            op[c] /= div;
        }
    }
}

void global_maxpool_f32(const nnc_conv_geom *g, const float *input, float *output)
{
    const int32_t ch = g->in_c;
    const int32_t hw = g->in_h * g->in_w;
    int32_t b, i, c;
    for (b = 0; b < g->batch; ++b) {
        const float *ib = input + b * hw * ch;
        float *op = output + b * ch;
        for (c = 0; c < ch; ++c) {
            op[c] = ib[c];
        }
        for (i = 1; i < hw; ++i) {
            for (c = 0; c < ch; ++c) {
                op[c] = ib[i * ch + c] > op[c] ? ib[i * ch + c] : op[c];
            }
        }
    }
}

/* maxpool_inplace_f32: maxpool_f32 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME maxpool_inplace_f32
#define NNC_IP_T float
#define NNC_IP_PARAMS const float *input
#define NNC_IP_CALL(s, x, y) maxpool_f32(s, x, y)
#include "inplace_rows.inc"
