/* nncodegen kernels: sparse fully connected layer, s8.  Body in dense_sparse_qn.inc. */
#include "dense_sparse_s8.h"
#include "nnc_affine.h"
#include "nnc_compress.h"
#include "nnc_simd.h"

#if defined(NNC_HAVE_REQUANT8_S8)
#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
/* TFLite's MultiplyByQuantizedMultiplier (nnc_mbqm) of 16 int32 lanes in the double (0) and single (1) rounding
 * modes, the values of nnc_acc8_requant_s8 / nnc_requant_s8_apply: 64-bit products of the even and odd lanes
 * (VPMULDQ), arithmetic 64-bit shifts (VPSRAQ / VPSRAVQ) */
static __m512i nnc_sp_mbqm16(__m512i a, __m512i m, __m512i s, int32_t rounding)
{
    const __m512i zero = _mm512_setzero_si512(), one64 = _mm512_set1_epi64(1);
    __m512i qe, qo, q;
    if (rounding == 1) { /* sat32((x * m + 2^(t - 1)) >> t), t = 31 - shift in 1..62 */
        const __m512i t = _mm512_sub_epi32(_mm512_set1_epi32(31), s);
        const __m512i te = _mm512_and_si512(t, _mm512_set1_epi64(0xFFFFFFFFLL)), to = _mm512_srli_epi64(t, 32);
        const __m512i pe = _mm512_mul_epi32(a, m);
        const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), _mm512_srli_epi64(m, 32));
        const __m512i imax = _mm512_set1_epi64(INT32_MAX), imin = _mm512_set1_epi64(INT32_MIN);
        qe = _mm512_srav_epi64(_mm512_add_epi64(pe, _mm512_sllv_epi64(one64, _mm512_sub_epi64(te, one64))), te);
        qo = _mm512_srav_epi64(_mm512_add_epi64(po, _mm512_sllv_epi64(one64, _mm512_sub_epi64(to, one64))), to);
        qe = _mm512_min_epi64(_mm512_max_epi64(qe, imin), imax);
        qo = _mm512_min_epi64(_mm512_max_epi64(qo, imin), imax);
        return _mm512_mask_blend_epi32(0xAAAA, qe, _mm512_slli_epi64(qo, 32));
    }
    { /* double rounding: rdbpot(srdhm(sat32(x << left), m), right) */
        const __m512i left = _mm512_max_epi32(s, zero), right = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
        const __m512i imin32 = _mm512_set1_epi32(INT32_MIN), low31 = _mm512_set1_epi64(0x7FFFFFFFLL);
        const __m512i xs = _mm512_sllv_epi32(a, left);
        const __mmask16 lost = _mm512_cmpneq_epi32_mask(_mm512_srav_epi32(xs, left), a);
        const __m512i x1 = _mm512_mask_mov_epi32(xs, lost, _mm512_xor_si512(_mm512_set1_epi32(INT32_MAX),
                                                                             _mm512_srai_epi32(a, 31)));
        const __m512i pe = _mm512_mul_epi32(x1, m);
        const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x1, 32), _mm512_srli_epi64(m, 32));
        const __m512i npos = _mm512_set1_epi64((int64_t)1 << 30), nneg = _mm512_set1_epi64(1 - ((int64_t)1 << 30));
        const __m512i ve = _mm512_add_epi64(pe, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(pe, zero), npos, nneg));
        const __m512i vo = _mm512_add_epi64(po, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(po, zero), npos, nneg));
        /* (v / 2^31) truncated: floor, plus 1 where v < 0 leaves a remainder */
        qe = _mm512_mask_add_epi64(_mm512_srai_epi64(ve, 31),
                                   _mm512_cmplt_epi64_mask(ve, zero) & _mm512_test_epi64_mask(ve, low31),
                                   _mm512_srai_epi64(ve, 31), one64);
        qo = _mm512_mask_add_epi64(_mm512_srai_epi64(vo, 31),
                                   _mm512_cmplt_epi64_mask(vo, zero) & _mm512_test_epi64_mask(vo, low31),
                                   _mm512_srai_epi64(vo, 31), one64);
        q = _mm512_mask_blend_epi32(0xAAAA, qe, _mm512_slli_epi64(qo, 32));
        /* INT32_MIN * INT32_MIN saturates to INT32_MAX */
        q = _mm512_mask_mov_epi32(q, _mm512_cmpeq_epi32_mask(x1, imin32) & _mm512_cmpeq_epi32_mask(m, imin32),
                                  _mm512_set1_epi32(INT32_MAX));
        { /* rdbpot(q, right): ties away from zero */
            const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), right), _mm512_set1_epi32(1));
            const __m512i thr = _mm512_mask_add_epi32(_mm512_srai_epi32(mask, 1), _mm512_cmplt_epi32_mask(q, zero),
                                                      _mm512_srai_epi32(mask, 1), _mm512_set1_epi32(1));
            const __m512i r = _mm512_srav_epi32(q, right);
            return _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(_mm512_and_si512(q, mask), thr), r,
                                         _mm512_set1_epi32(1));
        }
    }
}
#endif

/* a full slice's 16 int32 accumulators requantized at once (AVX-512, rounding modes 0 and 1) or eight at a time
 * (nnc_acc8_requant_s8): nnc_requant_s8_apply's values, every rounding mode */
static int nnc_sp_epi16_s8(const int32_t *acc, const nnc_requant_s8 *rq, int32_t c0, int8_t *y)
{
    int32_t v[8], j, i;
#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
    if (rq->rounding == 0 || rq->rounding == 1) {
        __m512i r = nnc_sp_mbqm16(_mm512_loadu_si512((const void *)acc),
                                  _mm512_loadu_si512((const void *)(rq->multiplier + c0)),
                                  _mm512_loadu_si512((const void *)(rq->shift + c0)), rq->rounding);
        r = _mm512_add_epi32(r, _mm512_set1_epi32(rq->output_offset));
        r = _mm512_min_epi32(_mm512_max_epi32(r, _mm512_set1_epi32(rq->out_min)), _mm512_set1_epi32(rq->out_max));
        _mm_storeu_si128((__m128i *)(void *)y, _mm512_cvtepi32_epi8(r));
        return 1;
    }
#endif
    for (j = 0; j < 16; j += 8) {
        nnc_acc8_requant_s8(nnc_acc8_load(acc + j), rq->multiplier + c0 + j, rq->shift + c0 + j, rq->rounding,
                            rq->output_offset, rq->out_min, rq->out_max, v);
#if defined(__AVX512VL__) && !defined(NNC_NO_SIMD)
        (void)i; /* v is within [out_min, out_max]: the truncating pack is exact */
        _mm_storel_epi64((__m128i *)(void *)(y + j),
                         _mm256_cvtepi32_epi8(_mm256_loadu_si256((const __m256i *)(const void *)v)));
#else
        for (i = 0; i < 8; ++i) {
            y[j + i] = (int8_t)v[i];
        }
#endif
    }
    return 1;
}
#define NNC_SP_EPI16_OK32(rq, n) 1
#define NNC_SP_EPI16_32(acc, rq, c0, y) nnc_sp_epi16_s8(acc, rq, c0, y)
#endif

#define NNC_SP_WANT_S8
#include "dense_sparse_simd.inc"

#if defined(NNC_SIMD_DSP)
#define NNC_SP_DSP_PAIRS 1 /* dense_sparse_qn.inc: the pairwise SMLAD loop of the int32 variant */
#endif

#define NNC_T int8_t
#define NNC_SP_R 16
#define NNC_SP_C 128
#define NNC_SP_E 4
#define NNC_RQ nnc_requant_s8
#define NNC_XOFF(rq) ((rq)->input_offset)
#define NNC_REQUANT(acc, rq, c) nnc_requant_s8_apply(acc, rq, c)

#define NNC_SP_ACC_BITS 32
#define NNC_FN(name) name##_s8
#include "dense_sparse_qn.inc"
