/* nncodegen kernels: one-group convolution / fully connected, affine int8, packed weights
 * (conv2d_pk_s8.h: layout, bias and why the sums equal conv2d_s8's).
 *
 * Per block of up to NNC_PK_PIX output pixels: the receptive field of each pixel is gathered once
 * into a local row of uint8 (x + 128, the zero point's value for taps outside the input), then for
 * every block of 16 output channels the products run over the packed weights, four k per 32-bit
 * lane and step.  No weight is re-arranged at run time.
 * Paths (all give the same accumulators: products exact, sums modulo 2^32):
 *   avx512-vnni  (__AVX512VNNI__, __AVX512F__) VPDPBUSD: 64 products into 16 int32 lanes per
 *                instruction, four pixels share each weight load; fields read in place where their
 *                kernel rows are contiguous runs of a multiple of 4 bytes, or one run (k_h == 1) read on
 *                to k4 bytes (the bytes past k meet zero weights) while that stays inside the input; the
 *                other inside windows gathered with masked byte loads (__AVX512BW__, rows up to 64 bytes);
 *                out_c <= 8: four (or two) pixels requantized in one register (conv2d_pk_pack512);
 *                1x1 on 4..16 input channels (a multiple of 4) into 16..64 channels: broadcast 32-bit
 *                groups of each pixel, weights held in registers (conv2d_pk_pw512);
 *                fields of at most 64 bytes (first layers) built in registers, no gather row in memory:
 *                k_h <= 4 and k_w * in_c <= 16 from a zero-point-padded copy of the image, kernel rows
 *                placed by one VPERMB (__AVX512VBMI__, conv2d_pk_pad512), others by masked row loads
 *   avx2 / sse   (NNC_SIMD_X86) the 4-byte groups widened to int16 (VPMOVSXBW / PUNPCK + PSRAW) and
 *                multiplied by the pixel's four uint8 (as int16) with PMADDWD: two int32 partial sums
 *                per channel, added pairwise at the end (no PMADDUBSW: its int16 pair sums saturate)
 *   portable     the same sums in plain C
 * The epilogue requantizes blocks of eight channels with nnc_acc8_requant_s8 where nnc_simd.h has it
 * (AVX2), one channel at a time otherwise. */
#include <string.h>

#include "conv2d_pk_s8.h"
#include "nnc_affine.h"
#include "nnc_simd.h"
#include "conv2d_pk_sse2.inc"

#if defined(__AVX512VNNI__) && defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#define NNC_PK_VNNI512 1
#endif

/* u = x + 128 of n int8 (as bytes: x ^ 0x80) */
static void conv2d_pk_u8(uint8_t *u, const int8_t *x, int32_t n)
{
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) { /* eight at a time in a 64-bit word */
        uint64_t v;
        memcpy(&v, x + i, 8);
        v ^= 0x8080808080808080ULL;
        memcpy(u + i, &v, 8);
    }
    for (; i < n; ++i) {
        u[i] = (uint8_t)((uint8_t)x[i] ^ 0x80u);
    }
}

/* The uint8 receptive field of output pixel (n, oy, ox): [k_h][k_w][in_c], then zeros up to k4.  Windows
 * inside the input (without horizontal dilation) copy one contiguous run of k_w * in_c per kernel row. */
static void conv2d_pk_gather(const nnc_conv_geom *g, const int8_t *input, uint8_t pad, int32_t n, int32_t oy,
                             int32_t ox, int32_t k4, uint8_t *u)
{
    const int32_t cin = g->in_c, run = g->k_w * cin;
    const int32_t iy0 = oy * g->stride_h - g->pad_top, ix0 = ox * g->stride_w - g->pad_left;
    int32_t ky, kx, i, k = 0;
    if (g->dil_w == 1 && iy0 >= 0 && iy0 + (g->k_h - 1) * g->dil_h < g->in_h && ix0 >= 0 &&
        ix0 + g->k_w - 1 < g->in_w) {
        const int8_t *x = input + ((n * g->in_h + iy0) * g->in_w + ix0) * cin;
        for (ky = 0; ky < g->k_h; ++ky, k += run) {
            conv2d_pk_u8(u + k, x + ky * g->dil_h * g->in_w * cin, run);
        }
    } else {
        for (ky = 0; ky < g->k_h; ++ky) {
            const int32_t iy = iy0 + ky * g->dil_h;
            for (kx = 0; kx < g->k_w; ++kx, k += cin) {
                const int32_t ix = ix0 + kx * g->dil_w;
                if (iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w) {
                    for (i = 0; i < cin; ++i) {
                        u[k + i] = pad;
                    }
                } else {
                    conv2d_pk_u8(u + k, input + ((n * g->in_h + iy) * g->in_w + ix) * cin, cin);
                }
            }
        }
    }
    for (; k < k4; ++k) {
        u[k] = 0;
    }
}

/* The 16 accumulators of channel block ob for the np pixels whose fields are u[p] (row stride
 * NNC_PK_K) into acc[p][16], bias_u included. */
static void conv2d_pk_block(const uint8_t *u, int32_t np, const int8_t *w, const int32_t *bias_u, int32_t k4,
                            int32_t *acc)
{
    int32_t p;
#if defined(NNC_PK_VNNI512)
    const __m512i b = _mm512_loadu_si512((const void *)bias_u);
    __m512i a0 = b, a1 = b, a2 = b, a3 = b;
    int32_t k;
    if (np == 1) { /* batch-1 fully connected layers, the last pixel of a layer */
        for (k = 0; k < k4; k += 4, w += 64) {
            int32_t v0;
            memcpy(&v0, u + k, 4);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(v0), _mm512_loadu_si512((const void *)w));
        }
        _mm512_storeu_si512((void *)acc, a0);
        return;
    }
    for (k = 0; k < k4; k += 4, w += 64) {
        const __m512i wv = _mm512_loadu_si512((const void *)w);
        int32_t v0, v1, v2, v3;
        memcpy(&v0, u + k, 4);
        memcpy(&v1, u + NNC_PK_K + k, 4);
        memcpy(&v2, u + 2 * NNC_PK_K + k, 4);
        memcpy(&v3, u + 3 * NNC_PK_K + k, 4);
        a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(v0), wv);
        a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(v1), wv);
        a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(v2), wv);
        a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(v3), wv);
    }
    _mm512_storeu_si512((void *)acc, a0);
    _mm512_storeu_si512((void *)(acc + 16), a1);
    _mm512_storeu_si512((void *)(acc + 32), a2);
    _mm512_storeu_si512((void *)(acc + 48), a3);
    (void)p;
#elif defined(NNC_SIMD_AVX2)
    for (p = 0; p < np; ++p) {
        const uint8_t *up = u + p * NNC_PK_K;
        const int8_t *wp = w;
        __m256i s[4];
        int32_t k;
        s[0] = s[1] = s[2] = s[3] = _mm256_setzero_si256();
        for (k = 0; k < k4; k += 4, wp += 64) {
            int32_t v;
            __m256i uv;
            memcpy(&v, up + k, 4);
            uv = _mm256_cvtepu8_epi16(_mm_set1_epi32(v));
            nnc_avx2_pk_step(uv, wp, s);
        }
        nnc_avx2_pk_store(s, bias_u, acc + p * 16);
    }
#elif defined(NNC_SIMD_X86)
    for (p = 0; p < np; ++p) {
        const uint8_t *up = u + p * NNC_PK_K;
        const int8_t *wp = w;
        __m128i s[8];
        int32_t k, q;
        for (q = 0; q < 8; ++q) {
            s[q] = _mm_setzero_si128();
        }
        for (k = 0; k < k4; k += 4, wp += 64) {
            int32_t v;
            __m128i uv;
            memcpy(&v, up + k, 4);
            uv = _mm_unpacklo_epi8(_mm_set1_epi32(v), _mm_setzero_si128());
            nnc_sse2_pk_step(uv, wp, s);
        }
        nnc_sse2_pk_store(s, bias_u, acc + p * 16);
    }
#else
    for (p = 0; p < np; ++p) {
        const uint8_t *up = u + p * NNC_PK_K;
        const int8_t *wp = w;
        int32_t *a = acc + p * 16;
        int32_t k, j;
        for (j = 0; j < 16; ++j) {
            a[j] = bias_u[j];
        }
        for (k = 0; k < k4; k += 4, wp += 64) {
            const int32_t u0 = up[k], u1 = up[k + 1], u2 = up[k + 2], u3 = up[k + 3];
            for (j = 0; j < 16; ++j) {
                const int32_t s = u0 * wp[4 * j] + u1 * wp[4 * j + 1] + u2 * wp[4 * j + 2] + u3 * wp[4 * j + 3];
                a[j] = (int32_t)((uint32_t)a[j] + (uint32_t)s);
            }
        }
    }
#endif
}

/* Requantizes channels c0 .. c0 + nc - 1 (nc <= 16) of one pixel from acc into y. */
static void conv2d_pk_out(const int32_t *acc, const nnc_requant_s8 *rq, int32_t c0, int32_t nc, int8_t *y)
{
    int32_t j = 0;
#if defined(NNC_HAVE_REQUANT8_S8)
    for (; j < nc; j += 8) {
        int32_t v[8], i;
        const int32_t m = nc - j < 8 ? nc - j : 8;
        const int32_t *mul = rq->multiplier + c0 + j, *sh = rq->shift + c0 + j;
        int32_t mp[8], sp[8];
        if (m < 8) { /* a partial block: the last channel's constants for the lanes past out_c */
            for (i = 0; i < 8; ++i) {
                mp[i] = mul[i < m ? i : m - 1];
                sp[i] = sh[i < m ? i : m - 1];
            }
            mul = mp;
            sh = sp;
        }
        nnc_acc8_requant_s8(nnc_acc8_load(acc + j), mul, sh, rq->rounding, rq->output_offset, rq->out_min,
                            rq->out_max, v);
        for (i = 0; i < m; ++i) {
            y[j + i] = (int8_t)v[i];
        }
    }
#endif
    for (; j < nc; ++j) {
        y[j] = (int8_t)nnc_requant_s8_apply(acc[j], rq, c0 + j);
    }
}

#if defined(NNC_PK_VNNI512)
#include "conv2d_pk_s8_512.inc"
#if defined(__AVX512VBMI__) && defined(__AVX512VBMI2__) && defined(__AVX512BW__)
#define NNC_PK_LANE512 1
/* the lane path's epilogue (conv2d_pk_lane512.inc): nnc_rq16_s8 over the lanes' channels */
typedef struct {
    int32_t m[16], s[16];
    nnc_requant_s8 rq;
    nnc_rq16_s8 q;
} conv2d_pk_lane512_ep;

static inline __attribute__((always_inline)) void conv2d_pk_lane512_store(__m512i acc, const conv2d_pk_lane512_ep *ep,
                                                                          int32_t n, int8_t *y)
{
    nnc_rq16_s8_store(acc, &ep->q, &ep->rq, 0, n, y);
}

#include "conv2d_pk_lane512.inc"

/* conv2d_pk_s8 by the lane path, or 0 when the layer does not fit it */
static int conv2d_pk_lane512(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                             const int8_t *wpk, const int32_t *bias_u, int8_t *output)
{
    __m512i wt[NNC_PK_LANE_W];
    conv2d_pk_lane512_t t;
    conv2d_pk_lane512_ep ep;
    int32_t l;
    if (!nnc_rq16_s8_ok(rq, g->out_c) || !conv2d_pk_lane512_prep(g, g->k_w * g->in_c, wpk, bias_u, wt, &t)) {
        return 0;
    }
    for (l = 0; l < 16; ++l) {
        ep.m[l] = rq->multiplier[t.lc[l]];
        ep.s[l] = rq->shift[t.lc[l]];
    }
    ep.rq = *rq;
    ep.rq.multiplier = ep.m;
    ep.rq.shift = ep.s;
    nnc_rq16_s8_prep(&ep.rq, 0, t.lanes, &ep.q);
    conv2d_pk_lane512_run(g, &t, wt, &ep, (int8_t)(uint8_t)((128 - rq->input_offset) ^ 0x80), input, output);
    return 1;
}
#endif

/* Pointwise layers with 16 to 64 output channels on 4 to 16 input channels (a multiple of 4; 1x1, stride 1, no
 * padding, so output pixel p is input pixel p): per block of 16 channels, its k4 / 4 weight vectors held in
 * registers, and for each pixel its in_c bytes as k4 / 4 broadcast 32-bit groups XOR 0x80 (u = x + 128), one
 * VPDPBUSD each onto bias_u, then nnc_rq16_s8_store.  The products and their sum modulo 2^32 are the other paths'
 * (k4 = kk: no padded k), so the same bytes.  For block-diagonal grouped 1x1 layers (expand_pays) this replaces the
 * lane path's per-pixel VPERMB of masked row loads.  Returns 0 (nothing written) where the layer does not fit. */
#define NNC_PK_PW_MAXC 16
static int conv2d_pk_pw512(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *wpk,
                           const int32_t *bias_u, int8_t *output)
{
    const int32_t cin = g->in_c, oc = g->out_c, nk = cin / 4;
    const int32_t np = g->batch * g->out_h * g->out_w;
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    int32_t ob, p, j;
    if (g->k_h != 1 || g->k_w != 1 || g->stride_h != 1 || g->stride_w != 1 || g->pad_top != 0 || g->pad_left != 0 ||
        g->out_h != g->in_h || g->out_w != g->in_w || cin % 4 != 0 || cin > NNC_PK_PW_MAXC || oc < 16 ||
        oc > 64) {
        return 0;
    }
    for (ob = 0; ob * 16 < oc; ++ob) {
        const int32_t nc = oc - ob * 16 < 16 ? oc - ob * 16 : 16;
        const int8_t *w = wpk + (size_t)ob * (size_t)cin * 16;
        const __m512i b = _mm512_loadu_si512((const void *)(bias_u + ob * 16));
        __m512i wv[NNC_PK_PW_MAXC / 4];
        nnc_rq16_s8 q;
        nnc_rq16_s8_prep(rq, ob * 16, nc, &q);
        for (j = 0; j < nk; ++j) {
            wv[j] = _mm512_loadu_si512((const void *)(w + 64 * j));
        }
        for (p = 0; p < np; ++p) {
            const int8_t *x = input + (size_t)p * (size_t)cin;
            __m512i a = b;
            for (j = 0; j < nk; ++j) {
                int32_t v;
                memcpy(&v, x + 4 * j, 4);
                a = _mm512_dpbusd_epi32(a, _mm512_xor_si512(_mm512_set1_epi32(v), flip), wv[j]);
            }
            nnc_rq16_s8_store(a, &q, rq, ob * 16, nc, output + (size_t)p * (size_t)oc + ob * 16);
        }
    }
    return 1;
}
#endif

/* Output pixels [p0, p0 + np) of a [pixels][out_c] output whose receptive fields are in u. */
static void conv2d_pk_pixels(const uint8_t *u, int32_t np, int32_t k4, int32_t out_c, const nnc_requant_s8 *rq,
                             const int8_t *wpk, const int32_t *bias_u, int8_t *y)
{
    int32_t acc[NNC_PK_PIX * 16];
    int32_t ob, p;
    for (ob = 0; ob * 16 < out_c; ++ob) {
        const int32_t nc = out_c - ob * 16 < 16 ? out_c - ob * 16 : 16;
        conv2d_pk_block(u, np, wpk + (size_t)ob * (size_t)k4 * 16, bias_u + ob * 16, k4, acc);
        for (p = 0; p < np; ++p) {
            conv2d_pk_out(acc + p * 16, rq, ob * 16, nc, y + p * out_c + ob * 16);
        }
    }
}

void conv2d_pk_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *wpk,
                  const int32_t *bias_u, int8_t *output)
{
    const int32_t kk = g->k_h * g->k_w * g->in_c, k4 = (kk + 3) / 4 * 4;
    const int32_t total = g->batch * g->out_h * g->out_w;
    const uint8_t pad = (uint8_t)(128 - rq->input_offset);
    uint8_t u[NNC_PK_PIX * NNC_PK_K];
    int32_t p0, p, n = 0, oy = 0, ox = 0; /* the next pixel to gather */
#if defined(NNC_PK_VNNI512)
    if (nnc_rq16_s8_ok(rq, g->out_c)) {
        if (conv2d_pk_pw512(g, rq, input, wpk, bias_u, output)) {
            return;
        }
#if defined(NNC_PK_LANE512)
        if (conv2d_pk_lane512(g, rq, input, wpk, bias_u, output)) {
            return;
        }
#endif
        conv2d_pk_s8_512(g, rq, input, wpk, bias_u, output);
        return;
    }
#endif
    for (p0 = 0; p0 < total; p0 += NNC_PK_PIX) {
        const int32_t np = total - p0 < NNC_PK_PIX ? total - p0 : NNC_PK_PIX;
        for (p = 0; p < np; ++p) {
            conv2d_pk_gather(g, input, pad, n, oy, ox, k4, u + p * NNC_PK_K);
            if (++ox == g->out_w) {
                ox = 0;
                if (++oy == g->out_h) {
                    oy = 0;
                    ++n;
                }
            }
        }
        for (; p < NNC_PK_PIX; ++p) { /* read by the four-pixel path, results unused */
            memset(u + p * NNC_PK_K, 0, (size_t)k4);
        }
        conv2d_pk_pixels(u, np, k4, g->out_c, rq, wpk, bias_u, output + (size_t)p0 * (size_t)g->out_c);
    }
}

void dense_pk_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *wpk,
                 const int32_t *bias_u, int8_t *output)
{
    const int32_t kk = g->in_features, k4 = (kk + 3) / 4 * 4;
    uint8_t u[NNC_PK_PIX * NNC_PK_K];
    int32_t p0, p, k;
#if defined(NNC_PK_VNNI512)
    if (kk == k4 && nnc_rq16_s8_ok(rq, g->out_features)) { /* rows read in place */
        const uint8_t *x[NNC_PK_PIX];
        nnc_rq16_s8 qs[NNC_RQ16_BLOCKS];
        nnc_rq16_s8_prep_all(rq, g->out_features, qs);
        for (p0 = 0; p0 < g->batch; p0 += NNC_PK_PIX) {
            const int32_t np = g->batch - p0 < NNC_PK_PIX ? g->batch - p0 : NNC_PK_PIX;
            int32_t rs[NNC_PK_PIX];
            __m512i flip[NNC_PK_PIX];
            for (p = 0; p < NNC_PK_PIX; ++p) {
                x[p] = (const uint8_t *)(const void *)(input + (size_t)(p0 + (p < np ? p : 0)) * (size_t)kk);
                rs[p] = kk;
                flip[p] = _mm512_set1_epi32((int32_t)0x80808080u);
            }
            conv2d_pk_pixels512(x, rs, flip, np, 1, k4, g->out_features, g->out_features, rq, qs, 0, wpk, bias_u,
                                output + (size_t)p0 * (size_t)g->out_features);
        }
        return;
    }
#endif
    for (p0 = 0; p0 < g->batch; p0 += NNC_PK_PIX) {
        const int32_t np = g->batch - p0 < NNC_PK_PIX ? g->batch - p0 : NNC_PK_PIX;
        for (p = 0; p < np; ++p) {
            conv2d_pk_u8(u + p * NNC_PK_K, input + (size_t)(p0 + p) * (size_t)kk, kk);
            for (k = kk; k < k4; ++k) {
                u[p * NNC_PK_K + k] = 0;
            }
        }
        for (; p < NNC_PK_PIX; ++p) { /* read by the four-pixel path, results unused */
            memset(u + p * NNC_PK_K, 0, (size_t)k4);
        }
        conv2d_pk_pixels(u, np, k4, g->out_features, rq, wpk, bias_u, output + (size_t)p0 * (size_t)g->out_features);
    }
}

/* conv2d_inplace_pk_s8: conv2d_pk_s8 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_pk_s8
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant_s8 *rq, const int8_t *input, const int8_t *wpk, const int32_t *bias_u
#define NNC_IP_CALL(s, x, y) conv2d_pk_s8(s, rq, x, wpk, bias_u, y)
#include "inplace_rows.inc"
