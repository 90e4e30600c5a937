/* nncodegen runtime: the AVX-512 parts of the x86 path, in AVX2 builds whose flags add AVX-512: the VNNI form
 * of the eight-row affine int8 block (nnc_dot8_s8o_i32) and the requantization of 16 channels at once.
 * Included by nnc_simd.h, which documents the contracts and selects the path. */
#ifndef NNC_SIMD_AVX512_H
#define NNC_SIMD_AVX512_H

#if defined(NNC_SIMD_VNNI)
/* ------------------------------------------------------------ AVX-512 VNNI (with VL): eight rows into a block
 * nnc_dot8_s8o_i32 (nnc_simd_avx2.h's template) with a first loop of VPDPBUSD on 32 elements per row and step:
 * u = x ^ 0x80 = x + 128 as uint8, P = sum u * w and W = sum w (ones as the uint8 operand), then
 * sum (x + off) * w = P + (off - 128) * W, all modulo 2^32 (the products are exact; see the top of nnc_simd.h
 * for why the total is) */
#define NNC_VNNI_ROW(b, s, k)                                                \
    wv = _mm256_loadu_si256((const __m256i *)(const void *)(wi + (k) * ws)); \
    b = _mm256_dpbusd_epi32(b, u, wv);                                       \
    s = _mm256_dpbusd_epi32(s, ones, wv)
#define NNC_VNNI_DOT8_HEAD                                                                                        \
    if (n >= 32) {                                                                                                \
        const __m256i flip = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi8(1);                            \
        __m256i s0 = b0, s1 = b0, s2 = b0, s3 = b0, s4 = b0, s5 = b0, s6 = b0, s7 = b0;                           \
        __m256i c;                                                                                                \
        for (; i + 32 <= n; i += 32) {                                                                            \
            const __m256i u = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(x + i)), flip); \
            const int8_t *wi = w + i;                                                                             \
            __m256i wv;                                                                                           \
            NNC_VNNI_ROW(b0, s0, 0);                                                                              \
            NNC_VNNI_ROW(b1, s1, 1);                                                                              \
            NNC_VNNI_ROW(b2, s2, 2);                                                                              \
            NNC_VNNI_ROW(b3, s3, 3);                                                                              \
            NNC_VNNI_ROW(b4, s4, 4);                                                                              \
            NNC_VNNI_ROW(b5, s5, 5);                                                                              \
            NNC_VNNI_ROW(b6, s6, 6);                                                                              \
            NNC_VNNI_ROW(b7, s7, 7);                                                                              \
        }                                                                                                         \
        c = _mm256_set1_epi32(off - 128);                                                                         \
        b0 = _mm256_add_epi32(b0, _mm256_mullo_epi32(s0, c));                                                     \
        b1 = _mm256_add_epi32(b1, _mm256_mullo_epi32(s1, c));                                                     \
        b2 = _mm256_add_epi32(b2, _mm256_mullo_epi32(s2, c));                                                     \
        b3 = _mm256_add_epi32(b3, _mm256_mullo_epi32(s3, c));                                                     \
        b4 = _mm256_add_epi32(b4, _mm256_mullo_epi32(s4, c));                                                     \
        b5 = _mm256_add_epi32(b5, _mm256_mullo_epi32(s5, c));                                                     \
        b6 = _mm256_add_epi32(b6, _mm256_mullo_epi32(s6, c));                                                     \
        b7 = _mm256_add_epi32(b7, _mm256_mullo_epi32(s7, c));                                                     \
    }

NNC_AVX2_DOT8(s8o, int8_t, (, int32_t off), NNC_AVX2_DECL_O16, NNC_AVX2_LD_S8O, nnc_avx2_ld_s8, NNC_X86_XO,
              NNC_VNNI_DOT8_HEAD)
#undef NNC_VNNI_DOT8_HEAD
#undef NNC_VNNI_ROW
#endif

#if defined(__AVX512F__)
/* nnc_requantize of Q-format accumulators for shifts 1..31 without a leaky slope, 16 int32 lanes (s the lanes'
 * shifts, s1 = s - 1): a >> s rounded half up by the bit below it, bounded to [lo, hi] */
static inline __attribute__((always_inline)) __m512i nnc_q_rshift512(__m512i a, __m512i s, __m512i s1, __m512i lo,
                                                                     __m512i hi)
{
    const __m512i r = _mm512_add_epi32(_mm512_srav_epi32(a, s),
                                       _mm512_and_si512(_mm512_srav_epi32(a, s1), _mm512_set1_epi32(1)));
    return _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
}

/* ------------------------------------------------------------ AVX-512F: requantization of 16 channels */
#define NNC_HAVE_RQ16_S8 1
/* AVX-512 requantization of 16 int32 accumulators of consecutive channels (conv2d_pk_s8's AVX-512 path,
 * add_s8's tables): 64-bit products of the even and the odd channels, VPSRAVQ, then stored with a byte
 * mask.  Every mode is one formula,
 *     r = floor((acc * m + R) / 2^T), out = min(max(r, out_min - off), out_max - off) + off   (int64)
 * with per channel (m, T, R):
 *   double, shift s in -31..-1   m = multiplier, T = 31 - s, R = 2^(30 - s) + 2^30, minus 2^31 when
 *                                acc * m < 0 (nnc_mbqm_pre_apply's two floor shifts, nnc_affine.h)
 *   double, s = 0                m = multiplier, T = 31, R = 2^30: srdhm's truncation of
 *                                (p + 2^30) or (p + 1 - 2^30) toward zero is floor((p + 2^30) / 2^31) for both signs
 *   single, s in -31..30         m = multiplier, T = 31 - s, R = 2^(T - 1)
 *   onnxruntime                  m = (M's 24-bit mantissa) << 7, T = 157 - M's biased exponent, R = 2^(T - 1):
 *                                the exact acc * M rounded half up, as nnc_acc8_requant_s8 (nnc_simd_avx2_rq.h)
 *                                argues, except lanes within 2^(T - 15) of a half or with T outside 16..62,
 *                                which take nnc_requant_s8_apply one channel at a time.
 * Clamping the exact int64 value is the twin's sat32-free arithmetic (nnc_sat32 only acts beyond the
 * int8 bounds).  nnc_rq16_s8_ok says whether out_c channels' double / single constants are in these
 * ranges (a left shift or a negative multiplier are not: the caller keeps its other path). */
#define NNC_RQ16_BLOCKS 8 /* blocks of 16 channels whose constants are prepared once per call */
typedef struct {
    __m512i me, mo, te, to, rpe, rpo, rne, rno, de, dob, lo, hi, off, lo32, hi32, off32;
    __m512 fm, flo, fhi;
    __mmask8 bad_e, bad_o; /* onnxruntime: valid lanes whose T is outside 16..62 */
    int32_t fast;          /* NNC_RQ16_FLOAT / NNC_RQ16_INT32 / 0 (below) */
} nnc_rq16_s8;

/* Shorter forms of the same result, chosen per block by nnc_rq16_s8_prep:
 *   NNC_RQ16_FLOAT (onnxruntime, every valid lane's M a normal float below 1, the MXCSR rounding to nearest):
 *     onnxruntime's own float steps, cvt((float)acc * M clamped to [out_min - off, out_max - off]) + off: the
 *     conversion, product and final rounding are the IEEE round-to-nearest-even operations nnc_sf_requant
 *     emulates, clamping before rounding to integer bounds equals rounding then clamping, and |acc * M| < 2^31
 *     keeps nnc_sf_requant's saturation out of reach;
 *   NNC_RQ16_INT32 (single / double, every valid lane's T >= 32): |acc * m + R| < 2^62 + 2^61, so the shifted
 *     value has |r| <= 2^30 + 1 and its low 32 bits are r: the clamp and offset run on 32-bit lanes. */
#define NNC_RQ16_FLOAT 1
#define NNC_RQ16_INT32 2

static inline int nnc_rq16_s8_ok(const nnc_requant_s8 *rq, int32_t out_c)
{
    int32_t c;
    if (rq->rounding == NNC_ROUND_ORT) {
        return 1;
    }
    for (c = 0; c < out_c; ++c) {
        const int32_t s = rq->shift[c];
        if (rq->rounding == NNC_ROUND_DOUBLE ? (rq->multiplier[c] < 0 || s > 0 || s < -31)
                                             : (rq->rounding != NNC_ROUND_SINGLE || s > 30 || s < -31)) {
            return 0;
        }
    }
    return 1;
}

static inline void nnc_rq16_s8_prep(const nnc_requant_s8 *rq, int32_t c0, int32_t nc, nnc_rq16_s8 *q)
{
    const __mmask16 vm = (__mmask16)((1u << nc) - 1u);
    const __m512i m = _mm512_maskz_loadu_epi32(vm, rq->multiplier + c0);
    const __m512i one = _mm512_set1_epi64(1), lo32 = _mm512_set1_epi64(0xFFFFFFFFLL);
    __m512i mm, t, rp, rn;
    if (rq->rounding == NNC_ROUND_ORT) {
        const __m512i bad = _mm512_set1_epi32(0);
        mm = _mm512_slli_epi32(_mm512_or_si512(_mm512_and_si512(m, _mm512_set1_epi32(0x7FFFFF)),
                                               _mm512_set1_epi32(0x800000)), 7);
        t = _mm512_sub_epi32(_mm512_set1_epi32(157), _mm512_srli_epi32(m, 23));
        {
            const __mmask16 b = (__mmask16)((_mm512_cmplt_epi32_mask(t, _mm512_set1_epi32(16)) |
                                             _mm512_cmpgt_epi32_mask(t, _mm512_set1_epi32(62))) & vm);
            const __m512i bv = _mm512_mask_set1_epi32(bad, b, -1);
            q->bad_e = _mm512_cmpneq_epi64_mask(_mm512_and_si512(bv, lo32), _mm512_setzero_si512());
            q->bad_o = _mm512_cmpneq_epi64_mask(_mm512_srli_epi64(bv, 32), _mm512_setzero_si512());
        }
    } else {
        const __m512i s = _mm512_maskz_loadu_epi32(vm, rq->shift + c0);
        mm = m;
        t = _mm512_sub_epi32(_mm512_set1_epi32(31), s);
        q->bad_e = q->bad_o = 0;
    }
    q->me = mm;
    q->mo = _mm512_srli_epi64(mm, 32);
    q->te = _mm512_and_si512(t, lo32);
    q->to = _mm512_srli_epi64(t, 32);
    /* R for a non-negative product: 2^(T - 1), or for double rounding 2^(T - 1) + 2^30 (s < 0) / 2^30 (s = 0) */
    rp = _mm512_sllv_epi64(one, _mm512_sub_epi64(q->te, one));
    rn = _mm512_sllv_epi64(one, _mm512_sub_epi64(q->to, one));
    if (rq->rounding == NNC_ROUND_DOUBLE) {
        const __m512i b30 = _mm512_set1_epi64((int64_t)1 << 30), b31 = _mm512_set1_epi64((int64_t)1 << 31);
        const __m512i t31 = _mm512_set1_epi64(31);
        rp = _mm512_mask_blend_epi64(_mm512_cmpeq_epi64_mask(q->te, t31), _mm512_add_epi64(rp, b30), b30);
        rn = _mm512_mask_blend_epi64(_mm512_cmpeq_epi64_mask(q->to, t31), _mm512_add_epi64(rn, b30), b30);
        q->rpe = rp;
        q->rpo = rn;
        q->rne = _mm512_mask_blend_epi64(_mm512_cmpeq_epi64_mask(q->te, t31), _mm512_sub_epi64(rp, b31), b30);
        q->rno = _mm512_mask_blend_epi64(_mm512_cmpeq_epi64_mask(q->to, t31), _mm512_sub_epi64(rn, b31), b30);
    } else {
        q->rpe = q->rne = rp;
        q->rpo = q->rno = rn;
    }
    q->de = _mm512_sllv_epi64(one, _mm512_sub_epi64(q->te, _mm512_set1_epi64(15)));
    q->dob = _mm512_sllv_epi64(one, _mm512_sub_epi64(q->to, _mm512_set1_epi64(15)));
    q->off = _mm512_set1_epi64(rq->output_offset);
    q->lo = _mm512_set1_epi64((int64_t)rq->out_min - rq->output_offset);
    q->hi = _mm512_set1_epi64((int64_t)rq->out_max - rq->output_offset);
    q->off32 = _mm512_set1_epi32(rq->output_offset);
    q->lo32 = _mm512_set1_epi32(rq->out_min - rq->output_offset);
    q->hi32 = _mm512_set1_epi32(rq->out_max - rq->output_offset);
    q->fm = _mm512_castsi512_ps(m);
    q->flo = _mm512_set1_ps((float)(rq->out_min - rq->output_offset));
    q->fhi = _mm512_set1_ps((float)(rq->out_max - rq->output_offset));
    q->fast = 0;
    if (rq->rounding == NNC_ROUND_ORT) {
        const __m512i ex = _mm512_srli_epi32(m, 23); /* M >= 0: the biased exponent */
        if ((_mm_getcsr() & 0x6000u) == 0 && (_mm512_cmplt_epi32_mask(ex, _mm512_set1_epi32(1)) & vm) == 0 &&
            (_mm512_cmpgt_epi32_mask(ex, _mm512_set1_epi32(126)) & vm) == 0) {
            q->fast = NNC_RQ16_FLOAT;
        }
    } else if ((_mm512_cmplt_epi32_mask(t, _mm512_set1_epi32(32)) & vm) == 0) {
        q->fast = NNC_RQ16_INT32;
    }
}

static inline void nnc_rq16_s8_prep_all(const nnc_requant_s8 *rq, int32_t out_c, nnc_rq16_s8 *qs)
{
    int32_t ob;
    for (ob = 0; ob < NNC_RQ16_BLOCKS && ob * 16 < out_c; ++ob) {
        nnc_rq16_s8_prep(rq, ob * 16, out_c - ob * 16 < 16 ? out_c - ob * 16 : 16, qs + ob);
    }
}

/* |remainder of p modulo 2^T - 2^(T - 1)| <= d in the lanes of the mask (onnxruntime's near-half test) */
static inline __attribute__((always_inline)) __mmask8 nnc_rq16_near(__m512i p, __m512i t, __m512i d)
{
    const __m512i one = _mm512_set1_epi64(1);
    const __m512i h = _mm512_sllv_epi64(one, _mm512_sub_epi64(t, one));
    const __m512i r = _mm512_sub_epi64(_mm512_and_si512(p, _mm512_sub_epi64(_mm512_add_epi64(h, h), one)), h);
    const __m512i nd = _mm512_sub_epi64(_mm512_setzero_si512(), d);
    return (__mmask8)(_mm512_cmple_epi64_mask(r, d) & _mm512_cmpge_epi64_mask(r, nd));
}

/* the low bytes of the first nc lanes of r (values in int8's range) into y */
static inline __attribute__((always_inline)) void nnc_rq16_s8_put(__m512i r, int32_t nc, int8_t *y)
{
    const __m128i v = _mm512_cvtepi32_epi8(r);
    if (nc == 16) {
        _mm_storeu_si128((__m128i *)(void *)y, v);
    } else {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
        _mm_mask_storeu_epi8((void *)y, (__mmask16)((1u << nc) - 1u), v);
#else
        int8_t t[16];
        _mm_storeu_si128((__m128i *)(void *)t, v);
        memcpy(y, t, (size_t)nc);
#endif
    }
}

/* floor((a * m + R) / 2^T) of the 16 lanes before clamp and offset (nnc_mbqm in the rounding of q's constants,
 * single or double) where that value fits 32 bits: q->fast == NNC_RQ16_INT32 (any a), or T >= 31 and
 * |a| <= 2^30 (eltwise_s8_direct512) */
static inline __attribute__((always_inline)) __m512i nnc_rq16_s32(__m512i a, const nnc_rq16_s8 *q, int32_t rounding)
{
    const __m512i pe = _mm512_mul_epi32(a, q->me);
    const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), q->mo);
    __m512i re, ro;
    if (rounding == NNC_ROUND_DOUBLE) { /* R = p < 0 ? rn : rp: the product's sign spread over its lane (VPSRAQ)
                                         * selects the bits of rn or rp (VPTERNLOGQ 0xCA, A ? B : C), no mask */
        re = _mm512_srav_epi64(
            _mm512_add_epi64(pe, _mm512_ternarylogic_epi64(_mm512_srai_epi64(pe, 63), q->rne, q->rpe, 0xCA)), q->te);
        ro = _mm512_srav_epi64(
            _mm512_add_epi64(po, _mm512_ternarylogic_epi64(_mm512_srai_epi64(po, 63), q->rno, q->rpo, 0xCA)), q->to);
    } else {
        re = _mm512_srav_epi64(_mm512_add_epi64(pe, q->rpe), q->te);
        ro = _mm512_srav_epi64(_mm512_add_epi64(po, q->rpo), q->to);
    }
    return _mm512_mask_blend_epi32((__mmask16)0xAAAA, re, _mm512_slli_epi64(ro, 32));
}

/* the 16 accumulators a of channels c0 .. c0 + nc - 1 requantized into y (nc bytes) */
static inline __attribute__((always_inline)) void nnc_rq16_s8_store(__m512i a, const nnc_rq16_s8 *q,
                                                                   const nnc_requant_s8 *rq, int32_t c0,
                                                                   int32_t nc, int8_t *y)
{
    const __m512i zero = _mm512_setzero_si512();
    __m512i pe, po, re, ro;
    if (q->fast == NNC_RQ16_FLOAT) {
        const __m512 v = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(a), q->fm), q->flo), q->fhi);
        nnc_rq16_s8_put(_mm512_add_epi32(_mm512_cvtps_epi32(v), q->off32), nc, y);
        return;
    }
    pe = _mm512_mul_epi32(a, q->me);
    po = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), q->mo);
    if (q->fast == NNC_RQ16_INT32) {
        const __m512i r = nnc_rq16_s32(a, q, rq->rounding);
        nnc_rq16_s8_put(_mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(r, q->lo32), q->hi32), q->off32), nc, y);
        return;
    }
    if (rq->rounding == NNC_ROUND_ORT) {
        const __mmask8 ve = (__mmask8)((1u << ((nc + 1) >> 1)) - 1u), vo = (__mmask8)((1u << (nc >> 1)) - 1u);
        if (((nnc_rq16_near(pe, q->te, q->de) & ve) | (nnc_rq16_near(po, q->to, q->dob) & vo) | q->bad_e |
             q->bad_o) != 0) {
            int32_t v[16], j;
            _mm512_storeu_si512((void *)v, a);
            for (j = 0; j < nc; ++j) {
                y[j] = (int8_t)nnc_requant_s8_apply(v[j], rq, c0 + j);
            }
            return;
        }
    }
    re = _mm512_srav_epi64(_mm512_add_epi64(pe, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(pe, zero), q->rpe,
                                                                         q->rne)), q->te);
    ro = _mm512_srav_epi64(_mm512_add_epi64(po, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(po, zero), q->rpo,
                                                                        q->rno)), q->to);
    re = _mm512_add_epi64(_mm512_min_epi64(_mm512_max_epi64(re, q->lo), q->hi), q->off);
    ro = _mm512_add_epi64(_mm512_min_epi64(_mm512_max_epi64(ro, q->lo), q->hi), q->off);
    nnc_rq16_s8_put(_mm512_mask_blend_epi32((__mmask16)0xAAAA, re, _mm512_slli_epi64(ro, 32)), nc, y);
}

#endif

#endif /* NNC_SIMD_AVX512_H */
