/* nncodegen kernels: requantizing strided copy (concat part, ReLU, clip, format change), q7.
 * Body in rescale_qn.inc. */
#include "rescale_q7.h"
#include "nnc_fixed.h"

#if defined(__SSE2__) && !defined(NNC_NO_SIMD)
#include <emmintrin.h>
#include <string.h>
/* rescale_q7 for shifts -7 .. 15 in int16 lanes, eight values per step (rows of a few channels, the
 * parts of a concatenation, stay vectorized): |x * 2^7| <= 2^14 and |x| + 2^14 < 2^15, so
 * (x * 2^-shift + 2^(shift - 1)) >> shift is exact in int16, then the bounds and a saturating pack
 * (the values are inside int8 already); shift 0 with the full int8 bounds: a copy.  Returns 0 for other
 * shifts (the generic loop). */
static int nnc_rescale_q7_sse(const nnc_rescale *p, const int8_t *input, int8_t *output)
{
    const int32_t sh = p->shift, outer = p->outer, inner = p->inner, out_inner = p->out_inner;
    const int32_t offset = p->offset, lo = p->out_min, hi = p->out_max;
    const int32_t rs = sh > 0 ? sh : 0, ls = sh < 0 ? -sh : 0, rnd = sh > 0 ? 1 << (sh - 1) : 0;
    const __m128i vrs = _mm_cvtsi32_si128(rs), vls = _mm_cvtsi32_si128(ls);
    const __m128i vrnd = _mm_set1_epi16((short)rnd), vlo = _mm_set1_epi16((short)lo), vhi = _mm_set1_epi16((short)hi);
    int32_t o, i;
    if (sh == 0 && lo <= -128 && hi >= 127) { /* the identity (a concatenation's part in its own format): a
                                               * strided copy, rows of 8 and 16 bytes as single moves */
        if (inner == 8) {
            for (o = 0; o < outer; ++o) {
                memmove(output + o * out_inner + offset, input + o * 8, 8);
            }
        } else if (inner == 16) {
            for (o = 0; o < outer; ++o) {
                memmove(output + o * out_inner + offset, input + o * 16, 16);
            }
        } else {
            for (o = 0; o < outer; ++o) {
                memmove(output + o * out_inner + offset, input + o * inner, (size_t)inner);
            }
        }
        return 1;
    }
    if (sh < -7 || sh > 15) {
        return 0;
    }
    for (o = 0; o < outer; ++o) {
        const int8_t *x = input + o * inner;
        int8_t *y = output + o * out_inner + offset;
        for (i = 0; i + 8 <= inner; i += 8) {
            const __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)(x + i));
            __m128i w = _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
            w = _mm_sra_epi16(_mm_add_epi16(_mm_sll_epi16(w, vls), vrnd), vrs);
            w = _mm_min_epi16(_mm_max_epi16(w, vlo), vhi);
            _mm_storel_epi64((__m128i *)(void *)(y + i), _mm_packs_epi16(w, w));
        }
        if (i + 4 <= inner) {
            int32_t t;
            __m128i v, w;
            memcpy(&t, x + i, 4);
            v = _mm_cvtsi32_si128(t);
            w = _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
            w = _mm_sra_epi16(_mm_add_epi16(_mm_sll_epi16(w, vls), vrnd), vrs);
            w = _mm_min_epi16(_mm_max_epi16(w, vlo), vhi);
            t = _mm_cvtsi128_si32(_mm_packs_epi16(w, w));
            memcpy(y + i, &t, 4);
            i += 4;
        }
        for (; i < inner; ++i) {
            const int32_t r = ((x[i] * (1 << ls)) + rnd) >> rs;
            y[i] = (int8_t)(r < lo ? lo : (r > hi ? hi : r));
        }
    }
    return 1;
}
#define NNC_RESCALE_FAST nnc_rescale_q7_sse
#endif

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "rescale_qn.inc"
#undef NNC_T
#undef NNC_FN
#undef NNC_RESCALE_FAST
