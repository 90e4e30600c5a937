/* nncodegen kernels: add, sub, mul, affine int8 (TFLite reference_integer_ops
 * add.h and mul.h).  add / sub: each operand plus its offset (|.| <= 255) is
 * shifted left by left_shift (<= 22: |.| < 2^30), scaled by its multiplier
 * (< 1), summed (|.| < 2^31) and requantized; mul: the product of the offset
 * operands (|.| <= 2^16) is requantized. */
#include "eltwise_s8.h"
#include "nnc_affine.h"
#include "nnc_simd.h"

static int8_t eltwise_s8_one(const nnc_eltwise_s8 *p, int32_t op, int32_t a, int32_t b)
{
    int32_t v;
    a += p->a_offset;
    b += p->b_offset;
    if (p->rounding == NNC_ROUND_ORT) { /* onnxruntime's QLinearAdd (see nnc_eltwise_s8); add only */
        const uint32_t t = p->ort_table[b - p->b_offset + 128];
        v = nnc_sf_rint(nnc_sf_fma(nnc_sf_from_i32(a), (uint32_t)p->a_multiplier, t));
        v = (v < 0 ? 0 : (v > 255 ? 255 : v)) + p->out_offset;
        return (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
    }
    if (op == 2) {
        v = nnc_mbqm(a * b, p->out_multiplier, p->out_shift, p->rounding);
    } else {
        const int32_t sa = nnc_mbqm(a * (1 << p->left_shift), p->a_multiplier, p->a_shift, p->rounding);
        const int32_t sb = nnc_mbqm(b * (1 << p->left_shift), p->b_multiplier, p->b_shift, p->rounding);
        const int32_t raw = nnc_sat32(op == 0 ? (int64_t)sa + sb : (int64_t)sa - sb);
        v = nnc_mbqm(raw, p->out_multiplier, p->out_shift, p->rounding);
    }
    v += p->out_offset;
    return (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
}

/* The table paths (eltwise_s8_tables) on 64-bit hosts, whose stacks hold their 2-3 KB of tables. */
#ifndef NNC_ELTWISE_TABLES
#if defined(NNC_SIMD_X86) || defined(__aarch64__)
#define NNC_ELTWISE_TABLES 1
#else
#define NNC_ELTWISE_TABLES 0
#endif
#endif

#if NNC_ELTWISE_TABLES
/* onnxruntime-mode add without float emulation.  With a' = a + 128 in 0..255, onnxruntime's value is
 * v = rint(fl(a' A + T[b])) (one rounding: fma), then min(max(v, 0), 255).  Here S = a' A + T[b] is
 * computed in fixed point with 40 fraction bits: a' A exactly (A = m 2^e with 2^-17 <= A < 2^10: m
 * 2^(e + 40) is an integer below 2^50), T[b] truncated (error below 2^-40; |T| >= 2^21 saturated to
 * +-2^21, where S keeps T's sign and |S| > 256 either way).  r = floor(S + 1/2) is onnxruntime's v unless
 * S lies within 2^-15 of a half-integer: for |S| < 256 the float rounding moves S by at most 2^-17
 * (float32's half ulp below 256), and beyond the clamp bounds both give the same clamped value
 * (fl and rint are monotone, 255.5 and -0.5 are floats).  Such elements (about 1 in 30,000) take
 * eltwise_s8_one.  eltwise_s8_ort_fix returns 0 (and the kernel keeps eltwise_s8_one) for A outside
 * that range or a NaN / infinite T. */
#define NNC_ORT_FRAC 40
static int eltwise_s8_ort_fix(const nnc_eltwise_s8 *p, int64_t *afix, int64_t *tfix)
{
    const uint32_t ab = (uint32_t)p->a_multiplier;
    const int32_t ae = (int32_t)((ab >> 23) & 0xFFu);
    int32_t i;
    if (ae < 127 - 17 || ae > 127 + 9) {
        return 0;
    }
    *afix = (int64_t)((ab & 0x7FFFFFu) | 0x800000u) << (ae - 150 + NNC_ORT_FRAC);
    if (ab >> 31) {
        *afix = -*afix;
    }
    for (i = 0; i < 256; ++i) {
        const uint32_t t = p->ort_table[i];
        const int32_t e = (int32_t)((t >> 23) & 0xFFu), sh = e - 150 + NNC_ORT_FRAC;
        const int64_t m = (int64_t)((t & 0x7FFFFFu) | 0x800000u);
        int64_t v;
        if (e == 255) {
            return 0;
        }
        if (e == 0) {
            v = 0; /* subnormal or zero: below 2^-126 */
        } else if (sh >= 0) {
            v = sh > 37 ? (int64_t)1 << 61 : m << sh;
        } else {
            v = sh < -62 ? 0 : m >> -sh;
        }
        tfix[i] = (t >> 31) ? -v : v;
    }
    return 1;
}

/* one element of the onnxruntime-mode add from its fixed-point terms pa = a' A and tb = T[b]; *near set
 * where S is within 2^-15 of a half-integer */
static inline int32_t eltwise_s8_ort_elem(const nnc_eltwise_s8 *p, int64_t pa, int64_t tb, uint32_t *near)
{
    const int64_t q = pa + tb + ((int64_t)1 << (NNC_ORT_FRAC - 1));
    const int64_t f = (q & (((int64_t)1 << NNC_ORT_FRAC) - 1)) + ((int64_t)1 << (NNC_ORT_FRAC - 15));
    int64_t r = q >> NNC_ORT_FRAC; /* floor (arithmetic shift: nnc_affine.h checks it) */
    int32_t v;
    *near |= (uint32_t)(f < ((int64_t)1 << (NNC_ORT_FRAC - 14)) || f > ((int64_t)1 << NNC_ORT_FRAC));
    r = r < 0 ? 0 : (r > 255 ? 255 : r);
    v = (int32_t)r + p->out_offset;
    return v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v);
}
#endif

#if defined(NNC_HAVE_RQ16_S8)
/* nnc_rq16_s8's form of one requantization (multiplier, shift) in all 16 lanes, into the output's offset and
 * bounds: m16 / s16 filled, rq pointing at them, q prepared; returns whether nnc_rq16_s8 takes the constants */
static int eltwise_s8_rq16(const nnc_eltwise_s8 *p, int32_t multiplier, int32_t shift, int32_t *m16, int32_t *s16,
                           nnc_requant_s8 *rq, nnc_rq16_s8 *q)
{
    int ok;
    _mm512_storeu_si512((void *)m16, _mm512_set1_epi32(multiplier)); /* whole vectors: the prep's loads forward */
    _mm512_storeu_si512((void *)s16, _mm512_set1_epi32(shift));
    rq->multiplier = m16;
    rq->shift = s16;
    rq->input_offset = 0;
    rq->output_offset = p->out_offset;
    rq->out_min = p->out_min;
    rq->out_max = p->out_max;
    rq->rounding = p->rounding;
    ok = nnc_rq16_s8_ok(rq, 16);
    nnc_rq16_s8_prep(rq, 0, 16, q);
    return ok;
}
#endif

#if defined(NNC_HAVE_RQ16_S8)
/* eight contiguous elements of the onnxruntime-mode add (eltwise_s8_ort_elem in 64-bit lanes, VPGATHERDQ
 * from the fixed-point tables); returns 0, with nothing written, when one of them is near a half */
static int eltwise_s8_ort8(const nnc_eltwise_s8 *p, const int64_t *pa, const int64_t *tb, const int8_t *a,
                           const int8_t *b, int8_t *y)
{
    const __m256i c128 = _mm256_set1_epi32(128);
    const __m256i ia = _mm256_add_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)a)), c128);
    const __m256i ib = _mm256_add_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)b)), c128);
    const __m512i q = _mm512_add_epi64(_mm512_add_epi64(_mm512_i32gather_epi64(ia, (const void *)pa, 8),
                                                        _mm512_i32gather_epi64(ib, (const void *)tb, 8)),
                                       _mm512_set1_epi64((int64_t)1 << (NNC_ORT_FRAC - 1)));
    const __m512i f = _mm512_add_epi64(_mm512_and_si512(q, _mm512_set1_epi64(((int64_t)1 << NNC_ORT_FRAC) - 1)),
                                       _mm512_set1_epi64((int64_t)1 << (NNC_ORT_FRAC - 15)));
    __m512i r;
    if ((_mm512_cmplt_epi64_mask(f, _mm512_set1_epi64((int64_t)1 << (NNC_ORT_FRAC - 14))) |
         _mm512_cmpgt_epi64_mask(f, _mm512_set1_epi64((int64_t)1 << NNC_ORT_FRAC))) != 0) {
        return 0;
    }
    r = _mm512_srai_epi64(q, NNC_ORT_FRAC);
    r = _mm512_min_epi64(_mm512_max_epi64(r, _mm512_setzero_si512()), _mm512_set1_epi64(255));
    r = _mm512_add_epi64(r, _mm512_set1_epi64(p->out_offset));
    r = _mm512_min_epi64(_mm512_max_epi64(r, _mm512_set1_epi64(p->out_min)), _mm512_set1_epi64(p->out_max));
    _mm_storel_epi64((__m128i *)(void *)y, _mm512_cvtepi64_epi8(r));
    return 1;
}
#endif

#if defined(NNC_HAVE_RQ16_S8) && defined(__AVX512BW__) && defined(__AVX512VL__)
/* The onnxruntime-mode add in float32 where the MXCSR holds its defaults (round to nearest even, no flush to
 * zero, no denormals-are-zero): onnxruntime's own operations, each correctly rounded, so the same bits as
 * eltwise_s8_one's emulation.  T[b] = fma(b', B, F) is recomputed and checked against ort_table for all 256 b
 * (returns 0, nothing written, on a difference, a NaN or an infinity), then per 16 contiguous elements
 * v = fma(a', A, T[b]) clamped to [0, 255] before the conversion (the bounds are integers: the same as rounding
 * first), plus out_offset within out_min .. out_max.  Rows whose last dimension is contiguous in a and b only. */
static int eltwise_s8_ort_f512(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *y)
{
    const int32_t *sh = p->bc.shape, *as = p->bc.a_stride, *bs = p->bc.b_stride;
    const __m512 av = _mm512_castsi512_ps(_mm512_set1_epi32(p->a_multiplier));
    const __m512 bv = _mm512_castsi512_ps(_mm512_set1_epi32(p->b_multiplier));
    const __m512 fv = _mm512_castsi512_ps(_mm512_set1_epi32(p->out_multiplier));
    const __m512 lo = _mm512_setzero_ps(), hi = _mm512_set1_ps(255.0f);
    const __m512i ao = _mm512_set1_epi32(p->a_offset), bo = _mm512_set1_epi32(p->b_offset);
    const __m512i off = _mm512_set1_epi32(p->out_offset), omin = _mm512_set1_epi32(p->out_min);
    const __m512i omax = _mm512_set1_epi32(p->out_max), ex = _mm512_set1_epi32(0x7F800000);
    const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    int32_t i0, i1, i2, i3;
    if ((_mm_getcsr() & 0xE040u) != 0 || as[3] != 1 || bs[3] != 1 ||
        ((uint32_t)p->a_multiplier & 0x7F800000u) == 0x7F800000u) {
        return 0;
    }
    for (i3 = 0; i3 < 256; i3 += 16) {
        const __m512i bi = _mm512_add_epi32(_mm512_add_epi32(lanes, _mm512_set1_epi32(i3 - 128)), bo);
        const __m512i t = _mm512_castps_si512(_mm512_fmadd_ps(_mm512_cvtepi32_ps(bi), bv, fv));
        const __m512i tab = _mm512_loadu_si512((const void *)(p->ort_table + i3));
        if ((_mm512_cmpneq_epi32_mask(t, tab) | _mm512_cmpeq_epi32_mask(_mm512_and_si512(tab, ex), ex)) != 0) {
            return 0;
        }
    }
    for (i0 = 0; i0 < sh[0]; ++i0) {
        for (i1 = 0; i1 < sh[1]; ++i1) {
            for (i2 = 0; i2 < sh[2]; ++i2, y += sh[3]) {
                const int8_t *ra = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int8_t *rb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                for (i3 = 0; i3 < sh[3]; i3 += 16) { /* each 16 read before they are written (in place) */
                    const __mmask16 m = sh[3] - i3 >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (sh[3] - i3)) - 1u);
                    const __m512i xa = _mm512_add_epi32(
                        _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, (const void *)(ra + i3))), ao);
                    const __m512i xb = _mm512_add_epi32(
                        _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, (const void *)(rb + i3))), bo);
                    const __m512 t = _mm512_fmadd_ps(_mm512_cvtepi32_ps(xb), bv, fv);
                    const __m512 v =
                        _mm512_min_ps(_mm512_max_ps(_mm512_fmadd_ps(_mm512_cvtepi32_ps(xa), av, t), lo), hi);
                    const __m512i r = _mm512_min_epi32(
                        _mm512_max_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(v), off), omin), omax);
                    _mm_mask_storeu_epi8((void *)(y + i3), m, _mm512_cvtepi32_epi8(r));
                }
            }
        }
    }
    return 1;
}
#endif

#if defined(NNC_HAVE_RQ16_S8) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VBMI__)
#define NNC_ELTWISE_PLANES512 1
/* eltwise_s8_direct512 with VBMI, 64 elements a step: the operands' scaled values sa = nnc_rq16_s32(x, q[0])
 * (x = (a + a_offset) << left_shift) are computed once for all 256 bytes a, sb likewise (negated for sub), kept as
 * byte planes (plane j, register c: byte j of the values of the bytes 64c .. 64c + 63 taken as uint8), and looked
 * up per element with two VPERMI2B and a blend on the byte's top bit per plane; VPUNPCK*BW / *WD rebuild the
 * int32 values 16 at a time, of elements in the order of the unpacks' 128-bit lanes, which a VPERMB of the input
 * bytes (position 16L + 4k + i <- element 16k + 4L + i) makes elements 16k .. 16k + 15 of the step.  sa +- sb is
 * then direct512's sum, requantized by the same nnc_rq16_s8_store: the same bytes.  Runs over the whole tensor
 * where a and b are contiguous, else over rows of at least 64 elements; returns 0 (nothing written) otherwise. */
static void eltwise_s8_planes(const int32_t *t, __m512i pl[4][4])
{
    static const uint8_t grp[64] = {0, 4, 8,  12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60,
                                    1, 5, 9,  13, 17, 21, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61,
                                    2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58, 62,
                                    3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63};
    const __m512i gv = _mm512_loadu_si512((const void *)grp);
    int32_t c, i;
    for (c = 0; c < 4; ++c) { /* 128-bit lane j of v[i]: byte j of values 64c + 16i .. 64c + 16i + 15 */
        __m512i v[4], t0, t1, t2, t3;
        for (i = 0; i < 4; ++i) {
            v[i] = _mm512_permutexvar_epi8(gv, _mm512_loadu_si512((const void *)(t + 64 * c + 16 * i)));
        }
        t0 = _mm512_shuffle_i64x2(v[0], v[1], 0x44);
        t1 = _mm512_shuffle_i64x2(v[0], v[1], 0xEE);
        t2 = _mm512_shuffle_i64x2(v[2], v[3], 0x44);
        t3 = _mm512_shuffle_i64x2(v[2], v[3], 0xEE);
        pl[0][c] = _mm512_shuffle_i64x2(t0, t2, 0x88);
        pl[1][c] = _mm512_shuffle_i64x2(t0, t2, 0xDD);
        pl[2][c] = _mm512_shuffle_i64x2(t1, t3, 0x88);
        pl[3][c] = _mm512_shuffle_i64x2(t1, t3, 0xDD);
    }
}

/* the four int32 vectors of the values of the 64 bytes u (permuted as above) from planes pl */
static inline __attribute__((always_inline)) void eltwise_s8_look(__m512i pl[4][4], __m512i u, __m512i d[4])
{
    const __mmask64 top = _mm512_movepi8_mask(u);
    __m512i bj[4], wl0, wh0, wl1, wh1;
    int32_t j;
    for (j = 0; j < 4; ++j) {
        bj[j] = _mm512_mask_blend_epi8(top, _mm512_permutex2var_epi8(pl[j][0], u, pl[j][1]),
                                       _mm512_permutex2var_epi8(pl[j][2], u, pl[j][3]));
    }
    wl0 = _mm512_unpacklo_epi8(bj[0], bj[1]);
    wh0 = _mm512_unpackhi_epi8(bj[0], bj[1]);
    wl1 = _mm512_unpacklo_epi8(bj[2], bj[3]);
    wh1 = _mm512_unpackhi_epi8(bj[2], bj[3]);
    d[0] = _mm512_unpacklo_epi16(wl0, wl1);
    d[1] = _mm512_unpackhi_epi16(wl0, wl1);
    d[2] = _mm512_unpacklo_epi16(wh0, wh1);
    d[3] = _mm512_unpackhi_epi16(wh0, wh1);
}

static int eltwise_s8_planes512(const nnc_eltwise_s8 *p, int32_t op, const nnc_rq16_s8 *q, const nnc_requant_s8 *rq,
                                __m512i ao, __m512i bo, __m128i ls, const int8_t *a, const int8_t *b, int8_t *y)
{
    const int32_t *sh = p->bc.shape, *as = p->bc.a_stride, *bs = p->bc.b_stride;
    const int whole = as[2] == sh[3] && as[1] == sh[2] * sh[3] && as[0] == sh[1] * sh[2] * sh[3] &&
                      bs[2] == sh[3] && bs[1] == sh[2] * sh[3] && bs[0] == sh[1] * sh[2] * sh[3];
    const int32_t run = whole ? sh[0] * sh[1] * sh[2] * sh[3] : sh[3];
    const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    static const uint8_t perm[64] = {0,  1,  2,  3,  16, 17, 18, 19, 32, 33, 34, 35, 48, 49, 50, 51,
                                     4,  5,  6,  7,  20, 21, 22, 23, 36, 37, 38, 39, 52, 53, 54, 55,
                                     8,  9,  10, 11, 24, 25, 26, 27, 40, 41, 42, 43, 56, 57, 58, 59,
                                     12, 13, 14, 15, 28, 29, 30, 31, 44, 45, 46, 47, 60, 61, 62, 63};
    int32_t tab[2][256], i0, i1, i2, i3, k;
    __m512i pa[4][4], pb[4][4], pv;
    if (run < 64) {
        return 0;
    }
    for (i3 = 0; i3 < 256; i3 += 16) { /* the values of the bytes i3 .. i3 + 15 as uint8 */
        const __m512i v = _mm512_add_epi32(lanes, _mm512_set1_epi32(i3 < 128 ? i3 : i3 - 256));
        const __m512i vb = nnc_rq16_s32(_mm512_sll_epi32(_mm512_add_epi32(v, bo), ls), &q[1], p->rounding);
        _mm512_storeu_si512((void *)(tab[0] + i3),
                            nnc_rq16_s32(_mm512_sll_epi32(_mm512_add_epi32(v, ao), ls), &q[0], p->rounding));
        _mm512_storeu_si512((void *)(tab[1] + i3), op == 1 ? _mm512_sub_epi32(_mm512_setzero_si512(), vb) : vb);
    }
    eltwise_s8_planes(tab[0], pa);
    eltwise_s8_planes(tab[1], pb);
    pv = _mm512_loadu_si512((const void *)perm);
    for (i0 = 0; i0 < (whole ? 1 : sh[0]); ++i0) {
        for (i1 = 0; i1 < (whole ? 1 : sh[1]); ++i1) {
            for (i2 = 0; i2 < (whole ? 1 : sh[2]); ++i2, y += run) {
                const int8_t *ra = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int8_t *rb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                for (i3 = 0; i3 < run; i3 += 64) { /* each 64 read before they are written (in place) */
                    const int32_t nc = run - i3 < 64 ? run - i3 : 64;
                    const __mmask64 mk = nc == 64 ? ~(__mmask64)0 : (((__mmask64)1 << nc) - 1);
                    __m512i da[4], db[4];
                    eltwise_s8_look(pa, _mm512_permutexvar_epi8(pv, _mm512_maskz_loadu_epi8(mk, ra + i3)), da);
                    eltwise_s8_look(pb, _mm512_permutexvar_epi8(pv, _mm512_maskz_loadu_epi8(mk, rb + i3)), db);
                    for (k = 0; k < 4 && 16 * k < nc; ++k) {
                        nnc_rq16_s8_store(_mm512_add_epi32(da[k], db[k]), &q[2], &rq[2], 0,
                                          nc - 16 * k < 16 ? nc - 16 * k : 16, y + i3 + 16 * k);
                    }
                }
            }
        }
    }
    return 1;
}

/* The four bytes of the 32-bit values of the 64 bytes u (not permuted) from planes pl, as four byte vectors */
static inline __attribute__((always_inline)) void eltwise_s8_look8(__m512i pl[4][4], __m512i u, __m512i bj[4])
{
    const __mmask64 top = _mm512_movepi8_mask(u);
    int32_t j;
    for (j = 0; j < 4; ++j) {
        bj[j] = _mm512_mask_blend_epi8(top, _mm512_permutex2var_epi8(pl[j][0], u, pl[j][1]),
                                       _mm512_permutex2var_epi8(pl[j][2], u, pl[j][3]));
    }
}

/* the low 32 bits of (P >> (T - 16)) + o, that is ((P >> T) + o) << 16 | ((P >> (T - 16)) & 0xFFFF), of the 64-bit
 * products pe (even lanes) and po (odd lanes), as 16 lanes (th = T - 16, o = offset << 16) */
static inline __attribute__((always_inline)) __m512i eltwise_s8_qh16(__m512i pe, __m512i po, __m128i th, __m512i o)
{
    return _mm512_add_epi32(_mm512_mask_blend_epi32((__mmask16)0xAAAA, _mm512_sra_epi64(pe, th),
                                                    _mm512_slli_epi64(_mm512_sra_epi64(po, th), 32)), o);
}

/* add / sub (double or single rounding) with VBMI in 16-bit lanes where the output shift makes T = 31 - out_shift
 * at least 47.  The output value is g = floor((raw m + R) / 2^T), raw = sa + sb (eltwise_s8_direct512), m > 0,
 * R = 2^(T - 1) (single) or 2^(T - 1) + 2^30 - 2^31 [raw < 0] (double).  With Pa = sa m and Pb = sb m + R0 (R0 = R
 * for raw >= 0), Pa = Qa 2^T + ra, Pb = Qb 2^T + rb (0 <= r < 2^T): g = Qa + Qb + [ra + rb >= 2^T] for raw >= 0.
 * |sa|, |sb| < 2^29 and m < 2^31 give |Q| <= 2^13 + 1: Q + out_offset fits 16 bits.  Each operand's table holds
 * (Q (+ out_offset for a)) << 16 | h, h = the top 16 bits of r (r >> (T - 16)), looked up as four byte planes (VPERMI2B
 * as in eltwise_s8_planes512, no input permutation); per 32 elements in 16-bit lanes, s = ha + hb modulo 2^16 and
 * its carry c (s < ha): the carry of ra + rb unless s = 0xFFFF (ra + rb within 2^(T - 16) below 2^T), and
 * l = ra + rb - c 2^T >= s 2^(T - 16), so for s >= 1 l >= 2^31.  Double rounding, raw < 0: g = Q - [l < 2^31] (R0
 * is 2^31 above raw < 0's R), and Q >= 1 only for raw > 0; so g = Q + c unless s = 0xFFFF, or, double, s = 0 and
 * Q + c <= 0 (s = 0 alone is tested: one compare).  Those lanes' blocks of 64 take direct512's arithmetic.  Where every ra and rb (R0 = 2^(T - 1)) is a
 * multiple of 2^(T - 16) (scales in power-of-two ratios, where ties are common), s is exact: the carry is c, l = s
 * 2^(T - 16), and double rounding's g = Q + c - [s = 0 and Q + c <= 0] (l = 0: raw m = (2 (Q + c) - 1) 2^(T - 1)),
 * no lane falls back.  Q + c (+ out_offset) is packed with signed saturation (VPACKSSWB restores the element order
 * of VPUNPCKL/HBW) and clamped to out_min .. out_max.  Same runs as planes512; returns 0 (nothing written) where
 * T < 47, m <= 0 or the tensor has fewer than 384 elements. */
static int eltwise_s8_qh512(const nnc_eltwise_s8 *p, int32_t op, const nnc_rq16_s8 *q, const nnc_requant_s8 *rq,
                            __m512i ao, __m512i bo, __m128i ls, const int8_t *a, const int8_t *b, int8_t *y)
{
    const int32_t *sh = p->bc.shape, *as = p->bc.a_stride, *bs = p->bc.b_stride;
    const int whole = as[2] == sh[3] && as[1] == sh[2] * sh[3] && as[0] == sh[1] * sh[2] * sh[3] &&
                      bs[2] == sh[3] && bs[1] == sh[2] * sh[3] && bs[0] == sh[1] * sh[2] * sh[3];
    const int32_t run = whole ? sh[0] * sh[1] * sh[2] * sh[3] : sh[3];
    const int32_t t = 31 - p->out_shift, dbl = p->rounding == NNC_ROUND_DOUBLE;
    const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i mo = _mm512_set1_epi64(p->out_multiplier);
    const __m128i th = _mm_cvtsi32_si128(t - 16);
    const __m512i m1 = _mm512_set1_epi16(-1), z = _mm512_setzero_si512();
    const __m512i offw = _mm512_set1_epi16((int16_t)p->out_offset), one = _mm512_set1_epi16(1);
    const __m512i lo8 = _mm512_set1_epi8((char)p->out_min), hi8 = _mm512_set1_epi8((char)p->out_max);
    const __m512i off = _mm512_set1_epi32((int32_t)((uint32_t)p->out_offset << 16));
    int32_t tab[2][256], i0, i1, i2, i3, k, pass;
    __m512i pa[4][4], pb[4][4], low = z;
    int aligned = 0;
    if (run < 64 || sh[0] * sh[1] * sh[2] * sh[3] < 384 || t < 47 || t > 62 || p->out_multiplier <= 0) {
        return 0; /* below 384 elements planes512's shorter set-up wins */
    }
    for (pass = 0; pass < 2; ++pass) { /* pass 1: double rounding's b table again where every r is aligned */
        const __m512i r0 = _mm512_set1_epi64(((int64_t)1 << (t - 1)) +
                                             (dbl && pass == 0 ? (int64_t)1 << 30 : 0)); /* R0 */
        for (i3 = 0; i3 < 256; i3 += 16) { /* the values of the bytes i3 .. i3 + 15 as uint8 */
            const __m512i v = _mm512_add_epi32(lanes, _mm512_set1_epi32(i3 < 128 ? i3 : i3 - 256));
            __m512i vb = nnc_rq16_s32(_mm512_sll_epi32(_mm512_add_epi32(v, bo), ls), &q[1], p->rounding), pe, po;
            vb = op == 1 ? _mm512_sub_epi32(z, vb) : vb;
            pe = _mm512_mul_epi32(vb, mo);
            po = _mm512_mul_epi32(_mm512_srli_epi64(vb, 32), mo);
            if (pass == 0) {
                const __m512i va = nnc_rq16_s32(_mm512_sll_epi32(_mm512_add_epi32(v, ao), ls), &q[0], p->rounding);
                const __m512i qe = _mm512_mul_epi32(va, mo), qo = _mm512_mul_epi32(_mm512_srli_epi64(va, 32), mo);
                low = _mm512_or_si512(_mm512_or_si512(low, _mm512_or_si512(qe, qo)), _mm512_or_si512(pe, po));
                _mm512_storeu_si512((void *)(tab[0] + i3), eltwise_s8_qh16(qe, qo, th, off));
            }
            _mm512_storeu_si512((void *)(tab[1] + i3),
                                eltwise_s8_qh16(_mm512_add_epi64(pe, r0), _mm512_add_epi64(po, r0), th, z));
        }
        aligned = _mm512_test_epi64_mask(low, _mm512_set1_epi64(((int64_t)1 << (t - 16)) - 1)) == 0;
        if (!dbl || !aligned) {
            break;
        }
    }
    if (!aligned) { /* 256 of the 65,536 (a, b) pairs: more than 2 that fall back (about 1 %, blocks of 64 falling
                     * back about half the time) and planes512 is faster; ordinary scales: none or a few of 65,536 */
        const __m512i rev = _mm512_set_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i l16 = _mm512_set1_epi32(0xFFFF);
        __m512i hits = z;
        for (k = 0; k < 16; ++k) { /* a's block k against b's block 5 k + 3 (mod 16), lanes reversed */
            const __m512i vb = _mm512_loadu_si512((const void *)(tab[1] + 16 * ((5 * k + 3) & 15)));
            const __m512i v = _mm512_add_epi32(_mm512_loadu_si512((const void *)(tab[0] + 16 * k)),
                                               _mm512_permutexvar_epi32(rev, vb));
            const __m512i lw = _mm512_and_si512(v, l16);
            __mmask16 f = _mm512_cmpeq_epi32_mask(lw, l16);
            if (dbl) {
                f |= _mm512_cmpeq_epi32_mask(lw, z);
            }
            hits = _mm512_mask_sub_epi32(hits, f, hits, _mm512_set1_epi32(-1));
        }
        if (_mm512_reduce_add_epi32(hits) > 2) {
            return 0;
        }
    }
    eltwise_s8_planes(tab[0], pa);
    eltwise_s8_planes(tab[1], pb);
    for (i0 = 0; i0 < (whole ? 1 : sh[0]); ++i0) {
        for (i1 = 0; i1 < (whole ? 1 : sh[1]); ++i1) {
            for (i2 = 0; i2 < (whole ? 1 : sh[2]); ++i2, y += run) {
                const int8_t *ra = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int8_t *rb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                for (i3 = 0; i3 < run; i3 += 64) { /* each 64 read before they are written (in place) */
                    const int32_t nc = run - i3 < 64 ? run - i3 : 64;
                    const __mmask64 mk = nc == 64 ? ~(__mmask64)0 : (((__mmask64)1 << nc) - 1);
                    __m512i va[4], vb[4], r[2];
                    __mmask32 amb = 0;
                    eltwise_s8_look8(pa, _mm512_maskz_loadu_epi8(mk, ra + i3), va);
                    eltwise_s8_look8(pb, _mm512_maskz_loadu_epi8(mk, rb + i3), vb);
                    for (k = 0; k < 2; ++k) {
                        const __m512i ha = k ? _mm512_unpackhi_epi8(va[0], va[1]) : _mm512_unpacklo_epi8(va[0], va[1]);
                        const __m512i hb = k ? _mm512_unpackhi_epi8(vb[0], vb[1]) : _mm512_unpacklo_epi8(vb[0], vb[1]);
                        const __m512i qa = k ? _mm512_unpackhi_epi8(va[2], va[3]) : _mm512_unpacklo_epi8(va[2], va[3]);
                        const __m512i qb = k ? _mm512_unpackhi_epi8(vb[2], vb[3]) : _mm512_unpacklo_epi8(vb[2], vb[3]);
                        const __m512i s = _mm512_add_epi16(ha, hb);
                        __m512i g = _mm512_add_epi16(qa, qb);
                        g = _mm512_mask_sub_epi16(g, _mm512_cmplt_epu16_mask(s, ha), g, m1); /* + carry */
                        if (aligned) {
                            if (dbl) { /* the tie of raw < 0 */
                                g = _mm512_mask_add_epi16(
                                    g, _mm512_cmpeq_epi16_mask(s, z) & _mm512_cmple_epi16_mask(g, offw), g, m1);
                            }
                        } else if (dbl) { /* s = 0xFFFF or 0 */
                            amb |= _mm512_cmple_epu16_mask(_mm512_sub_epi16(s, m1), one);
                        } else {
                            amb |= _mm512_cmpeq_epi16_mask(s, m1);
                        }
                        r[k] = g;
                    }
                    if (amb != 0) {
                        for (k = 0; k < 4 && 16 * k < nc; ++k) {
                            const int32_t n = nc - 16 * k < 16 ? nc - 16 * k : 16;
                            const __mmask16 m16 = (__mmask16)(n == 16 ? 0xFFFFu : (1u << n) - 1u);
                            const __m512i xa = _mm512_sll_epi32(
                                _mm512_add_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m16, ra + i3 + 16 * k)), ao),
                                ls);
                            const __m512i xb = _mm512_sll_epi32(
                                _mm512_add_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m16, rb + i3 + 16 * k)), bo),
                                ls);
                            const __m512i sa = nnc_rq16_s32(xa, &q[0], p->rounding);
                            const __m512i sb = nnc_rq16_s32(xb, &q[1], p->rounding);
                            nnc_rq16_s8_store(op == 1 ? _mm512_sub_epi32(sa, sb) : _mm512_add_epi32(sa, sb), &q[2],
                                              &rq[2], 0, n, y + i3 + 16 * k);
                        }
                        continue;
                    }
                    _mm512_mask_storeu_epi8(y + i3, mk,
                                            _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(r[0], r[1]), lo8), hi8));
                }
            }
        }
    }
    return 1;
}
#endif

#if defined(NNC_HAVE_RQ16_S8) && defined(__AVX512BW__) && defined(__AVX512VL__)
/* add / sub (double or single rounding) without tables, 16 contiguous elements at a time, where nnc_rq16_s8 takes
 * all three constants and the operands' shifts are <= 0 (T >= 31): sa = nnc_mbqm((a + a_offset) << left_shift,
 * a_multiplier, a_shift) as one vector (nnc_rq16_s32: |x| <= 2^29 for left_shift <= 21, so |x * m / 2^T| < 2^29
 * and the value fits 32 bits), sb likewise, sa +- sb (|.| < 2^30 + 2: no nnc_sat32) requantized by
 * nnc_rq16_s8_store: eltwise_s8_one's value.  With VBMI, eltwise_s8_qh512 first (16-bit lanes, no requantization
 * per element), else eltwise_s8_planes512 (the same sums from byte planes).  Returns 0 (nothing written) where this
 * does not apply. */
static int eltwise_s8_direct512(const nnc_eltwise_s8 *p, int32_t op, const int8_t *a, const int8_t *b, int8_t *y)
{
    const int32_t *sh = p->bc.shape, *as = p->bc.a_stride, *bs = p->bc.b_stride;
    int32_t m[3][16], s[3][16], i0, i1, i2, i3, k;
    nnc_requant_s8 rq[3];
    nnc_rq16_s8 q[3];
    const __m512i ao = _mm512_set1_epi32(p->a_offset), bo = _mm512_set1_epi32(p->b_offset);
    const __m128i ls = _mm_cvtsi32_si128(p->left_shift);
    if (op == 2 || as[3] != 1 || bs[3] != 1 || p->left_shift < 0 || p->left_shift > 21) {
        return 0;
    }
    for (k = 0; k < 3; ++k) { /* a, b, output */
        if (!eltwise_s8_rq16(p, k == 0 ? p->a_multiplier : (k == 1 ? p->b_multiplier : p->out_multiplier),
                             k == 0 ? p->a_shift : (k == 1 ? p->b_shift : p->out_shift), m[k], s[k], &rq[k], &q[k]) ||
            (k < 2 && s[k][0] > 0)) {
            return 0;
        }
    }
#if defined(NNC_ELTWISE_PLANES512)
    if (eltwise_s8_qh512(p, op, q, rq, ao, bo, ls, a, b, y) ||
        eltwise_s8_planes512(p, op, q, rq, ao, bo, ls, a, b, y)) {
        return 1;
    }
#endif
    for (i0 = 0; i0 < sh[0]; ++i0) {
        for (i1 = 0; i1 < sh[1]; ++i1) {
            for (i2 = 0; i2 < sh[2]; ++i2, y += sh[3]) {
                const int8_t *ra = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int8_t *rb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                for (i3 = 0; i3 < sh[3]; i3 += 16) { /* each 16 read before they are written (in place) */
                    const int32_t nc = sh[3] - i3 < 16 ? sh[3] - i3 : 16;
                    const __mmask16 mk = (__mmask16)(nc == 16 ? 0xFFFFu : (1u << nc) - 1u);
                    const __m512i xa = _mm512_sll_epi32(
                        _mm512_add_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mk, (const void *)(ra + i3))), ao),
                        ls);
                    const __m512i xb = _mm512_sll_epi32(
                        _mm512_add_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mk, (const void *)(rb + i3))), bo),
                        ls);
                    const __m512i va = nnc_rq16_s32(xa, &q[0], p->rounding), vb = nnc_rq16_s32(xb, &q[1], p->rounding);
                    nnc_rq16_s8_store(op == 1 ? _mm512_sub_epi32(va, vb) : _mm512_add_epi32(va, vb), &q[2], &rq[2], 0,
                                      nc, y + i3);
                }
            }
        }
    }
    return 1;
}
#endif

#if defined(NNC_HAVE_REQUANT8_S8)
/* Eight contiguous elements of eltwise_s8_one (rounding double or single) with nnc_simd.h's block
 * requantization, which is nnc_mbqm lane by lane: the same integers.  m holds the eight-lane copies
 * of the multipliers and shifts: [a mult][a shift][b mult][b shift][out mult][out shift]. */
static void eltwise_s8_eight(const nnc_eltwise_s8 *p, int32_t op, const int32_t *m, const int8_t *a,
                             const int8_t *b, int8_t *y)
{
    int32_t va[8], vb[8], v[8], j;
    for (j = 0; j < 8; ++j) {
        va[j] = a[j] + p->a_offset;
        vb[j] = b[j] + p->b_offset;
    }
    if (op == 2) {
        for (j = 0; j < 8; ++j) {
            va[j] *= vb[j]; /* |.| <= 2^16 */
        }
    } else {
        for (j = 0; j < 8; ++j) {
            va[j] *= 1 << p->left_shift; /* |.| < 2^30 */
            vb[j] *= 1 << p->left_shift;
        }
        nnc_acc8_requant_s8(nnc_acc8_load(va), m, m + 8, p->rounding, 0, INT32_MIN, INT32_MAX, va);
        nnc_acc8_requant_s8(nnc_acc8_load(vb), m + 16, m + 24, p->rounding, 0, INT32_MIN, INT32_MAX, vb);
        for (j = 0; j < 8; ++j) { /* each scaled operand is below 2^30 in magnitude: no overflow */
            va[j] = op == 0 ? va[j] + vb[j] : va[j] - vb[j];
        }
    }
    nnc_acc8_requant_s8(nnc_acc8_load(va), m + 32, m + 40, p->rounding, p->out_offset, p->out_min, p->out_max, v);
    for (j = 0; j < 8; ++j) {
        y[j] = (int8_t)v[j];
    }
}
#endif

#if NNC_ELTWISE_TABLES
/* add / sub from per-operand tables built once per call (2 KB or 3 KB of stack, hence 64-bit hosts only):
 *   double / single rounding: ta[a + 128] = nnc_mbqm((a + a_offset) << left_shift, a_multiplier, a_shift),
 *     tb likewise (negated for sub), raw = sat32(ta[a] + tb[b]), and the output requantization is
 *     eltwise_s8_one's (nnc_mbqm_pre_apply where nnc_mbqm_prep takes the constants);
 *   onnxruntime (add): ta[a + 128] = (a + a_offset) A and tb[b + 128] = T[b] in fixed point
 *     (eltwise_s8_ort_fix), each element through eltwise_s8_ort_elem.
 * Returns 0 (nothing written) where these do not apply: mul, or eltwise_s8_ort_fix refusing. */
static int eltwise_s8_tables(const nnc_eltwise_s8 *p, int32_t op, const int8_t *a, const int8_t *b, int8_t *y)
{
    const int32_t *sh = p->bc.shape, *as = p->bc.a_stride, *bs = p->bc.b_stride;
    int32_t i0, i1, i2, i3;
    if (op == 2) {
        return 0;
    }
    if (p->rounding == NNC_ROUND_ORT) {
        int64_t afix, pa[256], tb[256];
        if (op != 0) {
            return 0;
        }
#if defined(NNC_HAVE_RQ16_S8) && defined(__AVX512BW__) && defined(__AVX512VL__)
        if (eltwise_s8_ort_f512(p, a, b, y)) {
            return 1;
        }
#endif
        if (!eltwise_s8_ort_fix(p, &afix, tb)) {
            return 0;
        }
        for (i3 = 0; i3 < 256; ++i3) {
            pa[i3] = (int64_t)(i3 - 128 + p->a_offset) * afix;
        }
        for (i0 = 0; i0 < sh[0]; ++i0) {
            for (i1 = 0; i1 < sh[1]; ++i1) {
                for (i2 = 0; i2 < sh[2]; ++i2, y += sh[3]) {
                    const int8_t *ra = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                    const int8_t *rb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                    i3 = 0;
#if defined(NNC_HAVE_RQ16_S8)
                    if (as[3] == 1 && bs[3] == 1) {
                        for (; i3 + 8 <= sh[3]; i3 += 8) {
                            if (!eltwise_s8_ort8(p, pa, tb, ra + i3, rb + i3, y + i3)) {
                                int32_t j;
                                for (j = i3; j < i3 + 8; ++j) {
                                    y[j] = (int8_t)eltwise_s8_one(p, op, ra[j], rb[j]);
                                }
                            }
                        }
                    }
#endif
                    for (; i3 < sh[3]; ++i3) { /* each element read before it is written (in place) */
                        const int32_t va = ra[i3 * as[3]], vb = rb[i3 * bs[3]];
                        uint32_t near = 0;
                        const int32_t v = eltwise_s8_ort_elem(p, pa[va + 128], tb[vb + 128], &near);
                        y[i3] = (int8_t)(near ? eltwise_s8_one(p, op, va, vb) : v);
                    }
                }
            }
        }
        return 1;
    } else {
        int32_t ta[256], tb[256];
#if defined(NNC_HAVE_RQ16_S8) && defined(__AVX512BW__) && defined(__AVX512VL__)
        if (eltwise_s8_direct512(p, op, a, b, y)) {
            return 1;
        }
#endif
        nnc_mbqm_pre pre = {{0, 0}, 0, 0};
        const int fast = nnc_mbqm_prep(p->out_multiplier, p->out_shift, p->rounding, &pre);
#if defined(NNC_HAVE_RQ16_S8)
        int vec = 1;
        int32_t m16[16], s16[16];
        nnc_requant_s8 rq;
        nnc_rq16_s8 q;
        const __m512i c128 = _mm512_set1_epi32(128);
#endif
        for (i3 = 0; i3 < 256; ++i3) {
            ta[i3] = nnc_mbqm((i3 - 128 + p->a_offset) * (1 << p->left_shift), p->a_multiplier, p->a_shift,
                              p->rounding);
            tb[i3] = nnc_mbqm((i3 - 128 + p->b_offset) * (1 << p->left_shift), p->b_multiplier, p->b_shift,
                              p->rounding);
            if (op == 1) {
                tb[i3] = -tb[i3];
            }
#if defined(NNC_HAVE_RQ16_S8)
            if (ta[i3] <= -(1 << 30) || ta[i3] >= 1 << 30 || tb[i3] <= -(1 << 30) || tb[i3] >= 1 << 30) {
                vec = 0; /* the sum might need nnc_sat32 */
            }
#endif
        }
#if defined(NNC_HAVE_RQ16_S8)
        vec = eltwise_s8_rq16(p, p->out_multiplier, p->out_shift, m16, s16, &rq, &q) && vec;
#endif
        for (i0 = 0; i0 < sh[0]; ++i0) {
            for (i1 = 0; i1 < sh[1]; ++i1) {
                for (i2 = 0; i2 < sh[2]; ++i2, y += sh[3]) {
                    const int8_t *ra = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                    const int8_t *rb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                    i3 = 0;
#if defined(NNC_HAVE_RQ16_S8)
                    if (vec && as[3] == 1 && bs[3] == 1) {
                        for (; i3 + 16 <= sh[3]; i3 += 16) {
                            const __m512i ia = _mm512_add_epi32(
                                _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(ra + i3))), c128);
                            const __m512i ib = _mm512_add_epi32(
                                _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(rb + i3))), c128);
                            nnc_rq16_s8_store(_mm512_add_epi32(_mm512_i32gather_epi32(ia, (const void *)ta, 4),
                                                               _mm512_i32gather_epi32(ib, (const void *)tb, 4)),
                                              &q, &rq, 0, 16, y + i3);
                        }
                    }
#endif
                    for (; i3 < sh[3]; ++i3) {
                        const int32_t raw = nnc_sat32((int64_t)ta[ra[i3 * as[3]] + 128] + tb[rb[i3 * bs[3]] + 128]);
                        const int32_t v = (fast ? nnc_mbqm_pre_apply(raw, &pre)
                                                : nnc_mbqm(raw, p->out_multiplier, p->out_shift, p->rounding)) +
                                          p->out_offset;
                        y[i3] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
                    }
                }
            }
        }
        return 1;
    }
}
#endif

/* op: 0 add, 1 sub, 2 mul */
static void eltwise_s8_run(const nnc_eltwise_s8 *p, int32_t op, const int8_t *a, const int8_t *b, int8_t *output)
{
    const int32_t *sh = p->bc.shape;
    const int32_t *as = p->bc.a_stride;
    const int32_t *bs = p->bc.b_stride;
    int32_t i0, i1, i2, i3;
    int8_t *y = output;
#if NNC_ELTWISE_TABLES
    if (eltwise_s8_tables(p, op, a, b, output)) {
        return;
    }
#endif
#if defined(NNC_HAVE_REQUANT8_S8)
    const int blocks = p->rounding != NNC_ROUND_ORT && as[3] == 1 && bs[3] == 1;
    int32_t m[48];
#if defined(NNC_HAVE_RQ16_S8)
    /* mul in blocks of 16 with AVX-512: the exact products (|.| <= 2^16) through nnc_rq16_s8_store, which is
     * eltwise_s8_one's nnc_mbqm + offset + clamp lane by lane where nnc_rq16_s8_ok accepts the constants */
    nnc_requant_s8 rq16;
    nnc_rq16_s8 q16;
    int32_t mm16[16], ss16[16];
    int mul16;
    const __m512i ao16 = _mm512_set1_epi32(p->a_offset), bo16 = _mm512_set1_epi32(p->b_offset);
#endif
    for (i3 = 0; i3 < 8; ++i3) {
        m[i3] = p->a_multiplier;
        m[8 + i3] = p->a_shift;
        m[16 + i3] = p->b_multiplier;
        m[24 + i3] = p->b_shift;
        m[32 + i3] = p->out_multiplier;
        m[40 + i3] = p->out_shift;
    }
#if defined(NNC_HAVE_RQ16_S8)
    mul16 = eltwise_s8_rq16(p, p->out_multiplier, p->out_shift, mm16, ss16, &rq16, &q16) && op == 2 && blocks;
#endif
#endif
    for (i0 = 0; i0 < sh[0]; ++i0) {
        for (i1 = 0; i1 < sh[1]; ++i1) {
            for (i2 = 0; i2 < sh[2]; ++i2) {
                const int8_t *pa = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int8_t *pb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                i3 = 0;
#if defined(NNC_HAVE_RQ16_S8)
                if (mul16) {
                    for (; i3 + 16 <= sh[3]; i3 += 16, y += 16) {
                        const __m512i va = _mm512_add_epi32(
                            _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(pa + i3))), ao16);
                        const __m512i vb = _mm512_add_epi32(
                            _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(pb + i3))), bo16);
                        nnc_rq16_s8_store(_mm512_mullo_epi32(va, vb), &q16, &rq16, 0, 16, y);
                    }
                }
#endif
#if defined(NNC_HAVE_REQUANT8_S8)
                if (blocks) {
                    for (; i3 + 8 <= sh[3]; i3 += 8, y += 8) {
                        eltwise_s8_eight(p, op, m, pa + i3, pb + i3, y);
                    }
                }
#endif
                for (; i3 < sh[3]; ++i3) {
                    *y++ = eltwise_s8_one(p, op, pa[i3 * as[3]], pb[i3 * bs[3]]);
                }
            }
        }
    }
}

void add_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    eltwise_s8_run(p, 0, a, b, output);
}

void sub_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    eltwise_s8_run(p, 1, a, b, output);
}

void mul_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    eltwise_s8_run(p, 2, a, b, output);
}
