/* nncodegen kernels: sparse fully connected layer, float32, class-sliced layout (see dense_sparse_sl_f32.h).
 * AVX-512F path: 16 rows in the lanes; the eight class sums in eight registers; a class block's step = for each of
 * the eight classes, the group's 32 inputs (regrouped by class into the scratch once per call) looked up by 16
 * indices (VPERMI2PS; a step's indices are its quad's words shifted right by 8 (t % 4)), multiplied by 16 values and
 * added to the rows' partial sums (padding entries add x * 0.0f = +-0, which changes no sum for finite inputs);
 * then the tree, the tail groups, bias and activation on all 16 rows at once.  Portable loop: row by row, the same
 * additions in the same order (the pad bit ends a row's run). */
#include "dense_sparse_sl_f32.h"
#include "nnc_compress.h"

#include "compress_f32.inc"

#define NNC_SL_R 16
#define NNC_SL_B 256
#define NNC_SL_T 32
#define NNC_SL_PAD 0x80 /* a padding entry's index: the portable loop stops there; SIMD adds its 0.0f weight */

int32_t dense_sparse_sl_scratch_size_f32(const nnc_dense_geom *g, int32_t split)
{
    (void)g;
    return (split + NNC_SL_B - 1) / NNC_SL_B * NNC_SL_B * (int32_t)sizeof(float);
}

/* values (16 per step of a group) and indices (64 bytes per quad of steps of a group) of a slice; eight groups in
 * each of the nb8 class blocks, one in a tail block */
static void nnc_sl_entries(const uint8_t *st, int32_t nb8, int32_t nbl, int32_t *nv, int32_t *ni)
{
    int32_t i;
    *nv = 0;
    *ni = 0;
    for (i = 0; i < nbl; ++i) {
        const int32_t g = i < nb8 ? 8 : 1;
        *nv += g * st[i] * NNC_SL_R;
        *ni += g * ((st[i] + 3) >> 2) * 64;
    }
}

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>

/* step t's 16 indices of the group whose index quads start at q (group stride gs bytes in a quad): the 32-bit word
 * of lane r holds the indices of steps 4 (t / 4) .. + 3, step t's in byte t % 4; VPERMI2PS reads the low 5 bits */
#define NNC_SL_IDX(q, t, gs, c, sh) \
    _mm512_srl_epi32(_mm512_loadu_si512((const void *)((q) + ((t) >> 2) * (gs) + 64 * (c))), sh)

/* one tail group's steps into the 16-lane sum acc (table xa:xb of 32 inputs) */
#define NNC_SL_STEPS(acc, xa, xb, n)                                                                  \
    do {                                                                                              \
        int32_t t_;                                                                                   \
        for (t_ = 0; t_ < (n); ++t_) {                                                                \
            const __m128i sh_ = _mm_cvtsi32_si128(8 * (t_ & 3));                                      \
            const __m512 p_ = _mm512_mul_ps(_mm512_permutex2var_ps(xa, NNC_SL_IDX(ix, t_, 64, 0, sh_), xb), \
                                            _mm512_loadu_ps(v));                                      \
            acc = _mm512_add_ps(acc, p_);                                                             \
            v += NNC_SL_R;                                                                            \
        }                                                                                             \
        ix += (((n) + 3) >> 2) * 64;                                                                  \
    } while (0)

/* the inputs below split regrouped: xt[256 b + 32 c + i] = x[256 b + 8 i + c] (0.0f past split); plain loads and
 * stores (gathers are slow on some x86 cores) */
static void nnc_sl_regroup(const float *x, int32_t split, float *xt)
{
    int32_t b, c, i;
    for (b = 0; b * NNC_SL_B < split; ++b) {
        const float *xb = x + b * NNC_SL_B;
        float *tb = xt + b * NNC_SL_B;
        const int32_t m = split - b * NNC_SL_B < NNC_SL_B ? (split - b * NNC_SL_B) / 8 : 32;
        for (i = 0; i < 32; ++i) {
            for (c = 0; c < 8; ++c) {
                tb[32 * c + i] = i < m ? xb[8 * i + c] : 0.0f;
            }
        }
    }
}

static __mmask16 nnc_sl_mask(int32_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* step t of class c in a class block: its indices into the table ta:tb, products added into sc */
#define NNC_SL_CSTEP(sc, ta, tb, c)                                                                    \
    do {                                                                                               \
        const __m512 p_ = _mm512_mul_ps(_mm512_permutex2var_ps(ta, NNC_SL_IDX(ix, t, 512, c, sh), tb),    \
                                        _mm512_loadu_ps(v + 16 * (c)));                                \
        sc = _mm512_add_ps(sc, p_);                                                                    \
    } while (0)

static void nnc_sl_slice(const float *x, const float *xt, int32_t k, int32_t split, int32_t nr, const uint8_t *st,
                         const uint8_t *ix, const float *v, const float *bias, const nnc_act_f32 *act, float *y)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, a;
    const __mmask16 rows = nnc_sl_mask(nr);
    int32_t b, t;
    for (b = 0; b * NNC_SL_B < split; ++b) {
        const float *tb = xt + b * NNC_SL_B;
        const int32_t n = *st++;
        if (n != 0) {
            const __m512 t0a = _mm512_loadu_ps(tb), t0b = _mm512_loadu_ps(tb + 16);
            const __m512 t1a = _mm512_loadu_ps(tb + 32), t1b = _mm512_loadu_ps(tb + 48);
            const __m512 t2a = _mm512_loadu_ps(tb + 64), t2b = _mm512_loadu_ps(tb + 80);
            const __m512 t3a = _mm512_loadu_ps(tb + 96), t3b = _mm512_loadu_ps(tb + 112);
            const __m512 t4a = _mm512_loadu_ps(tb + 128), t4b = _mm512_loadu_ps(tb + 144);
            const __m512 t5a = _mm512_loadu_ps(tb + 160), t5b = _mm512_loadu_ps(tb + 176);
            const __m512 t6a = _mm512_loadu_ps(tb + 192), t6b = _mm512_loadu_ps(tb + 208);
            const __m512 t7a = _mm512_loadu_ps(tb + 224), t7b = _mm512_loadu_ps(tb + 240);
            for (t = 0; t < n; ++t) {
                const __m128i sh = _mm_cvtsi32_si128(8 * (t & 3));
                NNC_SL_CSTEP(s0, t0a, t0b, 0);
                NNC_SL_CSTEP(s1, t1a, t1b, 1);
                NNC_SL_CSTEP(s2, t2a, t2b, 2);
                NNC_SL_CSTEP(s3, t3a, t3b, 3);
                NNC_SL_CSTEP(s4, t4a, t4b, 4);
                NNC_SL_CSTEP(s5, t5a, t5b, 5);
                NNC_SL_CSTEP(s6, t6a, t6b, 6);
                NNC_SL_CSTEP(s7, t7a, t7b, 7);
                v += 8 * NNC_SL_R;
            }
            ix += ((n + 3) >> 2) * 512;
        }
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
        const int32_t n = *st++;
        for (c = 0; c < 8; ++c) {
            const int32_t o = NNC_SL_R * c + r;
            float sc = s[c];
            for (t = 0; t < n; ++t) {
                const int32_t e = ix[(t >> 2) * 512 + 64 * c + 4 * r + (t & 3)];
                if (e & NNC_SL_PAD) {
                    break;
                }
                sc += xb[8 * e + c] * v[t * 8 * NNC_SL_R + o];
            }
            s[c] = sc;
        }
        ix += ((n + 3) >> 2) * 512;
        v += n * 8 * NNC_SL_R;
    }
    a = nnc_cf32_tree(s);
    for (b = split; b < k; b += NNC_SL_T) {
        const int32_t n = *st++;
        for (t = 0; t < n; ++t) {
            const int32_t e = ix[(t >> 2) * 64 + 4 * r + (t & 3)];
            if (e & NNC_SL_PAD) {
                break;
            }
            a += x[b + e] * v[t * NNC_SL_R + r];
        }
        ix += ((n + 3) >> 2) * 64;
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
    const int32_t nb8 = (split + NNC_SL_B - 1) / NNC_SL_B, nbl = nb8 + (k - split + NNC_SL_T - 1) / NNC_SL_T;
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
            const int32_t nr = n_out - s0 < NNC_SL_R ? n_out - s0 : NNC_SL_R;
            int32_t nv, ni;
            nnc_sl_entries(st, nb8, nbl, &nv, &ni);
#ifdef NNC_SL_SIMD
            nnc_sl_slice(x, scratch, k, split, nr, st, ix, v, bias != 0 ? bias + s0 : 0, act, y + s0);
#else
            int32_t r;
            for (r = 0; r < nr; ++r) {
                const float a = nnc_sl_row(x, k, split, r, st, ix, v);
                y[s0 + r] = nnc_cf32_act(act, bias != 0 ? a + bias[s0 + r] : a);
            }
#endif
            st += nbl;
            ix += ni;
            v += nv;
        }
    }
}
