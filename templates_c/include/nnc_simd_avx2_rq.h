/* nncodegen runtime: the AVX2 block requantization of affine int8 (nnc_acc8_requant_s8), part of the AVX2 path.
 * Included by nnc_simd.h after nnc_simd_avx2.h. */
#ifndef NNC_SIMD_AVX2_RQ_H
#define NNC_SIMD_AVX2_RQ_H

#if defined(NNC_SIMD_AVX2)
/* ------------------------------------------------------------ affine int8 block requantization (AVX2)
 * nnc_acc8_requant_s8(a, mult, shift, rounding, out_offset, lo, hi, out): for eight int32
 * accumulators, out[j] = sat(nnc_mbqm(a[j], mult[j], shift[j], rounding) + out_offset, lo, hi),
 * TFLite's MultiplyByQuantizedMultiplier (nnc_affine.h) in both rounding modes, the same values:
 * 64-bit products from VPMULDQ on even and odd lanes, floor shifts of the 64-bit sums with the
 * truncation / arithmetic-shift corrections written out.  Only with AVX2 (NNC_HAVE_REQUANT8_S8);
 * the kernels requantize one accumulator at a time otherwise. */
#define NNC_HAVE_REQUANT8_S8 1
#include "nnc_affine.h" /* nnc_mbqm, for the onnxruntime rounding mode's lane-by-lane path */

/* lanes of b where mask (all ones or all zeros per lane) is set, else of a */
static inline __m256i nnc_avx2_select(__m256i a, __m256i b, __m256i mask)
{
    return _mm256_or_si256(_mm256_and_si256(mask, b), _mm256_andnot_si256(mask, a));
}

/* arithmetic right shift of int64 lanes by per-lane counts 0..63 (AVX2 has only the logical one) */
static inline __m256i nnc_avx2_srav_epi64(__m256i v, __m256i n)
{
    const __m256i ones = _mm256_set1_epi32(-1);
    const __m256i neg = _mm256_cmpgt_epi64(_mm256_setzero_si256(), v);
    const __m256i pos = _mm256_srlv_epi64(v, n);
    const __m256i negs = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(v, ones), n), ones);
    return nnc_avx2_select(pos, negs, neg);
}

/* the int32 in the low half of every int64 lane of e (lanes 0, 2, 4, 6) and of o (1, 3, 5, 7) */
static inline __m256i nnc_avx2_join_even_odd(__m256i e, __m256i o)
{
    return _mm256_blend_epi32(e, _mm256_slli_epi64(o, 32), 0xAA);
}

static inline void nnc_acc8_requant_s8(nnc_acc8 a, const int32_t *mult, const int32_t *shift, int32_t rounding,
                                       int32_t out_offset, int32_t lo, int32_t hi, int32_t *out)
{
    const __m256i zero = _mm256_setzero_si256();
    const __m256i m = _mm256_loadu_si256((const __m256i *)(const void *)mult);
    const __m256i s = _mm256_loadu_si256((const __m256i *)(const void *)shift);
    const __m256i lo32 = _mm256_set1_epi64x(0xFFFFFFFFLL);
    __m256i r;
    if (rounding == 2) {
        /* onnxruntime's float requantization nearbyintf((float)x * M), M's float32 bits in mult.  Vector
         * path: the exact x * M rounded half up, from M's 24-bit mantissa as a 31-bit multiplier and a
         * shift t = 157 - biased exponent.  That is onnxruntime's integer unless x * M lies within 2^-15 of
         * a half (its two float32 roundings, relative error < 2^-23, can only move such values, and only
         * |x * M| < 256 reaches the int8 output unsaturated); lanes that close (about 1 in 10^4), and
         * multipliers outside 2^-29 .. 2^5, take nnc_sf_requant one lane at a time. */
        const __m256i mm = _mm256_slli_epi32(_mm256_or_si256(_mm256_and_si256(m, _mm256_set1_epi32(0x7FFFFF)),
                                                             _mm256_set1_epi32(0x800000)), 7);
        const __m256i t = _mm256_sub_epi32(_mm256_set1_epi32(157), _mm256_srli_epi32(m, 23));
        const __m256i te = _mm256_and_si256(t, lo32), to = _mm256_srli_epi64(t, 32);
        const __m256i one = _mm256_set1_epi64x(1);
        const __m256i pe = _mm256_mul_epi32(a.v, mm);
        const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a.v, 32), _mm256_srli_epi64(mm, 32));
        const __m256i he = _mm256_sllv_epi64(one, _mm256_sub_epi64(te, one));
        const __m256i ho = _mm256_sllv_epi64(one, _mm256_sub_epi64(to, one));
        const __m256i de = _mm256_sllv_epi64(one, _mm256_sub_epi64(te, _mm256_set1_epi64x(15)));
        const __m256i dd = _mm256_sllv_epi64(one, _mm256_sub_epi64(to, _mm256_set1_epi64x(15)));
        /* remainder - half, compared with +-2^(t - 15) */
        const __m256i re_ = _mm256_sub_epi64(_mm256_and_si256(pe, _mm256_sub_epi64(_mm256_add_epi64(he, he), one)), he);
        const __m256i ro_ = _mm256_sub_epi64(_mm256_and_si256(po, _mm256_sub_epi64(_mm256_add_epi64(ho, ho), one)), ho);
        const __m256i near_e = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpgt_epi64(re_, de),
                                                                    _mm256_cmpgt_epi64(_mm256_sub_epi64(zero, de), re_)),
                                                   _mm256_set1_epi32(-1));
        const __m256i near_o = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpgt_epi64(ro_, dd),
                                                                    _mm256_cmpgt_epi64(_mm256_sub_epi64(zero, dd), ro_)),
                                                   _mm256_set1_epi32(-1));
        const __m256i bad_t = _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(16), t),
                                              _mm256_cmpgt_epi32(t, _mm256_set1_epi32(62)));
        if (!_mm256_testz_si256(_mm256_or_si256(_mm256_or_si256(near_e, near_o), bad_t),
                                _mm256_set1_epi32(-1))) {
            int32_t x[8], j;
            nnc_acc8_store(a, x);
            for (j = 0; j < 8; ++j) {
                const int32_t v = nnc_sf_requant(x[j], (uint32_t)mult[j]) + out_offset;
                out[j] = v < lo ? lo : (v > hi ? hi : v);
            }
            return;
        }
        {
            const __m256i imax = _mm256_set1_epi64x(INT32_MAX), imin = _mm256_set1_epi64x(INT32_MIN);
            __m256i re = nnc_avx2_srav_epi64(_mm256_add_epi64(pe, he), te);
            __m256i ro = nnc_avx2_srav_epi64(_mm256_add_epi64(po, ho), to);
            re = nnc_avx2_select(re, imax, _mm256_cmpgt_epi64(re, imax));
            re = nnc_avx2_select(re, imin, _mm256_cmpgt_epi64(imin, re));
            ro = nnc_avx2_select(ro, imax, _mm256_cmpgt_epi64(ro, imax));
            ro = nnc_avx2_select(ro, imin, _mm256_cmpgt_epi64(imin, ro));
            r = nnc_avx2_join_even_odd(re, ro);
        }
    } else if (rounding == 1) { /* single rounding: sat32((x * m + 2^(t - 1)) >> t), t = 31 - shift in 1..62 */
        const __m256i t = _mm256_sub_epi32(_mm256_set1_epi32(31), s);
        const __m256i te = _mm256_and_si256(t, lo32), to = _mm256_srli_epi64(t, 32);
        const __m256i one = _mm256_set1_epi64x(1);
        const __m256i pe = _mm256_mul_epi32(a.v, m);
        const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a.v, 32), _mm256_srli_epi64(m, 32));
        const __m256i imax = _mm256_set1_epi64x(INT32_MAX), imin = _mm256_set1_epi64x(INT32_MIN);
        __m256i re = nnc_avx2_srav_epi64(_mm256_add_epi64(pe, _mm256_sllv_epi64(one, _mm256_sub_epi64(te, one))), te);
        __m256i ro = nnc_avx2_srav_epi64(_mm256_add_epi64(po, _mm256_sllv_epi64(one, _mm256_sub_epi64(to, one))), to);
        re = nnc_avx2_select(re, imax, _mm256_cmpgt_epi64(re, imax));
        re = nnc_avx2_select(re, imin, _mm256_cmpgt_epi64(imin, re));
        ro = nnc_avx2_select(ro, imax, _mm256_cmpgt_epi64(ro, imax));
        ro = nnc_avx2_select(ro, imin, _mm256_cmpgt_epi64(imin, ro));
        r = nnc_avx2_join_even_odd(re, ro);
    } else { /* double rounding: rdbpot(srdhm(sat32(x << left), m), right) */
        const __m256i left = _mm256_max_epi32(s, zero);
        const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, s), zero);
        const __m256i imin32 = _mm256_set1_epi32(INT32_MIN);
        const __m256i low31 = _mm256_set1_epi64x(0x7FFFFFFFLL);
        /* x << left, saturated where the shift loses bits */
        const __m256i xs = _mm256_sllv_epi32(a.v, left);
        const __m256i lost = _mm256_xor_si256(_mm256_cmpeq_epi32(_mm256_srav_epi32(xs, left), a.v),
                                              _mm256_set1_epi32(-1));
        const __m256i satv = _mm256_xor_si256(_mm256_set1_epi32(INT32_MAX), _mm256_srai_epi32(a.v, 31));
        const __m256i x1 = nnc_avx2_select(xs, satv, lost);
        /* srdhm: (x1 * m + nudge) / 2^31 truncated toward zero, nudge = 2^30 or 1 - 2^30 */
        const __m256i pe = _mm256_mul_epi32(x1, m);
        const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x1, 32), _mm256_srli_epi64(m, 32));
        const __m256i npos = _mm256_set1_epi64x((int64_t)1 << 30), nneg = _mm256_set1_epi64x(1 - ((int64_t)1 << 30));
        const __m256i ve = _mm256_add_epi64(pe, nnc_avx2_select(npos, nneg, _mm256_cmpgt_epi64(zero, pe)));
        const __m256i vo = _mm256_add_epi64(po, nnc_avx2_select(npos, nneg, _mm256_cmpgt_epi64(zero, po)));
        /* floor(v / 2^31) in the low half, plus 1 where v < 0 leaves a remainder (truncation) */
        const __m256i ce = _mm256_andnot_si256(_mm256_cmpeq_epi64(_mm256_and_si256(ve, low31), zero),
                                               _mm256_cmpgt_epi64(zero, ve));
        const __m256i co = _mm256_andnot_si256(_mm256_cmpeq_epi64(_mm256_and_si256(vo, low31), zero),
                                               _mm256_cmpgt_epi64(zero, vo));
        const __m256i qe = _mm256_sub_epi64(_mm256_srli_epi64(ve, 31), ce);
        const __m256i qo = _mm256_sub_epi64(_mm256_srli_epi64(vo, 31), co);
        __m256i q = nnc_avx2_join_even_odd(qe, qo);
        /* INT32_MIN * INT32_MIN saturates to INT32_MAX */
        const __m256i both_min = _mm256_and_si256(_mm256_cmpeq_epi32(x1, imin32), _mm256_cmpeq_epi32(m, imin32));
        q = nnc_avx2_select(q, _mm256_set1_epi32(INT32_MAX), both_min);
        { /* rdbpot(q, right): ties away from zero */
            const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right), _mm256_set1_epi32(1));
            const __m256i rem = _mm256_and_si256(q, mask);
            const __m256i thr = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_cmpgt_epi32(zero, q));
            r = _mm256_sub_epi32(_mm256_srav_epi32(q, right), _mm256_cmpgt_epi32(rem, thr));
        }
    }
    r = _mm256_add_epi32(r, _mm256_set1_epi32(out_offset));
    r = _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi));
    _mm256_storeu_si256((__m256i *)(void *)out, r);
}
#endif /* NNC_SIMD_AVX2 */

#endif /* NNC_SIMD_AVX2_RQ_H */
