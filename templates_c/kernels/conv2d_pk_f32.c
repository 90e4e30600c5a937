/* nncodegen kernels: one-group convolution / fully connected, float32, packed weights
 * (conv2d_pk_f32.h: layout and the summation order).
 *
 * Per block of up to NNC_PKF_PIX output pixels the receptive fields are gathered into local rows
 * (windows inside the input of a 1x1 layer are read in place), then each block of 16 output
 * channels runs over k with the channels in the vector lanes: per k one weight load, per pixel one
 * broadcast, one multiply and one add (no FMA: the product is rounded first, see nnc_types.h), so
 * every lane performs the portable loop's operations in its order and all paths give the same bits:
 *   avx512f  one zmm of 16 channels per pixel       avx   two ymm      sse   four xmm
 *   portable plain loops over the 16 lanes */
#include "conv2d_pk_f32.h"
#include "nnc_simd.h"

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#define NNC_PKF_AVX512 1
#elif defined(__AVX__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#define NNC_PKF_AVX 1
#elif defined(NNC_SIMD_X86)
#define NNC_PKF_SSE 1
#endif

#include "epilogue_f32.inc"

/* The receptive field of output pixel (n, oy, ox) as [k_h][k_w][in_c] floats: a pointer into the
 * input for a 1x1 window, else gathered into u (0.0f outside the input). */
static const float *conv2d_pk_f32_field(const nnc_conv_geom *g, const float *input, int32_t n, int32_t oy,
                                        int32_t ox, int32_t ci0, float *u)
{
    const int32_t cin = g->in_c / g->groups, cstride = g->in_c;
    const int32_t iy0 = oy * g->stride_h - g->pad_top, ix0 = ox * g->stride_w - g->pad_left;
    int32_t ky, kx, i, k = 0;
    if (iy0 >= 0 && iy0 + (g->k_h - 1) * g->dil_h < g->in_h && ix0 >= 0 && ix0 + (g->k_w - 1) * g->dil_w < g->in_w) {
        const float *xp = input + ((n * g->in_h + iy0) * g->in_w + ix0) * cstride + ci0;
        const int32_t run = g->k_w * cin;
        if (g->k_h == 1 && (g->k_w == 1 || (g->dil_w == 1 && g->groups == 1))) {
            return xp; /* one contiguous run: read in place */
        }
        if (g->dil_w == 1 && g->groups == 1) { /* one contiguous run per kernel row */
            for (ky = 0; ky < g->k_h; ++ky, k += run) {
                const float *r = xp + ky * g->dil_h * g->in_w * cin;
                for (i = 0; i < run; ++i) {
                    u[k + i] = r[i];
                }
            }
            return u;
        }
    }
    for (ky = 0; ky < g->k_h; ++ky) {
        const int32_t iy = iy0 + ky * g->dil_h;
        for (kx = 0; kx < g->k_w; ++kx, k += cin) {
            const int32_t ix = ix0 + kx * g->dil_w;
            if (iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w) {
                for (i = 0; i < cin; ++i) {
                    u[k + i] = 0.0f;
                }
            } else {
                const float *r = input + ((n * g->in_h + iy) * g->in_w + ix) * cstride + ci0;
                for (i = 0; i < cin; ++i) {
                    u[k + i] = r[i];
                }
            }
        }
    }
    return u;
}

/* Sums of channel block w (16 lanes) for the np pixels whose fields are x[p], into acc[p][16]. */
static void conv2d_pk_f32_block(const float *const *x, int32_t np, const float *w, int32_t kk, float *acc)
{
    int32_t p, k;
#if defined(NNC_PKF_AVX512)
    if (np == NNC_PKF_PIX) { /* eight independent addition chains hide the latency of VADDPS */
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (k = 0; k < kk; ++k, w += 16) {
            const __m512 wv = _mm512_loadu_ps(w);
            a0 = _mm512_add_ps(a0, _mm512_mul_ps(_mm512_set1_ps(x[0][k]), wv));
            a1 = _mm512_add_ps(a1, _mm512_mul_ps(_mm512_set1_ps(x[1][k]), wv));
            a2 = _mm512_add_ps(a2, _mm512_mul_ps(_mm512_set1_ps(x[2][k]), wv));
            a3 = _mm512_add_ps(a3, _mm512_mul_ps(_mm512_set1_ps(x[3][k]), wv));
            a4 = _mm512_add_ps(a4, _mm512_mul_ps(_mm512_set1_ps(x[4][k]), wv));
            a5 = _mm512_add_ps(a5, _mm512_mul_ps(_mm512_set1_ps(x[5][k]), wv));
            a6 = _mm512_add_ps(a6, _mm512_mul_ps(_mm512_set1_ps(x[6][k]), wv));
            a7 = _mm512_add_ps(a7, _mm512_mul_ps(_mm512_set1_ps(x[7][k]), wv));
        }
        _mm512_storeu_ps(acc, a0);
        _mm512_storeu_ps(acc + 16, a1);
        _mm512_storeu_ps(acc + 32, a2);
        _mm512_storeu_ps(acc + 48, a3);
        _mm512_storeu_ps(acc + 64, a4);
        _mm512_storeu_ps(acc + 80, a5);
        _mm512_storeu_ps(acc + 96, a6);
        _mm512_storeu_ps(acc + 112, a7);
        return;
    }
    for (p = 0; p < np; ++p) {
        const float *wp = w;
        __m512 a = _mm512_setzero_ps();
        for (k = 0; k < kk; ++k, wp += 16) {
            a = _mm512_add_ps(a, _mm512_mul_ps(_mm512_set1_ps(x[p][k]), _mm512_loadu_ps(wp)));
        }
        _mm512_storeu_ps(acc + p * 16, a);
    }
#elif defined(NNC_PKF_AVX)
    for (p = 0; p < np; ++p) {
        const float *wp = w;
        __m256 a = _mm256_setzero_ps(), b = a;
        for (k = 0; k < kk; ++k, wp += 16) {
            const __m256 xv = _mm256_set1_ps(x[p][k]);
            a = _mm256_add_ps(a, _mm256_mul_ps(xv, _mm256_loadu_ps(wp)));
            b = _mm256_add_ps(b, _mm256_mul_ps(xv, _mm256_loadu_ps(wp + 8)));
        }
        _mm256_storeu_ps(acc + p * 16, a);
        _mm256_storeu_ps(acc + p * 16 + 8, b);
    }
#elif defined(NNC_PKF_SSE)
    for (p = 0; p < np; ++p) {
        const float *wp = w;
        __m128 a = _mm_setzero_ps(), b = a, c = a, d = a;
        for (k = 0; k < kk; ++k, wp += 16) {
            const __m128 xv = _mm_set1_ps(x[p][k]);
            a = _mm_add_ps(a, _mm_mul_ps(xv, _mm_loadu_ps(wp)));
            b = _mm_add_ps(b, _mm_mul_ps(xv, _mm_loadu_ps(wp + 4)));
            c = _mm_add_ps(c, _mm_mul_ps(xv, _mm_loadu_ps(wp + 8)));
            d = _mm_add_ps(d, _mm_mul_ps(xv, _mm_loadu_ps(wp + 12)));
        }
        _mm_storeu_ps(acc + p * 16, a);
        _mm_storeu_ps(acc + p * 16 + 4, b);
        _mm_storeu_ps(acc + p * 16 + 8, c);
        _mm_storeu_ps(acc + p * 16 + 12, d);
    }
#else
    for (p = 0; p < np; ++p) {
        const float *wp = w;
        float *a = acc + p * 16;
        int32_t j;
        for (j = 0; j < 16; ++j) {
            a[j] = 0.0f;
        }
        for (k = 0; k < kk; ++k, wp += 16) {
            const float xk = x[p][k];
            for (j = 0; j < 16; ++j) {
                a[j] = a[j] + xk * wp[j];
            }
        }
    }
#endif
}

/* The np pixels of fields x into y ([pixel][out_c]). */
static void conv2d_pk_f32_pixels(const float *const *x, int32_t np, int32_t kk, int32_t out_c, int32_t ys,
                                 const nnc_act_f32 *act, const float *wpk, const float *bias, float *y)
{
    float acc[NNC_PKF_PIX * 16];
    int32_t ob, p, j;
    for (ob = 0; ob * 16 < out_c; ++ob) {
        const int32_t nc = out_c - ob * 16 < 16 ? out_c - ob * 16 : 16;
        conv2d_pk_f32_block(x, np, wpk + (size_t)ob * (size_t)kk * 16, kk, acc);
        for (p = 0; p < np; ++p) {
            for (j = 0; j < nc; ++j) {
                const float s = acc[p * 16 + j];
                y[p * ys + ob * 16 + j] = nnc_act_f32_apply(act, bias != 0 ? s + bias[ob * 16 + j] : s);
            }
        }
    }
}

#if defined(NNC_PKF_AVX512)
/* The AVX-512 whole-layer path: blocks of eight pixels, the eight 16-lane sums in registers, then bias and
 * activation on the vectors (the scalar conv2d_pk_f32_act's operations: y < 0 ? y * leaky : y, then
 * VMAXPS(out_min, y) = (out_min > y ? out_min : y) and VMINPS(out_max, y), which keep NaN and -0.0 as
 * the comparisons do) and a masked store.  Pixel p's field is k_h rows (stride rs[p]) of nk runs (stride
 * cs[p]) of run floats, in k order: read in place inside the input (rows of the whole k_w * in_c when one
 * group has them contiguous, else one run per tap), gathered into u (conv2d_pk_f32_field) elsewhere. */
static void conv2d_pk_f32_px512(const float *const *x, const int32_t *rs, const int32_t *cs, int32_t np,
                                int32_t kh, int32_t nk, int32_t run, int32_t out_c, int32_t ys,
                                const nnc_act_f32 *act, const float *wpk, const float *bias, float *y)
{
    const int32_t kk = kh * nk * run;
    int32_t ob, r, t, i, p;
    for (ob = 0; ob * 16 < out_c; ++ob) {
        const int32_t nc = out_c - ob * 16 < 16 ? out_c - ob * 16 : 16;
        const __mmask16 m = (__mmask16)((1u << nc) - 1u);
        const float *w = wpk + (size_t)ob * (size_t)kk * 16;
        __m512 a[8];
        a[0] = a[1] = a[2] = a[3] = a[4] = a[5] = a[6] = a[7] = _mm512_setzero_ps();
        for (r = 0; r < kh; ++r) {
            for (t = 0; t < nk; ++t) {
                const float *x0 = x[0] + r * rs[0] + t * cs[0], *x1 = x[1] + r * rs[1] + t * cs[1];
                const float *x2 = x[2] + r * rs[2] + t * cs[2], *x3 = x[3] + r * rs[3] + t * cs[3];
                const float *x4 = x[4] + r * rs[4] + t * cs[4], *x5 = x[5] + r * rs[5] + t * cs[5];
                const float *x6 = x[6] + r * rs[6] + t * cs[6], *x7 = x[7] + r * rs[7] + t * cs[7];
                for (i = 0; i < run; ++i, w += 16) {
                    const __m512 wv = _mm512_loadu_ps(w);
                    a[0] = _mm512_add_ps(a[0], _mm512_mul_ps(_mm512_set1_ps(x0[i]), wv));
                    a[1] = _mm512_add_ps(a[1], _mm512_mul_ps(_mm512_set1_ps(x1[i]), wv));
                    a[2] = _mm512_add_ps(a[2], _mm512_mul_ps(_mm512_set1_ps(x2[i]), wv));
                    a[3] = _mm512_add_ps(a[3], _mm512_mul_ps(_mm512_set1_ps(x3[i]), wv));
                    a[4] = _mm512_add_ps(a[4], _mm512_mul_ps(_mm512_set1_ps(x4[i]), wv));
                    a[5] = _mm512_add_ps(a[5], _mm512_mul_ps(_mm512_set1_ps(x5[i]), wv));
                    a[6] = _mm512_add_ps(a[6], _mm512_mul_ps(_mm512_set1_ps(x6[i]), wv));
                    a[7] = _mm512_add_ps(a[7], _mm512_mul_ps(_mm512_set1_ps(x7[i]), wv));
                }
            }
        }
        {
            const __m512 b = bias != 0 ? _mm512_maskz_loadu_ps(m, bias + ob * 16) : _mm512_setzero_ps();
            const __m512 lk = _mm512_set1_ps(act != 0 ? act->leaky : 1.0f);
            const __m512 lo = _mm512_set1_ps(act != 0 ? act->out_min : 0.0f);
            const __m512 hi = _mm512_set1_ps(act != 0 ? act->out_max : 0.0f);
            for (p = 0; p < np; ++p) {
                __m512 v = bias != 0 ? _mm512_add_ps(a[p], b) : a[p];
                if (act != 0) {
                    v = nnc_act_f32_512(v, lk, lo, hi);
                }
                _mm512_mask_storeu_ps(y + (size_t)p * (size_t)ys + ob * 16, m, v);
            }
        }
    }
}

static void conv2d_pk_f32_512(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                              const float *wpk, const float *bias, float *output)
{
    const int32_t cin_g = g->in_c / g->groups, cout_g = g->out_c / g->groups;
    const int32_t kk = g->k_h * g->k_w * cin_g, total = g->batch * g->out_h * g->out_w;
    const size_t wg = (size_t)((cout_g + 15) / 16) * (size_t)kk * 16; /* packed weights per group */
    const int whole = g->groups == 1 && (g->dil_w == 1 || g->k_w == 1); /* k_w * in_c contiguous per row */
    const int32_t nk = whole ? 1 : g->k_w, run = whole ? g->k_w * cin_g : cin_g;
    float u[NNC_PKF_PIX * NNC_PKF_K];
    const float *x[NNC_PKF_PIX];
    int32_t rs[NNC_PKF_PIX], cs[NNC_PKF_PIX];
    int32_t p0, p, grp, n = 0, oy = 0, ox = 0; /* the first pixel of the block */
    for (p0 = 0; p0 < total; p0 += NNC_PKF_PIX) {
        const int32_t np = total - p0 < NNC_PKF_PIX ? total - p0 : NNC_PKF_PIX;
        for (grp = 0; grp < g->groups; ++grp) {
            int32_t pn = n, py = oy, px = ox;
            const int32_t by0 = oy * g->stride_h - g->pad_top, bx0 = ox * g->stride_w - g->pad_left;
            p = 0;
            if (np == NNC_PKF_PIX && ox + np <= g->out_w && by0 >= 0 && by0 + (g->k_h - 1) * g->dil_h < g->in_h &&
                bx0 >= 0 && bx0 + (np - 1) * g->stride_w + (g->k_w - 1) * g->dil_w < g->in_w) {
                /* the block's pixels in one output row, every window inside the input */
                const float *x0 = input + ((n * g->in_h + by0) * g->in_w + bx0) * g->in_c + grp * cin_g;
                for (; p < np; ++p) {
                    x[p] = x0 + p * g->stride_w * g->in_c;
                    rs[p] = g->dil_h * g->in_w * g->in_c;
                    cs[p] = g->dil_w * g->in_c;
                }
            }
            for (; p < np; ++p) {
                const int32_t iy0 = py * g->stride_h - g->pad_top, ix0 = px * g->stride_w - g->pad_left;
                if (iy0 >= 0 && iy0 + (g->k_h - 1) * g->dil_h < g->in_h && ix0 >= 0 &&
                    ix0 + (g->k_w - 1) * g->dil_w < g->in_w) {
                    x[p] = input + ((pn * g->in_h + iy0) * g->in_w + ix0) * g->in_c + grp * cin_g;
                    rs[p] = g->dil_h * g->in_w * g->in_c;
                    cs[p] = g->dil_w * g->in_c;
                } else {
                    x[p] = conv2d_pk_f32_field(g, input, pn, py, px, grp * cin_g, u + p * NNC_PKF_K);
                    rs[p] = g->k_w * cin_g;
                    cs[p] = cin_g;
                }
                if (++px == g->out_w) {
                    px = 0;
                    if (++py == g->out_h) {
                        py = 0;
                        ++pn;
                    }
                }
            }
            for (; p < NNC_PKF_PIX; ++p) { /* computed, not stored */
                x[p] = x[0];
                rs[p] = rs[0];
                cs[p] = cs[0];
            }
            conv2d_pk_f32_px512(x, rs, cs, np, g->k_h, nk, run, cout_g, g->out_c, act, wpk + grp * wg,
                                bias != 0 ? bias + grp * cout_g : 0,
                                output + (size_t)p0 * (size_t)g->out_c + grp * cout_g);
        }
        for (p = 0; p < np; ++p) {
            if (++ox == g->out_w) {
                ox = 0;
                if (++oy == g->out_h) {
                    oy = 0;
                    ++n;
                }
            }
        }
    }
}
/* The AVX-512 small-channel 1x1 path: stride 1, no padding, the input and output maps the same size (so the
 * P pixels of a block are P * in_c contiguous input floats and P * out_c contiguous output floats),
 * in_c <= 32 and out_c <= 16.  P = min(32 / in_c, 16 / out_c) pixels share one vector: lane l = p * out_c + j
 * holds pixel p's output channel j (group q = j / cout_g), and per k the lanes' inputs x[p][q * cin_g + k] are
 * picked from the block's (at most 32) input floats with one VPERMT2PS, then one multiply and one add: each
 * lane performs the portable loop's operations in its order.  Grouped layers fill the lanes with all groups'
 * channels at once instead of one 16-lane block per group. */
static int conv2d_pk_f32_lanes_ok(const nnc_conv_geom *g)
{
    return g->k_h == 1 && g->k_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
           g->pad_left == 0 && g->out_h == g->in_h && g->out_w == g->in_w && g->in_c <= 32 && g->out_c <= 16 &&
           (g->groups > 1 || (32 / g->in_c >= 2 && 16 / g->out_c >= 2));
}

static void conv2d_pk_f32_lanes(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                const float *wpk, const float *bias, float *output)
{
    const int32_t cin_g = g->in_c / g->groups, cout_g = g->out_c / g->groups;
    const int32_t pa = 32 / g->in_c, pb = 16 / g->out_c, pix = pa < pb ? pa : pb;
    const int32_t total = g->batch * g->out_h * g->out_w;
    const size_t wg = (size_t)((cout_g + 15) / 16) * (size_t)cin_g * 16; /* packed weights per group */
    __m512 wv[32];
    __m512i iv[32];
    float wl[16];
    int32_t il[16];
    __m512 b = _mm512_setzero_ps();
    const __m512 zero = _mm512_setzero_ps();
    const __m512 lk = _mm512_set1_ps(act != 0 ? act->leaky : 1.0f);
    const __m512 lo = _mm512_set1_ps(act != 0 ? act->out_min : 0.0f);
    const __m512 hi = _mm512_set1_ps(act != 0 ? act->out_max : 0.0f);
    int32_t k, l, p0;
    for (k = 0; k < cin_g; ++k) {
        for (l = 0; l < 16; ++l) {
            const int32_t p = l / g->out_c, j = l % g->out_c, q = j / cout_g;
            const int live = p < pix;
            wl[l] = live ? wpk[(size_t)q * wg + (size_t)k * 16 + (size_t)(j - q * cout_g)] : 0.0f;
            il[l] = live ? p * g->in_c + q * cin_g + k : 0;
        }
        wv[k] = _mm512_loadu_ps(wl);
        iv[k] = _mm512_loadu_si512((const void *)il);
    }
    if (bias != 0) {
        for (l = 0; l < 16; ++l) {
            wl[l] = l < pix * g->out_c ? bias[l % g->out_c] : 0.0f;
        }
        b = _mm512_loadu_ps(wl);
    }
    /* four vectors at a time: four independent addition chains (one chain stalls on VADDPS's latency) */
    for (p0 = 0; p0 + 4 * pix <= total; p0 += 4 * pix) {
        const int32_t nin = pix * g->in_c;
        const __mmask16 m0 = (__mmask16)(nin >= 16 ? 0xFFFFu : (1u << nin) - 1u);
        const __mmask16 m1 = (__mmask16)(nin > 16 ? (1u << (nin - 16)) - 1u : 0u);
        const __mmask16 mo = (__mmask16)((1u << (pix * g->out_c)) - 1u);
        const float *xp = input + (size_t)p0 * (size_t)g->in_c;
        float *yp = output + (size_t)p0 * (size_t)g->out_c;
        const __m512 x00 = _mm512_maskz_loadu_ps(m0, xp), x10 = _mm512_maskz_loadu_ps(m0, xp + nin);
        const __m512 x20 = _mm512_maskz_loadu_ps(m0, xp + 2 * nin), x30 = _mm512_maskz_loadu_ps(m0, xp + 3 * nin);
        const __m512 x01 = nin > 16 ? _mm512_maskz_loadu_ps(m1, xp + 16) : zero;
        const __m512 x11 = nin > 16 ? _mm512_maskz_loadu_ps(m1, xp + nin + 16) : zero;
        const __m512 x21 = nin > 16 ? _mm512_maskz_loadu_ps(m1, xp + 2 * nin + 16) : zero;
        const __m512 x31 = nin > 16 ? _mm512_maskz_loadu_ps(m1, xp + 3 * nin + 16) : zero;
        __m512 a[4];
        int32_t u;
        a[0] = a[1] = a[2] = a[3] = _mm512_setzero_ps();
        for (k = 0; k < cin_g; ++k) {
            a[0] = _mm512_add_ps(a[0], _mm512_mul_ps(_mm512_permutex2var_ps(x00, iv[k], x01), wv[k]));
            a[1] = _mm512_add_ps(a[1], _mm512_mul_ps(_mm512_permutex2var_ps(x10, iv[k], x11), wv[k]));
            a[2] = _mm512_add_ps(a[2], _mm512_mul_ps(_mm512_permutex2var_ps(x20, iv[k], x21), wv[k]));
            a[3] = _mm512_add_ps(a[3], _mm512_mul_ps(_mm512_permutex2var_ps(x30, iv[k], x31), wv[k]));
        }
        for (u = 0; u < 4; ++u) {
            __m512 v = bias != 0 ? _mm512_add_ps(a[u], b) : a[u];
            if (act != 0) {
                v = nnc_act_f32_512(v, lk, lo, hi);
            }
            _mm512_mask_storeu_ps(yp + u * pix * g->out_c, mo, v);
        }
    }
    for (; p0 < total; p0 += pix) {
        const int32_t np = total - p0 < pix ? total - p0 : pix;
        const int32_t nin = np * g->in_c, nout = np * g->out_c;
        const float *xp = input + (size_t)p0 * (size_t)g->in_c;
        const __m512 x0 = _mm512_maskz_loadu_ps((__mmask16)(nin >= 16 ? 0xFFFFu : (1u << nin) - 1u), xp);
        const __m512 x1 = nin > 16 ? _mm512_maskz_loadu_ps((__mmask16)((1u << (nin - 16)) - 1u), xp + 16) : zero;
        __m512 a = _mm512_setzero_ps();
        for (k = 0; k < cin_g; ++k) {
            a = _mm512_add_ps(a, _mm512_mul_ps(_mm512_permutex2var_ps(x0, iv[k], x1), wv[k]));
        }
        if (bias != 0) {
            a = _mm512_add_ps(a, b);
        }
        if (act != 0) {
            a = nnc_act_f32_512(a, lk, lo, hi);
        }
        _mm512_mask_storeu_ps(output + (size_t)p0 * (size_t)g->out_c, (__mmask16)((1u << nout) - 1u), a);
    }
}
/* The AVX-512 pixel-lane path (one group, no dilation, k_h k_w > 1, the planar rows within NNC_PKF_PL floats):
 * the output pixels in the lanes, 16 of one output row a vector, and one accumulator per output channel of a
 * block of NC (2, 4, 8, 12 or 16, the channels past out_c computing zeros' sums that are not stored).  Input rows
 * are copied once into a ring of k_h planar rows [in_c][stride_w phases][PW] (column c = ix + pad_left at phase
 * c % stride_w, index c / stride_w; 0.0f outside the input), so tap (ky, kx, ci) of 16 consecutive output pixels is
 * one unaligned load.  Per k (in k order: ky, kx, ci) one load and per channel one broadcast weight, one multiply
 * and one add: each lane performs the portable loop's operations in its order; then the bias and activation of
 * conv2d_pk_f32_px512 on the vectors and the 16 x NC sums written back pixel by pixel. */
#define NNC_PKF_PL 4096
static int32_t conv2d_pk_f32_pl_width(const nnc_conv_geom *g)
{
    return (g->out_w + 15) / 16 * 16 + (g->k_w - 1) / g->stride_w; /* PW: the floats of one phase */
}

static int conv2d_pk_f32_pl_ok(const nnc_conv_geom *g)
{
    return g->groups == 1 && g->dil_h == 1 && g->dil_w == 1 && g->k_h * g->k_w > 1 && g->k_h <= 16 && g->out_c <= 12 &&
           g->k_h * g->in_c * g->stride_w * conv2d_pk_f32_pl_width(g) <= NNC_PKF_PL;
}

/* one pixel-lane block function: L lanes (16: __m512, prefix _mm512; 8: __m256, _mm256), NC channels */
#define NNC_PKF_LEAKY16(v, zero, lk) _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, lk)
#define NNC_PKF_LEAKY8(v, zero, lk) _mm256_blendv_ps(v, _mm256_mul_ps(v, lk), _mm256_cmp_ps(v, zero, _CMP_LT_OQ))
#define NNC_PKF_PL_DEF(NAME, NC, L, V, P)                                                                    \
    static void NAME(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *rows[], int32_t ox0,      \
                     int32_t np, int32_t nc, const float *w, const float *bias, float *y)                   \
    {                                                                                                        \
        const int32_t pw = conv2d_pk_f32_pl_width(g), sw = g->stride_w, cin = g->in_c;                      \
        V a[NC];                                                                                             \
        float t[NC * L];                                                                                     \
        int32_t ky, kx, ci, j, p;                                                                            \
        for (j = 0; j < NC; ++j) {                                                                           \
            a[j] = P##_setzero_ps();                                                                         \
        }                                                                                                    \
        for (ky = 0; ky < g->k_h; ++ky) {                                                                    \
            for (kx = 0; kx < g->k_w; ++kx) {                                                                \
                const float *xr = rows[ky] + (kx % sw) * pw + kx / sw + ox0;                                 \
                for (ci = 0; ci < cin; ++ci, w += 16) {                                                      \
                    const V xv = P##_loadu_ps(xr + ci * sw * pw);                                            \
                    for (j = 0; j < NC; ++j) {                                                               \
                        a[j] = P##_add_ps(a[j], P##_mul_ps(xv, P##_set1_ps(w[j])));                          \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
        {                                                                                                    \
            const V zero = P##_setzero_ps();                                                                 \
            const V lk = P##_set1_ps(act != 0 ? act->leaky : 1.0f);                                          \
            const V lo = P##_set1_ps(act != 0 ? act->out_min : 0.0f);                                        \
            const V hi = P##_set1_ps(act != 0 ? act->out_max : 0.0f);                                        \
            for (j = 0; j < NC; ++j) {                                                                       \
                V v = bias != 0 && j < nc ? P##_add_ps(a[j], P##_set1_ps(bias[j])) : a[j];                   \
                if (act != 0) {                                                                              \
                    v = NNC_PKF_LEAKY##L(v, zero, lk);                                                       \
                    v = P##_min_ps(hi, P##_max_ps(lo, v));                                                   \
                }                                                                                            \
                P##_storeu_ps(t + j * L, v);                                                                 \
            }                                                                                                \
        }                                                                                                    \
        for (p = 0; p < np; ++p) {                                                                           \
            for (j = 0; j < nc; ++j) {                                                                       \
                y[(size_t)p * (size_t)g->out_c + j] = t[j * L + p];                                          \
            }                                                                                                \
        }                                                                                                    \
    }
#define NNC_PKF_PL_FN(NC) NNC_PKF_PL_DEF(conv2d_pk_f32_pl##NC, NC, 16, __m512, _mm512)
#define NNC_PKF_PL_FN8(NC) NNC_PKF_PL_DEF(conv2d_pk_f32_pl8_##NC, NC, 8, __m256, _mm256)
NNC_PKF_PL_FN(2)
NNC_PKF_PL_FN(4)
NNC_PKF_PL_FN(8)
NNC_PKF_PL_FN(12)
NNC_PKF_PL_FN8(2)
NNC_PKF_PL_FN8(4)
NNC_PKF_PL_FN8(8)
NNC_PKF_PL_FN8(12)

typedef void (*conv2d_pk_f32_pl_fn)(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *rows[],
                                    int32_t ox0, int32_t np, int32_t nc, const float *w, const float *bias, float *y);
/* the block function of a block of nc channels (nc <= 2, 4, 8, 12: conv2d_pk_f32_pl_ok keeps out_c <= 12): [0] 16
 * lanes, [1] 8 lanes for a row's last 8 or fewer pixels (256-bit vectors, the same operations) */
static const conv2d_pk_f32_pl_fn conv2d_pk_f32_pl_fns[2][4] = {
    {conv2d_pk_f32_pl2, conv2d_pk_f32_pl4, conv2d_pk_f32_pl8, conv2d_pk_f32_pl12},
    {conv2d_pk_f32_pl8_2, conv2d_pk_f32_pl8_4, conv2d_pk_f32_pl8_8, conv2d_pk_f32_pl8_12}};

static void conv2d_pk_f32_pl(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *wpk,
                             const float *bias, float *output)
{
    const int32_t pw = conv2d_pk_f32_pl_width(g), sw = g->stride_w, cin = g->in_c;
    const int32_t row = cin * sw * pw, kk = g->k_h * g->k_w * cin; /* floats of one planar row */
    float ring[NNC_PKF_PL];
    int32_t tag[16];
    const float *rows[16];
    int32_t n, oy, ox0, ky, ob, c, ci;
    for (n = 0; n < g->batch; ++n) {
        for (ky = 0; ky < g->k_h; ++ky) {
            tag[ky] = -1 - g->k_h - g->pad_top; /* no row loaded */
        }
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ky = 0; ky < g->k_h; ++ky) {
                const int32_t iy = oy * g->stride_h - g->pad_top + ky;
                const int32_t slot = ((iy % g->k_h) + g->k_h) % g->k_h;
                float *r = ring + slot * row;
                if (tag[slot] != iy) {
                    tag[slot] = iy;
                    for (c = 0; c < sw * pw; ++c) {
                        const int32_t ix = c - g->pad_left;
                        float *d = r + (c % sw) * pw + c / sw;
                        if (iy >= 0 && iy < g->in_h && ix >= 0 && ix < g->in_w) {
                            const float *x = input + ((size_t)(n * g->in_h + iy) * (size_t)g->in_w + (size_t)ix) * (size_t)cin;
                            for (ci = 0; ci < cin; ++ci) {
                                d[ci * sw * pw] = x[ci];
                            }
                        } else {
                            for (ci = 0; ci < cin; ++ci) {
                                d[ci * sw * pw] = 0.0f;
                            }
                        }
                    }
                }
                rows[ky] = r;
            }
            for (ox0 = 0; ox0 < g->out_w; ox0 += 16) {
                const int32_t np = g->out_w - ox0 < 16 ? g->out_w - ox0 : 16;
                float *y = output + ((size_t)(n * g->out_h + oy) * (size_t)g->out_w + (size_t)ox0) * (size_t)g->out_c;
                for (ob = 0; ob * 16 < g->out_c; ++ob) {
                    const int32_t nc = g->out_c - ob * 16 < 16 ? g->out_c - ob * 16 : 16;
                    const float *w = wpk + (size_t)ob * (size_t)kk * 16;
                    const float *b = bias != 0 ? bias + ob * 16 : 0;
                    conv2d_pk_f32_pl_fns[np <= 8][nc <= 2 ? 0 : nc <= 4 ? 1 : nc <= 8 ? 2 : 3](
                        g, act, rows, ox0, np, nc, w, b, y + ob * 16);
                }
            }
        }
    }
}
#endif

void conv2d_pk_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *wpk,
                   const float *bias, float *output)
{
#if defined(NNC_PKF_AVX512)
    if (conv2d_pk_f32_lanes_ok(g)) {
        conv2d_pk_f32_lanes(g, act, input, wpk, bias, output);
        return;
    }
    if (conv2d_pk_f32_pl_ok(g)) {
        conv2d_pk_f32_pl(g, act, input, wpk, bias, output);
        return;
    }
    if (g->k_h * g->k_w * (g->in_c / g->groups) <= NNC_PKF_K) {
        conv2d_pk_f32_512(g, act, input, wpk, bias, output);
        return;
    }
#endif
    const int32_t cin_g = g->in_c / g->groups, cout_g = g->out_c / g->groups;
    const int32_t kk = g->k_h * g->k_w * cin_g, total = g->batch * g->out_h * g->out_w;
    const size_t wg = (size_t)((cout_g + 15) / 16) * (size_t)kk * 16; /* packed weights per group */
    float u[NNC_PKF_PIX * NNC_PKF_K];
    const float *x[NNC_PKF_PIX];
    int32_t p0, p, grp, n = 0, oy = 0, ox = 0; /* the first pixel of the block */
    for (p0 = 0; p0 < total; p0 += NNC_PKF_PIX) {
        const int32_t np = total - p0 < NNC_PKF_PIX ? total - p0 : NNC_PKF_PIX;
        for (grp = 0; grp < g->groups; ++grp) {
            int32_t pn = n, py = oy, px = ox;
            for (p = 0; p < np; ++p) {
                x[p] = conv2d_pk_f32_field(g, input, pn, py, px, grp * cin_g, u + p * NNC_PKF_K);
                if (++px == g->out_w) {
                    px = 0;
                    if (++py == g->out_h) {
                        py = 0;
                        ++pn;
                    }
                }
            }
            conv2d_pk_f32_pixels(x, np, kk, cout_g, g->out_c, act, wpk + grp * wg, bias != 0 ? bias + grp * cout_g : 0,
                                 output + (size_t)p0 * (size_t)g->out_c + grp * cout_g);
        }
        for (p = 0; p < np; ++p) {
            if (++ox == g->out_w) {
                ox = 0;
                if (++oy == g->out_h) {
                    oy = 0;
                    ++n;
                }
            }
        }
    }
}

void dense_pk_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *wpk,
                  const float *bias, float *output)
{
    const float *x[NNC_PKF_PIX];
    int32_t p0, p;
    for (p0 = 0; p0 < g->batch; p0 += NNC_PKF_PIX) {
        const int32_t np = g->batch - p0 < NNC_PKF_PIX ? g->batch - p0 : NNC_PKF_PIX;
        for (p = 0; p < np; ++p) {
            x[p] = input + (size_t)(p0 + p) * (size_t)g->in_features;
        }
        conv2d_pk_f32_pixels(x, np, g->in_features, g->out_features, g->out_features, act, wpk, bias,
                             output + (size_t)p0 * (size_t)g->out_features);
    }
}

/* conv2d_inplace_pk_f32: conv2d_pk_f32 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_pk_f32
#define NNC_IP_T float
#define NNC_IP_PARAMS const nnc_act_f32 *act, const float *input, const float *wpk, const float *bias
#define NNC_IP_CALL(s, x, y) conv2d_pk_f32(s, act, x, wpk, bias, y)
#include "inplace_rows.inc"
