/* nncodegen kernels: depthwise convolution, q7, weights packed in blocks of 16 channels (conv2d_dw_q7.h).
 *
 * Per output pixel and block of 16 channels, the taps inside the input (padding skipped) are multiplied
 * and added lane by lane, one lane per channel:
 *   avx512 rows  (AVX-512BW + VL) in_c 1, 2, 4, 8 with horizontal stride 1 and kernels up to 7x7: whole output
 *              rows, 16 consecutive output values per register, two taps per VPMADDWD / VPDPWSSD
 *              (conv2d_dwrow512.inc), the epilogue below
 *   avx512     (__AVX512F__, __AVX512BW__, __AVX512VL__) 16 int32 lanes: the tap's 16 input bytes (a
 *              masked load for the last partial block) and weights widened with VPMOVSXBD, VPMULLD +
 *              VPADDD; epilogue in one register (VPSRAVD, VPMOVDB, a masked byte store) when the shifts
 *              are 1..31 without a leaky slope (nnc_requant_shift_only), else nnc_requantize per lane
 *              For in_c = 1, 2, 4, 8 with horizontal stride 1, runs of 16 / in_c output pixels whose taps lie
 *              inside the input along x fill one register (lane j: pixel j / in_c, channel j % in_c; the
 *              16 input bytes of a tap are contiguous, the weights repeated across the lanes at generation
 *              time, conv2d_dw_q7.h), the bias and shifts repeated with VPERMD
 *   avx2       (NNC_SIMD_AVX2 without AVX-512) 8 int32 lanes: whole groups of 8 channels with VPMOVSXBD +
 *              VPMULLD + VPADDD and nnc_acc8_requant, the rest of a block in the portable loop; 1, 2 or 4
 *              channels with horizontal stride 1: runs of 8 / c pixels per register as above
 *   portable   the same sums in a local block of 16 int32
 * Products are exact (|int8 x int8| <= 2^14) and the sums exact under conv2d_q7's bound, so every path
 * gives conv2d_q7's values. */
#include "conv2d_dw_q7.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && !defined(NNC_NO_SIMD)
#define NNC_DW_AVX512 1
#include "conv2d_dwrow512.inc"

/* conv2d_dw_q7 for in_c 1, 2, 4, 8 with horizontal stride 1 (nnc_dwr_ok), by output rows (conv2d_dwrow512.inc):
 * wdw's lanes already hold w[j % in_c][t] (conv2d_dw_q7.h).  The constants of a layer are prepared once
 * (conv2d_dwr_q7_prep), also for all the one-row calls of conv2d_inplace_dw_q7 (NNC_IP_PREP below). */
typedef struct {
    const nnc_requant *rq;
    int32_t shift_only;
    int32_t w2[NNC_DWR_MAXP * 16];
    int32_t b16[16], s16[16]; /* bias and shift of lane j: channel j % in_c's */
} conv2d_dwr_q7_state;

/* 1 (st prepared) when the layer runs by rows */
static int conv2d_dwr_q7_prep(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *wdw, const int32_t *bias,
                              conv2d_dwr_q7_state *st)
{
    const int32_t c_n = g->in_c;
    int32_t j;
    if (!nnc_dwr_ok(g)) {
        return 0;
    }
    st->rq = rq;
    st->shift_only = nnc_requant_shift_only(rq, c_n);
    for (j = 0; j < 16; ++j) {
        st->b16[j] = bias ? bias[j & (c_n - 1)] : 0;
        st->s16[j] = rq->shift[j & (c_n - 1)];
    }
    nnc_dwr_weights16(st->w2, wdw, g->k_h * g->k_w);
    return 1;
}

/* nnc_requantize of the first nl (<= 32) of the 32 lanes a0, a1 into y (lane j: channel j % c_n).  The two
 * results are joined in one register before the masked store (a down-converting VPMOVDB straight to memory is
 * slow on some x86 cores). */
static inline __attribute__((always_inline)) void conv2d_dwr_q7_out(__m512i a0, __m512i a1,
                                                                  const conv2d_dwr_q7_state *st, int32_t c_n,
                                                                  int32_t nl, int8_t *y)
{
    if (st->shift_only) {
        const __m512i one = _mm512_set1_epi32(1), srep = _mm512_loadu_si512((const void *)st->s16);
        const __m512i lo = _mm512_set1_epi32(st->rq->out_min), hi = _mm512_set1_epi32(st->rq->out_max);
        const __m512i s1 = _mm512_sub_epi32(srep, one);
        const __m512i v0 = nnc_q_rshift512(a0, srep, s1, lo, hi), v1 = nnc_q_rshift512(a1, srep, s1, lo, hi);
        _mm256_mask_storeu_epi8((void *)y, (__mmask32)(((uint64_t)1 << nl) - 1u),
                                _mm256_inserti128_si256(_mm256_castsi128_si256(_mm512_cvtepi32_epi8(v0)),
                                                        _mm512_cvtepi32_epi8(v1), 1));
    } else {
        int32_t v[32], j;
        _mm512_storeu_si512((void *)v, a0);
        _mm512_storeu_si512((void *)(v + 16), a1);
        for (j = 0; j < nl; ++j) {
            y[j] = (int8_t)nnc_requantize(v[j], st->rq, j & (c_n - 1));
        }
    }
}

static void conv2d_dwr_q7_run(const nnc_conv_geom *g, const conv2d_dwr_q7_state *st, const int8_t *input,
                              int8_t *output)
{
    const int32_t c_n = g->in_c, win = g->in_w * c_n, e_n = g->out_w * c_n;
    const __m512i brep = _mm512_loadu_si512((const void *)st->b16);
    nnc_dwr_row r;
    int32_t n, oy, e0;
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            int8_t *y = output + (n * g->out_h + oy) * e_n;
            nnc_dwr_row_prep(g, input, n, oy, &r);
            for (e0 = 0; e0 < e_n; e0 += 32) {
                const int32_t nl = e_n - e0 < 32 ? e_n - e0 : 32;
                __m512i a0, a1;
                nnc_dwr_chunk32(&a0, &a1, brep, &r, e0, nl, win, st->w2, _mm256_setzero_si256(),
                                _mm512_setzero_si512(), 0);
                conv2d_dwr_q7_out(a0, a1, st, c_n, nl, y + e0);
            }
        }
    }
}
#elif defined(NNC_SIMD_AVX2)
#define NNC_DW_AVX2 1
/* 8 int32 lanes += the 8 bytes at x times the 8 bytes at w (both widened with VPMOVSXBD; exact products) */
static __m256i nnc_dw_mac8(__m256i a, const int8_t *x, const int8_t *w)
{
    const __m256i xv = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)x));
    const __m256i wv = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)w));
    return _mm256_add_epi32(a, _mm256_mullo_epi32(xv, wv));
}

/* nnc_requantize of 8 lanes into y: nnc_acc8_requant (nnc_simd_x86.h) for shift-only layers, else per lane;
 * lane j's channel is ch[j] */
static void nnc_dw_out8(__m256i a, const nnc_requant *rq, int shift_only, const int8_t *shift8, const int32_t *ch,
                        int8_t *y)
{
    int32_t v[8], j;
    if (shift_only) {
        nnc_acc8 acc;
        acc.v = a;
        nnc_acc8_requant(acc, shift8, rq->out_min, rq->out_max, v);
    } else {
        _mm256_storeu_si256((__m256i *)(void *)v, a);
        for (j = 0; j < 8; ++j) {
            v[j] = nnc_requantize(v[j], rq, ch[j]);
        }
    }
    for (j = 0; j < 8; ++j) {
        y[j] = (int8_t)v[j];
    }
}
#endif

/* the taps of output pixel (iy0, ix0) that lie inside the input, in (ky, kx) order: the statement runs with x_ =
 * the input pixel's channel coff and w_ = the tap's 16 packed weights (of block wb) */
#define NNC_DW_TAPS(coff, ...)                                                                 \
    for (ky = 0; ky < k_h; ++ky) {                                                             \
        const int32_t iy_ = iy0 + ky * dil_h;                                                  \
        const int8_t *row_;                                                                    \
        if (iy_ < 0 || iy_ >= in_h) {                                                          \
            continue;                                                                          \
        }                                                                                      \
        row_ = input + (n * in_h + iy_) * in_w * c_n + (coff);                                 \
        for (kx = 0; kx < k_w; ++kx) {                                                         \
            const int32_t ix_ = ix0 + kx * dil_w;                                              \
            const int8_t *x_, *w_ = wb + (ky * k_w + kx) * 16;                                 \
            if (ix_ < 0 || ix_ >= in_w) {                                                      \
                continue;                                                                      \
            }                                                                                  \
            x_ = row_ + ix_ * c_n;                                                             \
            __VA_ARGS__;                                                                       \
        }                                                                                      \
    }

void conv2d_dw_q7(const nnc_conv_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *wdw,
                  const int32_t *bias, int8_t *output)
{
    const int32_t c_n = g->in_c, taps = g->k_h * g->k_w, ncb = (c_n + 15) / 16;
    const int32_t in_h = g->in_h, in_w = g->in_w, k_h = g->k_h, k_w = g->k_w;
    const int32_t dil_h = g->dil_h, dil_w = g->dil_w;
    const int shift_only = nnc_requant_shift_only(rq, c_n);
    int32_t n, oy, ox, cb, ky, kx, j;
#if defined(NNC_DW_AVX512)
    if (nnc_dwr_ok(g)) {
        conv2d_dwr_q7_state st;
        conv2d_dwr_q7_prep(g, rq, wdw, bias, &st);
        conv2d_dwr_q7_run(g, &st, input, output);
        return;
    }
    /* 16 / c_n pixels per register: in_c 1, 2, 4, 8 (a power of two: lane j's channel is j & (c_n - 1)) */
    const int32_t run = (c_n == 1 || c_n == 2 || c_n == 4 || c_n == 8) && g->stride_w == 1 ? 16 / c_n : 0;
    const __m512i lane_c = _mm512_and_si512(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(c_n - 1));
    const __mmask16 mc = (__mmask16)(c_n >= 16 ? 0xFFFFu : (1u << c_n) - 1u);
    const __m512i brep = run && bias ? _mm512_permutexvar_epi32(lane_c, _mm512_maskz_loadu_epi32(mc, bias))
                                     : _mm512_setzero_si512();
    const __m512i srep = _mm512_permutexvar_epi32(lane_c, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mc, rq->shift)));
#elif defined(NNC_DW_AVX2)
    /* 8 / c_n pixels per register: in_c 1, 2, 4; lane j's channel ch[j] = j & (c_n - 1) */
    const int32_t run = (c_n == 1 || c_n == 2 || c_n == 4) && g->stride_w == 1 ? 8 / c_n : 0;
    int32_t ch[8], cid[8];
    int8_t srep[8];
    __m256i brep = _mm256_setzero_si256();
    for (j = 0; j < 8; ++j) {
        ch[j] = j & (c_n - 1);
        cid[j] = j;
        srep[j] = run ? rq->shift[ch[j]] : 0;
    }
    if (run && bias) {
        int32_t b8[8];
        for (j = 0; j < 8; ++j) {
            b8[j] = bias[ch[j]];
        }
        brep = _mm256_loadu_si256((const __m256i *)(const void *)b8);
    }
#endif
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            const int32_t iy0 = oy * g->stride_h - g->pad_top;
            for (ox = 0; ox < g->out_w; ++ox) {
                const int32_t ix0 = ox * g->stride_w - g->pad_left;
                int8_t *y = output + ((n * g->out_h + oy) * g->out_w + ox) * c_n;
#if defined(NNC_DW_AVX512) || defined(NNC_DW_AVX2)
                if (run && ox + run <= g->out_w && ix0 >= 0 && ix0 + run - 1 + (k_w - 1) * dil_w < in_w) {
#if defined(NNC_DW_AVX512)
                    __m512i a = brep;
#else
                    __m256i a = brep;
#endif
                    for (ky = 0; ky < k_h; ++ky) {
                        const int32_t iy = iy0 + ky * dil_h;
                        const int8_t *row;
                        if (iy < 0 || iy >= in_h) {
                            continue;
                        }
                        row = input + ((n * in_h + iy) * in_w + ix0) * c_n;
                        for (kx = 0; kx < k_w; ++kx) {
#if defined(NNC_DW_AVX512)
                            const __m512i xv = _mm512_cvtepi8_epi32(
                                _mm_loadu_si128((const __m128i *)(const void *)(row + kx * dil_w * c_n)));
                            const __m512i wv = _mm512_cvtepi8_epi32(
                                _mm_loadu_si128((const __m128i *)(const void *)(wdw + (ky * k_w + kx) * 16)));
                            a = _mm512_add_epi32(a, _mm512_mullo_epi32(xv, wv));
#else
                            a = nnc_dw_mac8(a, row + kx * dil_w * c_n, wdw + (ky * k_w + kx) * 16);
#endif
                        }
                    }
#if defined(NNC_DW_AVX512)
                    if (shift_only) {
                        const __m512i r = nnc_q_rshift512(a, srep, _mm512_sub_epi32(srep, _mm512_set1_epi32(1)),
                                                          _mm512_set1_epi32(rq->out_min),
                                                          _mm512_set1_epi32(rq->out_max));
                        _mm_storeu_si128((__m128i *)(void *)y, _mm512_cvtepi32_epi8(r));
                    } else {
                        int32_t v[16];
                        _mm512_storeu_si512((void *)v, a);
                        for (j = 0; j < 16; ++j) {
                            y[j] = (int8_t)nnc_requantize(v[j], rq, j & (c_n - 1));
                        }
                    }
#else
                    nnc_dw_out8(a, rq, shift_only, srep, ch, y);
#endif
                    ox += run - 1;
                    continue;
                }
#endif
                for (cb = 0; cb < ncb; ++cb) {
                    const int32_t c0 = cb * 16, nc = c_n - c0 < 16 ? c_n - c0 : 16;
                    const int8_t *wb = wdw + cb * taps * 16;
#if defined(NNC_DW_AVX512)
                    const __mmask16 m = (__mmask16)(nc >= 16 ? 0xFFFFu : (1u << nc) - 1u);
                    __m512i a = bias ? _mm512_maskz_loadu_epi32(m, bias + c0) : _mm512_setzero_si512();
                    NNC_DW_TAPS(c0, {
                        const __m512i xv = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, x_));
                        const __m512i wv = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)w_));
                        a = _mm512_add_epi32(a, _mm512_mullo_epi32(xv, wv));
                    });
                    if (shift_only) {
                        const __m512i s = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, rq->shift + c0));
                        const __m512i r = nnc_q_rshift512(a, s, _mm512_sub_epi32(s, _mm512_set1_epi32(1)),
                                                          _mm512_set1_epi32(rq->out_min),
                                                          _mm512_set1_epi32(rq->out_max));
                        _mm_mask_storeu_epi8((void *)(y + c0), m, _mm512_cvtepi32_epi8(r));
                    } else {
                        int32_t v[16];
                        _mm512_storeu_si512((void *)v, a);
                        for (j = 0; j < nc; ++j) {
                            y[c0 + j] = (int8_t)nnc_requantize(v[j], rq, c0 + j);
                        }
                    }
#else
                    int32_t acc[16];
                    int32_t j0 = 0; /* channels c0 .. c0 + j0 - 1 done by the vector path */
#if defined(NNC_DW_AVX2)
                    for (; j0 + 8 <= nc; j0 += 8) {
                        __m256i a = bias ? _mm256_loadu_si256((const __m256i *)(const void *)(bias + c0 + j0))
                                         : _mm256_setzero_si256();
                        int32_t chj[8]; /* the lanes' channels (general epilogue) */
                        NNC_DW_TAPS(c0 + j0, a = nnc_dw_mac8(a, x_, w_ + j0));
                        for (j = 0; j < 8; ++j) {
                            chj[j] = c0 + j0 + cid[j];
                        }
                        nnc_dw_out8(a, rq, shift_only, rq->shift + c0 + j0, chj, y + c0 + j0);
                    }
#endif
                    for (j = j0; j < nc; ++j) {
                        acc[j] = bias ? bias[c0 + j] : 0;
                    }
                    NNC_DW_TAPS(c0, {
                        for (j = j0; j < nc; ++j) {
                            acc[j] += x_[j] * w_[j];
                        }
                    });
                    (void)shift_only;
                    for (j = j0; j < nc; ++j) {
                        y[c0 + j] = (int8_t)nnc_requantize(acc[j], rq, c0 + j);
                    }
#endif
                }
            }
        }
    }
}

/* conv2d_inplace_dw_q7: conv2d_dw_q7 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_dw_q7
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant *rq, const int8_t *input, const int8_t *wdw, const int32_t *bias
#if defined(NNC_DW_AVX512) /* the by-rows path's constants prepared once for all the rows */
#define NNC_IP_PREP                                                                                                   \
    conv2d_dwr_q7_state dwr_;                                                                                         \
    const int dwr_on_ = conv2d_dwr_q7_prep(g, rq, wdw, bias, &dwr_);
#define NNC_IP_CALL(s, x, y) (dwr_on_ ? conv2d_dwr_q7_run(s, &dwr_, x, y) : conv2d_dw_q7(s, rq, x, wdw, bias, y))
#else
#define NNC_IP_CALL(s, x, y) conv2d_dw_q7(s, rq, x, wdw, bias, y)
#endif
#include "inplace_rows.inc"
