/* nncodegen kernels: one-group convolution / fully connected, q7, packed weights (conv2d_pk_q7.h: layout,
 * bias and why the sums equal conv2d_q7's).
 *
 * The weights are row-padded (conv2d_pk_q7.h): each kernel row's k_w * in_c products rounded up to R, a
 * multiple of 4.  Per block of up to NNC_PKQ_PIX output pixels, each pixel's receptive field is read where
 * it lies: in place for windows inside the input (when every 4-byte group of a row lies in one tap, in_c %
 * 4 == 0, or the row is contiguous, no horizontal dilation: the bytes past a row's end that its last group
 * reads meet zero weights), through a table of one input offset per 4 k; border pixels (and dilated rows
 * of odd channel counts) are gathered into a local row-padded copy (0 for taps outside the input).  Then for every block of 16 output channels the products run over the packed weights, four
 * k per 32-bit lane and step, the input bytes offset to uint8 on the fly (x ^ 0x80 = x + 128).  No weight
 * is re-arranged at run time.
 * Paths (all give the same accumulators: products exact, sums modulo 2^32):
 *   avx512-vnni  (__AVX512VNNI__ with AVX512F/BW/VL) VPDPBUSD: 64 products into 16 int32 lanes per
 *                instruction, eight pixels (each through its own offsets: blocks of pixels read in place and
 *                gathered) share each weight load; blocks of at most 8 channels
 *                in 256-bit registers; epilogue in one zmm (VPSRAVD, VPMOVDB, a masked byte store)
 *   avx512-vbmi  one input channel, k_w <= 4, horizontal stride 1 (conv2d_pkq_c1): 16 / out_c pixels per
 *                register, each kernel row one masked load + VPERMB + VPDPBUSD, padding loaded as 0; other
 *                layers of out_c < 16 with kernel rows of at most 64 input bytes (with VBMI2): conv2d_pk_s8's
 *                lane path (conv2d_pk_lane512.inc) over the row-padded weights
 *   avx2 / sse   (NNC_SIMD_X86) the 4-byte groups widened to int16 and multiplied by the pixel's four
 *                uint8 (as int16) with PMADDWD: two int32 partial sums per channel, added pairwise at the
 *                end (no PMADDUBSW: its int16 pair sums saturate); epilogue nnc_acc8_requant
 *   portable     the same sums in plain C (uint32 arithmetic)
 * The epilogue is nnc_requantize; layers whose shifts are all in 1..31 without a leaky slope
 * (nnc_requant_shift_only) take the vector forms, which compute the same values. */
#include <string.h>

#include "conv2d_pk_q7.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"
#include "conv2d_pk_sse2.inc"

#if defined(__AVX512VNNI__) && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    !defined(NNC_NO_SIMD)
#define NNC_PKQ_VNNI512 1
#define NNC_PKQ_PIX 8 /* output pixels per block: eight accumulators share each weight load */
#elif defined(NNC_SIMD_X86)
#define NNC_PKQ_PIX 4
#else
/* other builds (the generic target compiled for a small core): one pixel, always gathered, no offset
 * tables, so the stack holds one row of NNC_PKQ_K bytes */
#define NNC_PKQ_PIX 1
#define NNC_PKQ_LINEAR 1
#endif

#if defined(NNC_PKQ_VNNI512)
/* nnc_requantize for shifts 1..31 without a leaky slope on 16 int32 lanes (s the lanes' shifts, s1 = s - 1),
 * bounded to [lo, hi] and stored as bytes under the mask m */
static inline __attribute__((always_inline)) void conv2d_pkq_rshift_store(__m512i a, __m512i s, __m512i s1, __m512i lo,
                                                                          __m512i hi, __mmask16 m, int8_t *y)
{
    _mm_mask_storeu_epi8((void *)y, m, _mm512_cvtepi32_epi8(nnc_q_rshift512(a, s, s1, lo, hi)));
}
#endif

/* Where one output pixel's receptive field lies: byte group j (k = 4 j .. 4 j + 3) at base + off[j]. */
typedef struct {
    const int8_t *base;
    const int32_t *off;
} nnc_pkq_src;

#if defined(NNC_SIMD_X86) || defined(NNC_PKQ_VNNI512)
static int32_t nnc_pkq_ld4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}
#endif

/* memcpy of a short run without a library call: eight bytes at a time, then one by one */
static void nnc_pkq_copy(int8_t *u, const int8_t *x, int32_t n)
{
    for (; n >= 8; n -= 8, u += 8, x += 8) {
        memcpy(u, x, 8);
    }
    for (; n > 0; --n) {
        *u++ = *x++;
    }
}

/* The receptive field of output pixel (n, oy, ox) as int8 in the row-padded layout: kernel row ky at
u[ky * r], its k_w * in_c values (0 for taps outside the input), then zeros up to r.  One memset for the
zeros, then one copy per kernel row of the taps inside the input (without horizontal dilation) or per tap. */
static void conv2d_pkq_gather(const nnc_conv_geom *g, const int8_t *input, int32_t n, int32_t oy, int32_t ox,
                              int32_t r, int8_t *u)
{
    const int32_t cin = g->in_c, k_w = g->k_w, in_w = g->in_w, dil_w = g->dil_w;
    const int32_t iy0 = oy * g->stride_h - g->pad_top, ix0 = ox * g->stride_w - g->pad_left;
    /* the taps inside the input along x without dilation: kx in [kx_lo, kx_hi) */
    const int32_t kx_lo = ix0 < 0 ? -ix0 : 0, kx_hi = in_w - ix0 < k_w ? in_w - ix0 : k_w;
    int32_t ky, kx;
    memset(u, 0, (size_t)g->k_h * (size_t)r);
    for (ky = 0; ky < g->k_h; ++ky, u += r) {
        const int32_t iy = iy0 + ky * g->dil_h;
        const int8_t *row;
        if (iy < 0 || iy >= g->in_h) {
            continue;
        }
        row = input + (n * g->in_h + iy) * in_w * cin;
        if (dil_w == 1) {
            if (kx_lo < kx_hi) {
                nnc_pkq_copy(u + kx_lo * cin, row + (ix0 + kx_lo) * cin, (kx_hi - kx_lo) * cin);
            }
            continue;
        }
        for (kx = 0; kx < k_w; ++kx) {
            const int32_t ix = ix0 + kx * dil_w;
            if (ix >= 0 && ix < in_w) {
                nnc_pkq_copy(u + kx * cin, row + ix * cin, cin);
            }
        }
    }
}

#include "conv2d_pk_q7_block.inc"

/* Requantizes channels c0 .. c0 + nc - 1 (nc <= 16) of one pixel from acc into y. */
static void conv2d_pkq_out(const int32_t *acc, const nnc_requant *rq, int32_t c0, int32_t nc, int shift_only,
                           int8_t *y)
{
    int32_t j = 0;
#if defined(NNC_PKQ_VNNI512)
    if (shift_only) { /* nnc_requantize for shifts 1..31 without a leaky slope, 16 lanes */
        const __mmask16 m = (__mmask16)(nc >= 16 ? 0xFFFFu : (1u << nc) - 1u);
        const __m512i one = _mm512_set1_epi32(1);
        const __m512i s = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, rq->shift + c0));
        conv2d_pkq_rshift_store(_mm512_loadu_si512((const void *)acc), s, _mm512_sub_epi32(s, one),
                                _mm512_set1_epi32(rq->out_min), _mm512_set1_epi32(rq->out_max), m, y);
        return;
    }
#elif defined(NNC_SIMD_X86)
    if (shift_only) {
        for (; j + 8 <= nc; j += 8) {
            int32_t v[8], i;
            nnc_acc8_requant(nnc_acc8_load(acc + j), rq->shift + c0 + j, rq->out_min, rq->out_max, v);
            for (i = 0; i < 8; ++i) {
                y[j + i] = (int8_t)v[i];
            }
        }
    }
#else
    (void)shift_only;
#endif
    for (; j < nc; ++j) {
        y[j] = (int8_t)nnc_requantize(acc[j], rq, c0 + j);
    }
}

/* Output pixels src[0 .. np - 1] (in y, ys apart: out_c for consecutive pixels). */
static void conv2d_pkq_pixels(const nnc_pkq_src *src, int32_t np, int32_t n4, int32_t out_c, const nnc_requant *rq,
                              int shift_only, const int8_t *wpk, const int32_t *bias_u, int8_t *y, int32_t ys)
{
    int32_t acc[NNC_PKQ_PIX * 16];
    int32_t ob, p;
    for (ob = 0; ob * 16 < out_c; ++ob) {
        const int32_t nc = out_c - ob * 16 < 16 ? out_c - ob * 16 : 16;
#if defined(NNC_PKQ_VNNI512)
        if (nc <= 8) {
            conv2d_pkq_block8(src, np, wpk + (size_t)ob * (size_t)n4 * 64, bias_u + ob * 16, n4, acc);
        } else
#endif
        {
            conv2d_pkq_block(src, np, wpk + (size_t)ob * (size_t)n4 * 64, bias_u + ob * 16, n4, acc);
        }
#if defined(NNC_PKQ_VNNI512)
        if (shift_only) { /* nnc_requantize for shifts 1..31 without a leaky slope, 16 lanes per pixel */
            const __mmask16 m = (__mmask16)(nc >= 16 ? 0xFFFFu : (1u << nc) - 1u);
            const __m512i one = _mm512_set1_epi32(1);
            const __m512i s = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, rq->shift + ob * 16));
            const __m512i s1 = _mm512_sub_epi32(s, one);
            const __m512i lo = _mm512_set1_epi32(rq->out_min), hi = _mm512_set1_epi32(rq->out_max);
            for (p = 0; p < np; ++p) {
                conv2d_pkq_rshift_store(_mm512_loadu_si512((const void *)(acc + p * 16)), s, s1, lo, hi, m,
                                        y + p * ys + ob * 16);
            }
            continue;
        }
#endif
        for (p = 0; p < np; ++p) {
            conv2d_pkq_out(acc + p * 16, rq, ob * 16, nc, shift_only, y + p * ys + ob * 16);
        }
    }
}

static void conv2d_pkq_any(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wpk,
                           const int32_t *bias_u, int8_t *output)
{
    const int32_t cin = g->in_c, r = (g->k_w * cin + 3) / 4 * 4, n4 = g->k_h * r / 4;
    const int32_t total = g->batch * g->out_h * g->out_w;
    const int32_t in_len = g->batch * g->in_h * g->in_w * cin;
    /* windows inside the input are read in place when every 4-byte group of a row lies in one tap
     * (in_c % 4 == 0) or the row is contiguous (no horizontal dilation; the up to 3 bytes past the row's
     * end that a group reads meet zero weights, and must lie inside the input tensor) */
#if !defined(NNC_PKQ_LINEAR)
    const int direct = cin % 4 == 0 || g->dil_w == 1;
#endif
    const int32_t last_row = (g->k_h - 1) * g->dil_h * g->in_w * cin; /* offset of the window's last row */
    const int shift_only = nnc_requant_shift_only(rq, g->out_c);
    /* the geometry in locals: the stores into u and src may alias *g, which would reload it per pixel */
    const int32_t in_h = g->in_h, in_w = g->in_w, out_h = g->out_h, out_w = g->out_w;
    const int32_t sh = g->stride_h, sw = g->stride_w, pt = g->pad_top, pl = g->pad_left;
    const int32_t span_h = (g->k_h - 1) * g->dil_h, span_w = (g->k_w - 1) * g->dil_w; /* window extent - 1 */
    int8_t u[NNC_PKQ_PIX * NNC_PKQ_K];
#if defined(NNC_PKQ_LINEAR)
    const int32_t *koff = 0, *lin = 0; /* every pixel gathered, group j at 4 j */
    const int direct = 0;
#else
    int32_t koff[NNC_PKQ_K / 4], lin[NNC_PKQ_K / 4];
#endif
    nnc_pkq_src src[NNC_PKQ_PIX];
    int32_t p0, p, j, n = 0, oy = 0, ox = 0; /* the next pixel */
    int row_in = 0;                          /* the window rows of output row oy inside the input (direct) */
#if !defined(NNC_PKQ_LINEAR)
    int32_t ky = 0, pos = 0, kx = 0, c = 0;
    for (j = 0; j < n4; ++j) { /* group j: kernel row ky, position pos = 4 j % r of the row (tap kx, channel c) */
        koff[j] = ky * g->dil_h * in_w * cin + kx * g->dil_w * cin + c;
        lin[j] = 4 * j;
        pos += 4;
        if (pos == r) {
            pos = kx = c = 0;
            ++ky;
        } else {
            for (c += 4; c >= cin; c -= cin) {
                ++kx;
            }
        }
    }
#else
    (void)j;
#endif
    row_in = direct && -pt >= 0 && -pt + span_h < in_h;
    for (p0 = 0; p0 < total; p0 += NNC_PKQ_PIX) {
        const int32_t np = total - p0 < NNC_PKQ_PIX ? total - p0 : NNC_PKQ_PIX;
        for (p = 0; p < np; ++p) {
            const int32_t iy0 = oy * sh - pt, ix0 = ox * sw - pl;
            const int32_t at = ((n * in_h + iy0) * in_w + ix0) * cin; /* the window's first element */
            if (row_in && ix0 >= 0 && ix0 + span_w < in_w && in_len - (at + last_row) >= r) {
                src[p].base = input + at;
                src[p].off = koff;
            } else {
                conv2d_pkq_gather(g, input, n, oy, ox, r, u + p * NNC_PKQ_K);
                src[p].base = u + p * NNC_PKQ_K;
                src[p].off = lin;
            }
            if (++ox == out_w) {
                ox = 0;
                if (++oy == out_h) {
                    oy = 0;
                    ++n;
                }
                row_in = direct && oy * sh - pt >= 0 && oy * sh - pt + span_h < in_h;
            }
        }
        conv2d_pkq_pixels(src, np, n4, g->out_c, rq, shift_only, wpk, bias_u, output + (size_t)p0 * (size_t)g->out_c,
                          g->out_c);
    }
}

#if defined(NNC_PKQ_VNNI512) && defined(__AVX512VBMI__)
#define NNC_PKQ_C1 1
#define NNC_PKQ_C1_KH 8 /* largest k_h of the one-channel path */
/* One input channel, k_w <= 4, horizontal stride 1, no horizontal dilation, pad_left <= 3, out_c dividing 16:
 * each kernel row of a window is k_w contiguous bytes, one 4-byte group of the row-padded weights (its bytes
 * k_w .. 3 meet zero weights).  P = 16 / out_c neighbouring output pixels per register (lane l: pixel l / out_c,
 * channel l % out_c); per kernel row one masked load of the bytes of the row the P windows cover (bytes left and
 * right of the input and rows above and below it load as 0, the gathered copy's value, whose offset 128 meets
 * the -128 w of bias_u), VPERMB puts each pixel's 4 bytes into its lanes (index 63, a byte the load leaves 0, for
 * columns left of the input), one VPDPBUSD.  The same exact sums, so the same accumulators. */
static void conv2d_pkq_c1(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wpk,
                          const int32_t *bias_u, int8_t *output)
{
    const int32_t out_c = g->out_c, np = 16 / out_c, k_h = g->k_h, k_w = g->k_w;
    const int32_t in_h = g->in_h, in_w = g->in_w, out_h = g->out_h, out_w = g->out_w;
    const int32_t pt = g->pad_top, pl = g->pad_left, sh = g->stride_h, dil_h = g->dil_h;
    const int shift_only = nnc_requant_shift_only(rq, out_c);
    const __m512i x80 = _mm512_set1_epi8(-128), one = _mm512_set1_epi32(1);
    const __m512i lo = _mm512_set1_epi32(rq->out_min), hi = _mm512_set1_epi32(rq->out_max);
    __m512i wv[NNC_PKQ_C1_KH], pv[4], bv, sv, s1;
    int32_t lw[16], lb[16], ls[16], acc[16], l, t, ky, n, oy, ox;
    int8_t li[64];
    for (ky = 0; ky < k_h; ++ky) {
        for (l = 0; l < 16; ++l) {
            lw[l] = nnc_pkq_ld4(wpk + ky * 64 + (l % out_c) * 4);
        }
        wv[ky] = _mm512_loadu_si512((const void *)lw);
    }
    for (l = 0; l < 16; ++l) {
        lb[l] = bias_u[l % out_c];
        ls[l] = shift_only ? rq->shift[l % out_c] : 0;
    }
    for (ky = 0; ky < 4; ++ky) { /* pv[s]: the windows start s columns left of the input (column -s) */
        for (l = 0; l < 64; ++l) {
            t = l / 4 / out_c + l % 4 - ky; /* the byte's column relative to the first loaded one */
            li[l] = (int8_t)(t < 0 ? 63 : t);
        }
        pv[ky] = _mm512_loadu_si512((const void *)li);
    }
    bv = _mm512_loadu_si512((const void *)lb);
    sv = _mm512_loadu_si512((const void *)ls);
    s1 = _mm512_sub_epi32(sv, one);
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * sh - pt;
            int8_t *const yrow = output + (n * out_h + oy) * out_w * out_c;
            for (ox = 0; ox < out_w; ox += np) {
                int8_t *const y = yrow + ox * out_c; /* not advanced past the output after the row's last step */
                const int32_t ix0 = ox - pl, c0 = ix0 < 0 ? 0 : ix0;
                const int32_t c1 = ix0 + np - 1 + k_w < in_w ? ix0 + np - 1 + k_w : in_w; /* columns c0 .. c1 - 1 */
                const __mmask64 mx = c1 > c0 ? ((__mmask64)1 << (c1 - c0)) - 1 : 0;
                const __m512i perm = pv[ix0 < 0 ? -ix0 : 0];
                const int32_t nout = out_w - ox < np ? out_w - ox : np;
                __m512i a = bv;
                for (ky = 0; ky < k_h; ++ky) {
                    const int32_t iy = iy0 + ky * dil_h;
                    __m512i xv = x80;
                    if (iy >= 0 && iy < in_h) {
                        xv = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mx, (const void *)(input + (n * in_h + iy) * in_w + c0)),
                                              x80);
                    }
                    a = _mm512_dpbusd_epi32(a, _mm512_permutexvar_epi8(perm, xv), wv[ky]);
                }
                if (shift_only) { /* nnc_requantize for shifts 1..31 without a leaky slope */
                    conv2d_pkq_rshift_store(a, sv, s1, lo, hi, (__mmask16)((1u << (nout * out_c)) - 1u), y);
                } else {
                    _mm512_storeu_si512((void *)acc, a);
                    for (l = 0; l < nout * out_c; ++l) {
                        y[l] = (int8_t)nnc_requantize(acc[l], rq, l % out_c);
                    }
                }
            }
        }
    }
}
#endif

#if defined(NNC_PKQ_VNNI512) && defined(__AVX512VBMI__) && defined(__AVX512VBMI2__)
#define NNC_PKQ_LANE512 1
#ifndef NNC_PKQ_LANE_TAKE
/* the layers that take the lane path when they fit it: fewer than 16 output channels (16 fill the block loop's
 * registers already; encoder_decoder's 8 -> 16 3x3 layer is a little faster there) */
#define NNC_PKQ_LANE_TAKE(g) ((g)->out_c < 16)
#endif
/* the lane path's epilogue (conv2d_pk_lane512.inc): lane l's channel lc[l]; shift_only: the rounding shift and
 * bounds in the register (nnc_requantize's values for shifts 1..31 without a leaky slope), else nnc_requantize
 * per lane */
typedef struct {
    __m512i s, s1, lo, hi;
    const nnc_requant *rq;
    int32_t lc[16];
    int shift_only;
} conv2d_pk_lane512_ep;

static inline __attribute__((always_inline)) void conv2d_pk_lane512_store(__m512i acc, const conv2d_pk_lane512_ep *ep,
                                                                          int32_t n, int8_t *y)
{
    if (ep->shift_only) {
        conv2d_pkq_rshift_store(acc, ep->s, ep->s1, ep->lo, ep->hi, (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u), y);
    } else {
        int32_t a[16], l;
        _mm512_storeu_si512((void *)a, acc);
        for (l = 0; l < n; ++l) {
            y[l] = (int8_t)nnc_requantize(a[l], ep->rq, ep->lc[l]);
        }
    }
}

#include "conv2d_pk_lane512.inc"

/* conv2d_pk_q7 by the lane path (weights of R = k_w in_c rounded up to 4 k's per kernel row, taps outside the
 * input x = 0), or 0 when the layer does not fit it */
static int conv2d_pkq_lane512(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wpk,
                              const int32_t *bias_u, int8_t *output)
{
    __m512i wt[NNC_PK_LANE_W];
    conv2d_pk_lane512_t t;
    conv2d_pk_lane512_ep ep;
    int32_t ls[16], l;
    if (!conv2d_pk_lane512_prep(g, (g->k_w * g->in_c + 3) / 4 * 4, wpk, bias_u, wt, &t)) {
        return 0;
    }
    ep.shift_only = nnc_requant_shift_only(rq, g->out_c);
    for (l = 0; l < 16; ++l) {
        ep.lc[l] = t.lc[l];
        ls[l] = ep.shift_only ? rq->shift[t.lc[l]] : 0;
    }
    ep.rq = rq;
    ep.s = _mm512_loadu_si512((const void *)ls);
    ep.s1 = _mm512_sub_epi32(ep.s, _mm512_set1_epi32(1));
    ep.lo = _mm512_set1_epi32(rq->out_min);
    ep.hi = _mm512_set1_epi32(rq->out_max);
    conv2d_pk_lane512_run(g, &t, wt, &ep, 0, input, output);
    return 1;
}
#endif

void conv2d_pk_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wpk,
                  const int32_t *bias_u, int8_t *output)
{
#if defined(NNC_PKQ_C1)
    if (g->in_c == 1 && g->k_w <= 4 && g->stride_w == 1 && g->dil_w == 1 && 16 % g->out_c == 0 &&
        g->k_h <= NNC_PKQ_C1_KH && g->pad_left <= 3) {
        conv2d_pkq_c1(g, rq, input, wpk, bias_u, output);
        return;
    }
#endif
#if defined(NNC_PKQ_LANE512)
    if (NNC_PKQ_LANE_TAKE(g) && conv2d_pkq_lane512(g, rq, input, wpk, bias_u, output)) {
        return;
    }
#endif
    conv2d_pkq_any(g, rq, input, wpk, bias_u, output);
}

void dense_pk_q7(const nnc_dense_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wpk,
                 const int32_t *bias_u, int8_t *output)
{
    const int32_t kk = g->in_features, k4 = (kk + 3) / 4 * 4, n4 = k4 / 4;
    const int shift_only = nnc_requant_shift_only(rq, g->out_features);
    int8_t u[NNC_PKQ_PIX * NNC_PKQ_K];
#if defined(NNC_PKQ_LINEAR)
    const int32_t *lin = 0; /* group j at 4 j */
#else
    int32_t lin[NNC_PKQ_K / 4];
#endif
    nnc_pkq_src src[NNC_PKQ_PIX];
    int32_t p0, p, j;
#if defined(NNC_PKQ_LINEAR)
    (void)j;
#else
    for (j = 0; j < n4; ++j) {
        lin[j] = 4 * j;
    }
#endif
    for (p0 = 0; p0 < g->batch; p0 += NNC_PKQ_PIX) {
        const int32_t np = g->batch - p0 < NNC_PKQ_PIX ? g->batch - p0 : NNC_PKQ_PIX;
        for (p = 0; p < np; ++p) {
            const int8_t *x = input + (size_t)(p0 + p) * (size_t)kk;
            src[p].off = lin;
            if (kk % 4 == 0) {
                src[p].base = x;
            } else {
                memcpy(u + p * NNC_PKQ_K, x, (size_t)kk);
                memset(u + p * NNC_PKQ_K + kk, 0, (size_t)(k4 - kk));
                src[p].base = u + p * NNC_PKQ_K;
            }
        }
        conv2d_pkq_pixels(src, np, n4, g->out_features, rq, shift_only, wpk, bias_u,
                          output + (size_t)p0 * (size_t)g->out_features, g->out_features);
    }
}

#include "conv2d_pk_q7_ct.inc"

void conv2d_pw4_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, int32_t steps,
                   const uint8_t *idx, const int8_t *w4, const int32_t *bias_u, int8_t *output)
{
    const int32_t cin = g->in_c, out_c = g->out_c;
    const int32_t total = g->batch * g->out_h * g->out_w;
    int32_t p = 0, c, d, t;
#if defined(NNC_PKQ_VNNI512)
    if (out_c <= 16 && 16 / out_c * cin <= 64) {
        /* lane l < P out_c: pixel l / out_c of the vector's P = 16 / out_c, channel l % out_c (the lanes past
         * P out_c sum zero weights and are not stored) */
        const int32_t np = 16 / out_c, gpp = cin / 4;
        const int shift_only = nnc_requant_shift_only(rq, out_c);
        const __m512i x80 = _mm512_set1_epi8(-128), one = _mm512_set1_epi32(1);
        const __m512i lo = _mm512_set1_epi32(rq->out_min), hi = _mm512_set1_epi32(rq->out_max);
        __m512i wv[NNC_PW4_STEPS], iv[NNC_PW4_STEPS], bv, sv, s1;
        int32_t lw[16], li[16], lb[16], ls[16], acc[16];
        for (d = 0; d < steps; ++d) {
            for (t = 0; t < 16; ++t) {
                c = t % out_c;
                lw[t] = t < np * out_c ? nnc_pkq_ld4(w4 + (d * out_c + c) * 4) : 0;
                li[t] = t < np * out_c ? t / out_c * gpp + idx[d * out_c + c] : 0;
            }
            wv[d] = _mm512_loadu_si512((const void *)lw);
            iv[d] = _mm512_loadu_si512((const void *)li);
        }
        for (t = 0; t < 16; ++t) {
            lb[t] = bias_u[t % out_c];
            ls[t] = shift_only ? rq->shift[t % out_c] : 0;
        }
        bv = _mm512_loadu_si512((const void *)lb);
        sv = _mm512_loadu_si512((const void *)ls);
        s1 = _mm512_sub_epi32(sv, one);
        for (; p < total; p += np) {
            const int32_t n = total - p < np ? total - p : np; /* pixels in this vector */
            const __mmask64 mx = n * cin >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (n * cin)) - 1;
            const __mmask16 my = n * out_c >= 16 ? (__mmask16)0xFFFFu : (__mmask16)((1u << (n * out_c)) - 1u);
            const __m512i xv = _mm512_maskz_loadu_epi8(mx, (const void *)(input + p * cin));
            __m512i a = bv;
            for (d = 0; d < steps; ++d) {
                a = _mm512_dpbusd_epi32(a, _mm512_xor_si512(_mm512_permutexvar_epi32(iv[d], xv), x80), wv[d]);
            }
            if (shift_only) { /* nnc_requantize for shifts 1..31 without a leaky slope */
                conv2d_pkq_rshift_store(a, sv, s1, lo, hi, my, output + p * out_c);
            } else {
                _mm512_storeu_si512((void *)acc, a);
                for (t = 0; t < n * out_c; ++t) {
                    output[p * out_c + t] = (int8_t)nnc_requantize(acc[t], rq, t % out_c);
                }
            }
        }
        return;
    }
#endif
#if defined(NNC_SIMD_AVX2)
    if (out_c <= 16 && (out_c > 8 ? cin : 8 / out_c * cin) <= 32) {
        /* register h (two for more than 8 channels) lane l: channel c = 8 h + l (more than 8 channels) or
         * l % out_c, pixel l / out_c (P = 8 / out_c pixels); each step's groups moved into the lanes with VPERMD,
         * the four uint8 * int8 products of a lane as two PMADDWD on the even and odd bytes widened to int16;
         * lanes without a channel (8 h + l >= out_c, l >= P out_c) sum zero weights and are not stored */
        const int32_t wide = out_c > 8, nreg = wide ? 2 : 1, np = wide ? 1 : 8 / out_c, gpp = cin / 4;
        const int32_t in_len = total * cin;
        const int shift_only = nnc_requant_shift_only(rq, out_c);
        const __m256i x80 = _mm256_set1_epi8(-128), lo8 = _mm256_set1_epi16(0x00FF);
        __m256i we[2][NNC_PW4_STEPS], wo[2][NNC_PW4_STEPS], iv[2][NNC_PW4_STEPS], bv[2];
        int32_t lw[8], li[8], lb[8], lc[2][8], lv[8], v[8], h, l;
        int8_t ls[2][8], xb[32];
        for (h = 0; h < nreg; ++h) {
            for (l = 0; l < 8; ++l) {
                lv[l] = wide ? 8 * h + l < out_c : l < np * out_c;
                lc[h][l] = !lv[l] ? 0 : wide ? 8 * h + l : l % out_c;
                lb[l] = bias_u[lc[h][l]];
                ls[h][l] = (int8_t)(shift_only ? rq->shift[lc[h][l]] : 0);
            }
            bv[h] = _mm256_loadu_si256((const __m256i *)(const void *)lb);
            for (d = 0; d < steps; ++d) {
                __m256i w;
                for (l = 0; l < 8; ++l) {
                    c = lc[h][l];
                    lw[l] = lv[l] ? nnc_pkq_ld4(w4 + (d * out_c + c) * 4) : 0;
                    li[l] = lv[l] ? (wide ? 0 : l / out_c) * gpp + idx[d * out_c + c] : 0;
                }
                w = _mm256_loadu_si256((const __m256i *)(const void *)lw);
                we[h][d] = _mm256_srai_epi16(_mm256_slli_epi16(w, 8), 8);
                wo[h][d] = _mm256_srai_epi16(w, 8);
                iv[h][d] = _mm256_loadu_si256((const __m256i *)(const void *)li);
            }
        }
        for (; p < total; p += np) {
            const int32_t n = total - p < np ? total - p : np; /* pixels in this register */
            __m256i xv;
            if (p * cin + 32 <= in_len) {
                xv = _mm256_loadu_si256((const __m256i *)(const void *)(input + p * cin));
            } else {
                memset(xb, 0, sizeof xb);
                memcpy(xb, input + p * cin, (size_t)(n * cin));
                xv = _mm256_loadu_si256((const __m256i *)(const void *)xb);
            }
            for (h = 0; h < nreg; ++h) {
                __m256i a = bv[h];
                for (d = 0; d < steps; ++d) {
                    const __m256i xg = _mm256_xor_si256(_mm256_permutevar8x32_epi32(xv, iv[h][d]), x80);
                    a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_and_si256(xg, lo8), we[h][d]));
                    a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_srli_epi16(xg, 8), wo[h][d]));
                }
                if (shift_only) {
                    nnc_acc8 A;
                    A.v = a;
                    nnc_acc8_requant(A, ls[h], rq->out_min, rq->out_max, v);
                } else {
                    _mm256_storeu_si256((__m256i *)(void *)v, a);
                    for (l = 0; l < 8; ++l) {
                        v[l] = nnc_requantize(v[l], rq, lc[h][l]);
                    }
                }
                for (l = 0; l < (wide ? (out_c - 8 * h < 8 ? out_c - 8 * h : 8) : n * out_c); ++l) {
                    output[p * out_c + (wide ? 8 * h : 0) + l] = (int8_t)v[l];
                }
            }
        }
        return;
    }
#endif
    for (; p < total; ++p) {
        const int8_t *x = input + p * cin;
        for (c = 0; c < out_c; ++c) {
            uint32_t a = (uint32_t)bias_u[c];
            for (d = 0; d < steps; ++d) {
                const int8_t *xs = x + 4 * idx[d * out_c + c], *ws = w4 + (d * out_c + c) * 4;
                for (t = 0; t < 4; ++t) {
                    a += (uint32_t)((int32_t)xs[t] + 128) * (uint32_t)(int32_t)ws[t];
                }
            }
            output[p * out_c + c] = (int8_t)nnc_requantize((int32_t)a, rq, c);
        }
    }
}

/* conv2d_inplace_pk_q7: conv2d_pk_q7 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_pk_q7
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant *rq, const int8_t *input, const int8_t *wpk, const int32_t *bias_u
#define NNC_IP_CALL(s, x, y) conv2d_pk_q7(s, rq, x, wpk, bias_u, y)
#include "inplace_rows.inc"

/* conv2d_inplace_pw4_q7: conv2d_pw4_q7 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_pw4_q7
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant *rq, const int8_t *input, int32_t steps, const uint8_t *idx, \
                      const int8_t *w4, const int32_t *bias_u
#define NNC_IP_CALL(s, x, y) conv2d_pw4_q7(s, rq, x, steps, idx, w4, bias_u, y)
#include "inplace_rows.inc"
