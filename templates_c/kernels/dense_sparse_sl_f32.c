/* nncodegen kernels: sparse fully connected layer, float32, class-sliced layout (see dense_sparse_sl_f32.h).
 * AVX-512F path: 16 rows in the lanes; the eight class sums in eight registers; one step = the group's 32 inputs
 * looked up by 16 indices (VPERMI2PS), multiplied by 16 values, added to the rows' partial sums under the mask of
 * the non-padding entries; then the tree, the tail groups, bias and activation on all 16 rows at once.  Portable
 * loop: row by row, the same additions in the same order (the pad bit ends a row's run). */
#include "dense_sparse_sl_f32.h"
#include "nnc_compress.h"

#include "compress_f32.inc"

#define NNC_SL_R 16
#define NNC_SL_B 256
#define NNC_SL_T 32
#define NNC_SL_PAD 0x80

int32_t dense_sparse_sl_scratch_size_f32(const nnc_dense_geom *g, int32_t split)
{
    (void)g;
    return (split + NNC_SL_B - 1) / NNC_SL_B * NNC_SL_B * (int32_t)sizeof(float);
}

/* entries of a slice: the sum of its groups' steps, times 16 */
static int32_t nnc_sl_entries(const uint8_t *st, int32_t ng)
{
    int32_t n = 0, i;
    for (i = 0; i < ng; ++i) {
        n += st[i];
    }
    return n * NNC_SL_R;
}

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>

/* one group's steps into the 16-lane sum acc (table xa:xb of 32 inputs) */
#define NNC_SL_STEPS(acc, xa, xb, n)                                                                  \
    do {                                                                                              \
        int32_t t_;                                                                                   \
        for (t_ = (n); t_ > 0; --t_) {                                                                \
            const __m512i id_ = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(const void *)ix)); \
            const __mmask16 m_ = _mm512_testn_epi32_mask(id_, padv);                                  \
            const __m512 p_ = _mm512_mul_ps(_mm512_permutex2var_ps(xa, id_, xb), _mm512_loadu_ps(v)); \
            acc = _mm512_mask_add_ps(acc, m_, acc, p_);                                               \
            ix += NNC_SL_R;                                                                           \
            v += NNC_SL_R;                                                                            \
        }                                                                                             \
    } while (0)

/* the inputs below split regrouped: xt[256 b + 32 c + i] = x[256 b + 8 i + c] (0.0f past split) */
static void nnc_sl_regroup(const float *x, int32_t split, float *xt)
{
    const __m512i step8 = _mm512_setr_epi32(0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120);
    int32_t b, c, h;
    for (b = 0; b * NNC_SL_B < split; ++b) {
        for (c = 0; c < 8; ++c) {
            for (h = 0; h < 2; ++h) {
                const int32_t p0 = b * NNC_SL_B + 128 * h + c;
                const __m512i idx = _mm512_add_epi32(step8, _mm512_set1_epi32(p0));
                const __mmask16 ok = _mm512_cmplt_epi32_mask(idx, _mm512_set1_epi32(split));
                _mm512_storeu_ps(xt + b * NNC_SL_B + 32 * c + 16 * h,
                                 _mm512_mask_i32gather_ps(_mm512_setzero_ps(), ok, idx, x, 4));
            }
        }
    }
}

static __mmask16 nnc_sl_mask(int32_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

static void nnc_sl_slice(const float *x, const float *xt, int32_t k, int32_t split, int32_t nr, const uint8_t *st,
                         const uint8_t *ix, const float *v, const float *bias, const nnc_act_f32 *act, float *y)
{
    const __m512i padv = _mm512_set1_epi32(NNC_SL_PAD);
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, a;
    const __mmask16 rows = nnc_sl_mask(nr);
    int32_t b;
    for (b = 0; b * NNC_SL_B < split; ++b) {
        const float *tb = xt + b * NNC_SL_B;
#define NNC_SL_CLASS(sc, c)                                                                           \
        if (st[c] != 0) {                                                                             \
            const __m512 xa_ = _mm512_loadu_ps(tb + 32 * (c)), xb_ = _mm512_loadu_ps(tb + 32 * (c) + 16); \
            NNC_SL_STEPS(sc, xa_, xb_, st[c]);                                                        \
        }
        NNC_SL_CLASS(s0, 0)
        NNC_SL_CLASS(s1, 1)
        NNC_SL_CLASS(s2, 2)
        NNC_SL_CLASS(s3, 3)
        NNC_SL_CLASS(s4, 4)
        NNC_SL_CLASS(s5, 5)
        NNC_SL_CLASS(s6, 6)
        NNC_SL_CLASS(s7, 7)
#undef NNC_SL_CLASS
        st += 8;
    }
    a = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
                      _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7)));
    for (b = split; b < k; b += NNC_SL_T) {
        const int32_t n = *st++;
        if (n != 0) {
            const __m512 xa = _mm512_maskz_loadu_ps(nnc_sl_mask(k - b), x + b);
            const __m512 xb = _mm512_maskz_loadu_ps(nnc_sl_mask(k - b - 16), x + b + 16);
            NNC_SL_STEPS(a, xa, xb, n);
        }
    }
    if (bias != 0) {
        a = _mm512_add_ps(a, _mm512_maskz_loadu_ps(rows, bias));
    }
    if (act != 0) {
        a = _mm512_mask_mul_ps(a, _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_LT_OQ), a,
                               _mm512_set1_ps(act->leaky));
        a = _mm512_mask_mov_ps(a, _mm512_cmp_ps_mask(a, _mm512_set1_ps(act->out_min), _CMP_LT_OQ),
                               _mm512_set1_ps(act->out_min));
        a = _mm512_mask_mov_ps(a, _mm512_cmp_ps_mask(a, _mm512_set1_ps(act->out_max), _CMP_GT_OQ),
                               _mm512_set1_ps(act->out_max));
    }
    _mm512_mask_storeu_ps(y, rows, a);
}
#define NNC_SL_SIMD 1
#endif

#ifndef NNC_SL_SIMD
/* row r of a slice: its entries walked group by group (the pad bit ends its run in a group) */
static float nnc_sl_row(const float *x, int32_t k, int32_t split, int32_t r, const uint8_t *st, const uint8_t *ix,
                        const float *v)
{
    float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    float a;
    int32_t b, c, t;
    for (b = 0; b * NNC_SL_B < split; ++b) {
        const float *xb = x + b * NNC_SL_B;
        for (c = 0; c < 8; ++c) {
            const int32_t n = *st++;
            float sc = s[c];
            for (t = 0; t < n; ++t) {
                const int32_t e = ix[t * NNC_SL_R + r];
                if (e & NNC_SL_PAD) {
                    break;
                }
                sc += xb[8 * e + c] * v[t * NNC_SL_R + r];
            }
            s[c] = sc;
            ix += n * NNC_SL_R;
            v += n * NNC_SL_R;
        }
    }
    a = nnc_cf32_tree(s);
    for (b = split; b < k; b += NNC_SL_T) {
        const int32_t n = *st++;
        for (t = 0; t < n; ++t) {
            const int32_t e = ix[t * NNC_SL_R + r];
            if (e & NNC_SL_PAD) {
                break;
            }
            a += x[b + e] * v[t * NNC_SL_R + r];
        }
        ix += n * NNC_SL_R;
        v += n * NNC_SL_R;
    }
    return a;
}
#endif

void dense_sparse_sl_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const uint8_t *steps,
                         const uint8_t *index, const float *values, const float *bias, int32_t split, float *scratch,
                         float *output)
{
    const int32_t k = g->in_features, n_out = g->out_features;
    const int32_t ng = 8 * ((split + NNC_SL_B - 1) / NNC_SL_B) + (k - split + NNC_SL_T - 1) / NNC_SL_T;
    int32_t b, s0;
    (void)scratch;
#ifdef NNC_SL_SIMD
    (void)nnc_cf32_act; /* the portable loop's helpers (compress_f32.inc) */
    (void)nnc_cf32_tree;
#endif
    for (b = 0; b < g->batch; ++b) {
        const float *x = input + b * k;
        float *y = output + b * n_out;
        const uint8_t *st = steps, *ix = index;
        const float *v = values;
#ifdef NNC_SL_SIMD
        nnc_sl_regroup(x, split, scratch);
#endif
        for (s0 = 0; s0 < n_out; s0 += NNC_SL_R) {
            const int32_t nr = n_out - s0 < NNC_SL_R ? n_out - s0 : NNC_SL_R, ne = nnc_sl_entries(st, ng);
#ifdef NNC_SL_SIMD
            nnc_sl_slice(x, scratch, k, split, nr, st, ix, v, bias != 0 ? bias + s0 : 0, act, y + s0);
#else
            int32_t r;
            for (r = 0; r < nr; ++r) {
                const float a = nnc_sl_row(x, k, split, r, st, ix, v);
                y[s0 + r] = nnc_cf32_act(act, bias != 0 ? a + bias[s0 + r] : a);
            }
#endif
            st += ng;
            ix += ne;
            v += ne;
        }
    }
}
