/* nncodegen kernels: sparse fully connected layer, float32, class-sliced layout (see dense_sparse_sl_f32.h).
 * AVX-512F path: 16 rows in the lanes; the eight class sums in eight registers; a class block runs rounds of eight
 * class steps, one per class: the group's 32 inputs (regrouped by class into the scratch once per call) looked up
 * by the step's 16 indices (VPERMI2PS), multiplied by its 16 values and added to the rows' partial sums (padding
 * entries add x * 0.0f = +-0, which changes no sum for finite inputs).  The rounds below the block's least step
 * count run the eight steps as stored; the later ones branch on each class (a class without a step t adds and
 * reads nothing: the steps run are the stored ones; the branches repeat from call to call with the same weights,
 * and branching measured faster than masked steps: benchmarks/bench_compress.py at 10 % density 13.7 us vs 15.5 us,
 * 1024 x 1024).  Then the tree and the tail groups on all
 * 16 rows at once, each lane stored to its row's output (rows[]), and at the end bias and activation in one pass
 * over the outputs in their order (a bias gathered by slice and gcc's VSCATTERDPS for the lane stores made most of
 * a call's 1.8 us fixed cost, 1024 x 1024 without nonzeros; 0.75 us now).
 * Portable loop: the same steps in the same order, lane by lane (the pad bit skips an entry), then row by row. */
#include "dense_sparse_sl_f32.h"
#include "nnc_compress.h"

#include "compress_f32.inc"

#define NNC_SL_R 16
#define NNC_SL_B 256
#define NNC_SL_T 32
#define NNC_SL_PAD 0x80 /* a padding entry's index: the portable loop skips it; SIMD adds x * its 0.0f value */

int32_t dense_sparse_sl_scratch_size_f32(const nnc_dense_geom *g, int32_t split)
{
    (void)g;
    return (split + NNC_SL_B - 1) / NNC_SL_B * NNC_SL_B * (int32_t)sizeof(float);
}

/* the steps of a slice's ng groups (16 index bytes and 16 values each) */
static int32_t nnc_sl_steps(const uint8_t *st, int32_t ng)
{
    int32_t i, n = 0;
    for (i = 0; i < ng; ++i) {
        n += st[i];
    }
    return n;
}

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>

/* the least of a class block's eight step counts (PHMINPOSUW on them as 16-bit lanes) and the most (the least of
 * 0xFFFF - each) */
static int32_t nnc_sl_min8x(__m128i c16)
{
    return _mm_cvtsi128_si32(_mm_minpos_epu16(c16)) & 0xFFFF;
}

static int32_t nnc_sl_max8x(__m128i c16)
{
    return 0xFFFF - (_mm_cvtsi128_si32(_mm_minpos_epu16(_mm_xor_si128(c16, _mm_set1_epi16(-1)))) & 0xFFFF);
}

/* a step's 16 indices (bytes at q) as 32-bit lanes (VPERMI2PS reads the low five bits) */
#define NNC_SL_IDX(q) _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(q)))

/* one step's 16 products: the inputs of table ta:tb picked by the indices at q, times the values at w */
#define NNC_SL_PROD(ta, tb, q, w) _mm512_mul_ps(_mm512_permutex2var_ps(ta, NNC_SL_IDX(q), tb), _mm512_loadu_ps(w))

static __mmask16 nnc_sl_mask(int32_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* the inputs below split regrouped: xt[256 b + 32 c + i] = x[256 b + 8 i + c] (0.0f past split).  Each half block
 * (128 inputs, eight vectors: vector m holds inputs 16 m .. 16 m + 15, i.e. i = 2 m, 2 m + 1 of each class c) is
 * transposed by three rounds of two-source permutes, round s swapping bit s of the vector number with bit s of the
 * lane (its class bit); the last round also puts lane 8 r + m at lane 2 m + r (plain loads and stores measured
 * 0.3 us a call, 1024 inputs; gathers are slower on some x86 cores) */
static void nnc_sl_regroup(const float *x, int32_t split, float *xt)
{
    __m512i lo[3], hi[3];
    __m512 q[8];
    int32_t b, h, m, s, l;
    for (s = 0; s < 3; ++s) {
        int32_t il[16], ih[16];
        for (l = 0; l < 16; ++l) {
            const int32_t e = s < 2 ? l : 8 * (l & 1) + (l >> 1); /* the lane read, before the last round's move */
            const int32_t bit = (e >> s) & 1;
            il[l] = (e & ~(1 << s)) | (bit << 4);
            ih[l] = (e | (1 << s)) | (bit << 4);
        }
        lo[s] = _mm512_loadu_si512((const void *)il);
        hi[s] = _mm512_loadu_si512((const void *)ih);
    }
    for (b = 0; b * NNC_SL_B < split; ++b) {
        for (h = 0; h < 2; ++h) {
            const int32_t p0 = b * NNC_SL_B + 128 * h;
            float *tb = xt + b * NNC_SL_B + 16 * h;
            for (m = 0; m < 8; ++m) {
                const int32_t n = split - p0 - 16 * m;
                q[m] = n > 0 ? _mm512_maskz_loadu_ps(nnc_sl_mask(n), x + p0 + 16 * m) : _mm512_setzero_ps();
            }
            for (s = 0; s < 3; ++s) {
                for (m = 0; m < 8; ++m) {
                    if (!(m & (1 << s))) {
                        const __m512 a = q[m], c = q[m | (1 << s)];
                        q[m] = _mm512_permutex2var_ps(a, lo[s], c);
                        q[m | (1 << s)] = _mm512_permutex2var_ps(a, hi[s], c);
                    }
                }
            }
            for (m = 0; m < 8; ++m) {
                _mm512_storeu_ps(tb + 32 * m, q[m]);
            }
        }
    }
}

/* four row sums to their outputs (lane by lane: gcc makes the plain loop a VSCATTERDPS, slower on Zen 4) */
static void nnc_sl_store4(float *y, const int32_t *rows, __m128 q)
{
    y[rows[0]] = _mm_cvtss_f32(q);
    y[rows[1]] = _mm_cvtss_f32(_mm_movehdup_ps(q));
    y[rows[2]] = _mm_cvtss_f32(_mm_movehl_ps(q, q));
    y[rows[3]] = _mm_cvtss_f32(_mm_shuffle_ps(q, q, 3));
}

/* a round below the least step count: class c's step is the round's c-th */
#define NNC_SL_FSTEP(sc, ta, tb, c) sc = _mm512_add_ps(sc, NNC_SL_PROD(ta, tb, ix + 16 * (c), v + 16 * (c)))

/* a later round t, class c of n steps: if t < n, the next step stored (at ix + o, v + o) is its own: added, and o
 * moves on; else nothing */
#define NNC_SL_CSTEP(sc, ta, tb, n)                                          \
    do {                                                                     \
        if (t < (n)) {                                                       \
            sc = _mm512_add_ps(sc, NNC_SL_PROD(ta, tb, ix + o, v + o));      \
            o += NNC_SL_R;                                                   \
        }                                                                    \
    } while (0)

/* one slice: its row sums (all 16 lanes at once), stored to the outputs rows[r] of its nr lanes; returns the
 * entries of its steps (16 a step) */
static int32_t nnc_sl_slice(const float *x, const float *xt, int32_t k, int32_t split, int32_t nr, const uint8_t *st,
                            const uint8_t *ix, const float *v, const int32_t *rows, float *y)
{
    const uint8_t *const ix0 = ix;
    float tmp[NNC_SL_R];
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, a;
    int32_t b, t;
    for (b = 0; b * NNC_SL_B < split; ++b, st += 8) {
        const float *tb = xt + b * NNC_SL_B;
        const __m128i c16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)st));
        const int32_t n = nnc_sl_max8x(c16), nmin = nnc_sl_min8x(c16);
        const int32_t n0 = st[0], n1 = st[1], n2 = st[2], n3 = st[3], n4 = st[4], n5 = st[5], n6 = st[6], n7 = st[7];
        uint32_t o = 0;
        __m512 t0a, t0b, t1a, t1b, t2a, t2b, t3a, t3b, t4a, t4b, t5a, t5b, t6a, t6b, t7a, t7b;
        if (n == 0) {
            continue;
        }
        t0a = _mm512_loadu_ps(tb), t0b = _mm512_loadu_ps(tb + 16);
        t1a = _mm512_loadu_ps(tb + 32), t1b = _mm512_loadu_ps(tb + 48);
        t2a = _mm512_loadu_ps(tb + 64), t2b = _mm512_loadu_ps(tb + 80);
        t3a = _mm512_loadu_ps(tb + 96), t3b = _mm512_loadu_ps(tb + 112);
        t4a = _mm512_loadu_ps(tb + 128), t4b = _mm512_loadu_ps(tb + 144);
        t5a = _mm512_loadu_ps(tb + 160), t5b = _mm512_loadu_ps(tb + 176);
        t6a = _mm512_loadu_ps(tb + 192), t6b = _mm512_loadu_ps(tb + 208);
        t7a = _mm512_loadu_ps(tb + 224), t7b = _mm512_loadu_ps(tb + 240);
        for (t = 0; t < nmin; ++t) {
            NNC_SL_FSTEP(s0, t0a, t0b, 0);
            NNC_SL_FSTEP(s1, t1a, t1b, 1);
            NNC_SL_FSTEP(s2, t2a, t2b, 2);
            NNC_SL_FSTEP(s3, t3a, t3b, 3);
            NNC_SL_FSTEP(s4, t4a, t4b, 4);
            NNC_SL_FSTEP(s5, t5a, t5b, 5);
            NNC_SL_FSTEP(s6, t6a, t6b, 6);
            NNC_SL_FSTEP(s7, t7a, t7b, 7);
            ix += 8 * NNC_SL_R;
            v += 8 * NNC_SL_R;
        }
        for (; t < n; ++t) {
            NNC_SL_CSTEP(s0, t0a, t0b, n0);
            NNC_SL_CSTEP(s1, t1a, t1b, n1);
            NNC_SL_CSTEP(s2, t2a, t2b, n2);
            NNC_SL_CSTEP(s3, t3a, t3b, n3);
            NNC_SL_CSTEP(s4, t4a, t4b, n4);
            NNC_SL_CSTEP(s5, t5a, t5b, n5);
            NNC_SL_CSTEP(s6, t6a, t6b, n6);
            NNC_SL_CSTEP(s7, t7a, t7b, n7);
        }
        ix += o;
        v += o;
    }
    a = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
                      _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7)));
    for (b = split; b < k; b += NNC_SL_T) {
        const int32_t n = *st++;
        if (n != 0) {
            const __m512 xa = _mm512_maskz_loadu_ps(nnc_sl_mask(k - b), x + b);
            const __m512 xb = _mm512_maskz_loadu_ps(nnc_sl_mask(k - b - 16), x + b + 16);
            for (t = 0; t < n; ++t) {
                a = _mm512_add_ps(a, NNC_SL_PROD(xa, xb, ix, v));
                ix += NNC_SL_R;
                v += NNC_SL_R;
            }
        }
    }
    if (nr == NNC_SL_R) {
        nnc_sl_store4(y, rows, _mm512_castps512_ps128(a));
        nnc_sl_store4(y, rows + 4, _mm512_extractf32x4_ps(a, 1));
        nnc_sl_store4(y, rows + 8, _mm512_extractf32x4_ps(a, 2));
        nnc_sl_store4(y, rows + 12, _mm512_extractf32x4_ps(a, 3));
    } else {
        _mm512_storeu_ps(tmp, a);
        for (t = 0; t < nr; ++t) {
            y[rows[t]] = tmp[t];
        }
    }
    return (int32_t)(ix - ix0);
}

/* the outputs' bias and activation, in output order, 16 at a time */
static void nnc_sl_epilogue(int32_t n, const float *bias, const nnc_act_f32 *act, float *y)
{
    int32_t o;
    if (bias == 0 && act == 0) {
        return;
    }
    for (o = 0; o < n; o += NNC_SL_R) {
        const __mmask16 m = nnc_sl_mask(n - o);
        __m512 a = _mm512_maskz_loadu_ps(m, y + o);
        if (bias != 0) {
            a = _mm512_add_ps(a, _mm512_maskz_loadu_ps(m, bias + o));
        }
        if (act != 0) {
            a = _mm512_mask_mul_ps(a, _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_LT_OQ), a,
                                   _mm512_set1_ps(act->leaky));
            a = _mm512_mask_mov_ps(a, _mm512_cmp_ps_mask(a, _mm512_set1_ps(act->out_min), _CMP_LT_OQ),
                                   _mm512_set1_ps(act->out_min));
            a = _mm512_mask_mov_ps(a, _mm512_cmp_ps_mask(a, _mm512_set1_ps(act->out_max), _CMP_GT_OQ),
                                   _mm512_set1_ps(act->out_max));
        }
        _mm512_mask_storeu_ps(y + o, m, a);
    }
}
#define NNC_SL_SIMD 1
#endif

#ifndef NNC_SL_SIMD
/* a slice's outputs: row sum a[r] of lane r < nr, plus its bias, activated, to output rows[r] */
static void nnc_sl_out(const float *a, int32_t nr, const int32_t *rows, const float *bias, const nnc_act_f32 *act,
                       float *y)
{
    int32_t r;
    for (r = 0; r < nr; ++r) {
        const int32_t o = rows[r];
        y[o] = nnc_act_f32_apply(act, bias != 0 ? a[r] + bias[o] : a[r]);
    }
}

/* a step of class c: each lane's entry (unless padding) added into its row's partial sum of the class */
static void nnc_sl_pstep(float s[][8], int32_t c, const float *xb, const uint8_t *ix, const float *v)
{
    int32_t r;
    for (r = 0; r < NNC_SL_R; ++r) {
        const int32_t e = ix[r];
        if (!(e & NNC_SL_PAD)) {
            s[r][c] += xb[8 * e + c] * v[r];
        }
    }
}

/* one slice's row sums into a[16], the steps in the stored order (the SIMD path's) */
static void nnc_sl_slice(const float *x, int32_t k, int32_t split, const uint8_t *st, const uint8_t *ix,
                         const float *v, float *a)
{
    float s[NNC_SL_R][8];
    int32_t b, c, r, t;
    for (r = 0; r < NNC_SL_R; ++r) {
        for (c = 0; c < 8; ++c) {
            s[r][c] = 0.0f;
        }
    }
    for (b = 0; b * NNC_SL_B < split; ++b, st += 8) {
        const float *xb = x + b * NNC_SL_B;
        int32_t live = 1;
        for (t = 0; live; ++t) {
            live = 0;
            for (c = 0; c < 8; ++c) {
                if (t < st[c]) {
                    nnc_sl_pstep(s, c, xb, ix, v);
                    ix += NNC_SL_R;
                    v += NNC_SL_R;
                    live = 1;
                }
            }
        }
    }
    for (r = 0; r < NNC_SL_R; ++r) {
        a[r] = nnc_cf32_tree(s[r]);
    }
    for (b = split; b < k; b += NNC_SL_T) {
        const int32_t n = *st++;
        for (t = 0; t < n; ++t) {
            for (r = 0; r < NNC_SL_R; ++r) {
                const int32_t e = ix[r];
                if (!(e & NNC_SL_PAD)) {
                    a[r] += x[b + e] * v[r];
                }
            }
            ix += NNC_SL_R;
            v += NNC_SL_R;
        }
    }
}
#endif

void dense_sparse_sl_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const uint8_t *steps,
                         const uint8_t *index, const float *values, const int32_t *rows, const float *bias,
                         int32_t split, float *scratch, float *output)
{
    const int32_t k = g->in_features, n_out = g->out_features;
    const int32_t ng = 8 * ((split + NNC_SL_B - 1) / NNC_SL_B) + (k - split + NNC_SL_T - 1) / NNC_SL_T;
    int32_t b, s0;
    (void)scratch;
#ifdef NNC_SL_SIMD
    (void)nnc_cf32_tree; /* the portable loop's helpers (compress_f32.inc) */
    (void)nnc_act_f32_apply;
    (void)nnc_sl_steps;
#endif
    for (b = 0; b < g->batch; ++b) {
        const float *x = input + b * k;
        const uint8_t *st = steps, *ix = index;
        const float *v = values;
#ifdef NNC_SL_SIMD
        nnc_sl_regroup(x, split, scratch);
#endif
        for (s0 = 0; s0 < n_out; s0 += NNC_SL_R) {
            const int32_t nr = n_out - s0 < NNC_SL_R ? n_out - s0 : NNC_SL_R;
#ifdef NNC_SL_SIMD
            const int32_t ne = nnc_sl_slice(x, scratch, k, split, nr, st, ix, v, rows + s0, output + b * n_out);
#else
            const int32_t ne = nnc_sl_steps(st, ng) * NNC_SL_R;
            float a[NNC_SL_R];
            nnc_sl_slice(x, k, split, st, ix, v, a);
            nnc_sl_out(a, nr, rows + s0, bias, act, output + b * n_out);
#endif
            st += ng;
            ix += ne;
            v += ne;
        }
#ifdef NNC_SL_SIMD
        nnc_sl_epilogue(n_out, bias, act, output + b * n_out);
#endif
    }
}
