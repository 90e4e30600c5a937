/* nncodegen kernels: concat part, affine int8.
 * Paths (same bytes): avx512-vbmi (__AVX512VBMI__, __AVX512BW__) the table as four 64-byte registers, 64 bytes
 * per step with two VPERMI2B lookups (one per half of the table) and a byte blend on the index's top bit, rows
 * shorter than 64 bytes as one masked load and store (copied rows too, up to 64 bytes), output rows of at most
 * 32 bytes 64 / out_inner at a time (concat_s8_rows: one VPERMB places them); portable: one byte at a time, with
 * the parameters held in locals (an int8_t store may alias *p, so reading p->table in the loop would reload it
 * every byte). */
#include <string.h>

#include "concat_s8.h"

#if defined(__AVX512VBMI__) && defined(__AVX512BW__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#define NNC_CONCAT_VBMI 1

/* n (<= 64) bytes table[x + 128] of x into y */
static inline void concat_s8_lut64(const __m512i t[4], const int8_t *x, int8_t *y, int32_t n)
{
    const __mmask64 m = n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
    const __m512i i = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, x), _mm512_set1_epi8((char)0x80));
    const __m512i lo = _mm512_permutex2var_epi8(t[0], i, t[1]), hi = _mm512_permutex2var_epi8(t[2], i, t[3]);
    _mm512_mask_storeu_epi8(y, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(i), lo, hi));
}

/* out_inner <= 32: R = 64 / out_inner output rows a step, their R * inner input bytes read at once and placed
 * at their offsets by one VPERMB (then the table when t is not NULL), one masked store (the last step's mask
 * cut to its rows) */
static void concat_s8_rows(const nnc_concat_s8 *p, const int8_t *input, int8_t *output, const __m512i *t)
{
    const int32_t outer = p->outer, inner = p->inner, oi = p->out_inner, off = p->offset, rr = 64 / oi;
    uint8_t ib[64];
    __mmask64 sm = 0;
    __m512i idx;
    int32_t d, o;
    for (d = 0; d < 64; ++d) {
        const int32_t r = d / oi, c = d % oi - off;
        const int in = r < rr && c >= 0 && c < inner;
        ib[d] = (uint8_t)(in ? r * inner + c : 0);
        if (in) {
            sm |= (__mmask64)1 << d;
        }
    }
    idx = _mm512_loadu_si512((const void *)ib);
    for (o = 0; o < outer; o += rr) {
        const int32_t nr = outer - o < rr ? outer - o : rr;
        const __mmask64 lm = nr * inner >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (nr * inner)) - 1);
        const __mmask64 m = nr == rr ? sm : sm & (((__mmask64)1 << (nr * oi)) - 1);
        __m512i v = _mm512_permutexvar_epi8(idx, _mm512_maskz_loadu_epi8(lm, input + (size_t)o * (size_t)inner));
        if (t) {
            const __m512i i = _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80));
            v = _mm512_mask_blend_epi8(_mm512_movepi8_mask(i), _mm512_permutex2var_epi8(t[0], i, t[1]),
                                       _mm512_permutex2var_epi8(t[2], i, t[3]));
        }
        _mm512_mask_storeu_epi8(output + (size_t)o * (size_t)oi, m, v);
    }
}
#endif

void concat_part_s8(const nnc_concat_s8 *p, const int8_t *input, int8_t *output)
{
    const int32_t outer = p->outer, inner = p->inner, out_inner = p->out_inner, offset = p->offset;
    const int8_t *const table = p->table;
    int32_t o, i;
    if (!table) {
#if defined(NNC_CONCAT_VBMI)
        if (out_inner <= 32) {
            concat_s8_rows(p, input, output, 0);
            return;
        }
        if (inner <= 64) { /* short rows: one masked load and store each */
            const __mmask64 m = inner >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << inner) - 1);
            for (o = 0; o < outer; ++o) {
                _mm512_mask_storeu_epi8(output + (size_t)o * (size_t)out_inner + offset, m,
                                        _mm512_maskz_loadu_epi8(m, input + (size_t)o * (size_t)inner));
            }
            return;
        }
#endif
        for (o = 0; o < outer; ++o) {
            memcpy(output + (size_t)o * (size_t)out_inner + offset, input + (size_t)o * (size_t)inner, (size_t)inner);
        }
        return;
    }
#if defined(NNC_CONCAT_VBMI)
    {
        __m512i t[4];
        for (i = 0; i < 4; ++i) {
            t[i] = _mm512_loadu_si512((const void *)(table + 64 * i));
        }
        if (out_inner <= 32) {
            concat_s8_rows(p, input, output, t);
            return;
        }
        for (o = 0; o < outer; ++o) {
            const int8_t *x = input + (size_t)o * (size_t)inner;
            int8_t *y = output + (size_t)o * (size_t)out_inner + offset;
            for (i = 0; i < inner; i += 64) {
                concat_s8_lut64(t, x + i, y + i, inner - i);
            }
        }
        return;
    }
#else
    for (o = 0; o < outer; ++o) {
        const int8_t *x = input + (size_t)o * (size_t)inner;
        int8_t *y = output + (size_t)o * (size_t)out_inner + offset;
        for (i = 0; i < inner; ++i) {
            y[i] = table[(int32_t)x[i] + 128];
        }
    }
#endif
}
