/* nncodegen kernels: sparse fully connected layer, affine int8, pair-run layout (see dense_sparse_pr_s8.h).
 * ARMv7E-M DSP with __OPTIMIZE__: the input row's pairs (x[i] low, x[i + 1] high, int16 each) built once in scratch,
 * then per row and block two asm loops of eight steps a pass, each entered by TBB at the step that leaves a multiple
 * of eight (2 instructions a pass):
 *   pair step    two index loads, two table loads (LDR, lsl #2), one value load, two SXTB16, two SMLAD:
 *                9 instructions for up to four weights;
 *   single step  dense_sparse_s8's step: four LDRB, four LDRSB, one value load, two PKHBT, two SXTB16, two SMLAD:
 *                15 instructions for up to four weights.
 * The offset's share, off * wsum[o], is added first; the loops add x * w (modulo 2^32, like SMLAD: the total fits
 * int32, so it is exact).  Elsewhere the portable loop adds (x + off) * w entry by entry. */
#include "dense_sparse_pr_s8.h"

#include "nnc_affine.h"
#include "nnc_simd.h"

#define NNC_PR_BLOCK 256

int32_t dense_sparse_pr_scratch_size_s8(const nnc_dense_geom *g)
{
    return 4 * g->in_features;
}

#if defined(NNC_SIMD_DSP) && defined(__thumb2__) && defined(__OPTIMIZE__)
#define NNC_PR_ASM 1
#define NNC_PR_PSTEP                                                                                         \
    "ldrb %[i1], [%[pi], #1]\n\t"                                                                           \
    "ldrb %[i0], [%[pi]], #2\n\t"                                                                           \
    "ldr %[i1], [%[tb], %[i1], lsl #2]\n\t"                                                                 \
    "ldr %[i0], [%[tb], %[i0], lsl #2]\n\t"                                                                 \
    "ldr %[wv], [%[pv]], #4\n\t"                                                                            \
    "sxtb16 %[w0], %[wv]\n\t"                                                                               \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                                       \
    "smlad %[a], %[i0], %[w0], %[a]\n\t"                                                                    \
    "smlad %[a], %[i1], %[wv], %[a]\n\t"
#define NNC_PR_SSTEP                                                                                         \
    "ldrb %[i1], [%[pi], #1]\n\t"                                                                           \
    "ldrb %[i2], [%[pi], #2]\n\t"                                                                           \
    "ldrb %[i3], [%[pi], #3]\n\t"                                                                           \
    "ldrb %[i0], [%[pi]], #4\n\t"                                                                           \
    "ldrsb %[i1], [%[tb], %[i1]]\n\t"                                                                       \
    "ldrsb %[i2], [%[tb], %[i2]]\n\t"                                                                       \
    "ldrsb %[i3], [%[tb], %[i3]]\n\t"                                                                       \
    "ldrsb %[i0], [%[tb], %[i0]]\n\t"                                                                       \
    "ldr %[wv], [%[pv]], #4\n\t"                                                                            \
    "pkhbt %[i0], %[i0], %[i2], lsl #16\n\t"                                                                \
    "pkhbt %[i1], %[i1], %[i3], lsl #16\n\t"                                                                \
    "sxtb16 %[i2], %[wv]\n\t"                                                                               \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                                       \
    "smlad %[a], %[i0], %[i2], %[a]\n\t"                                                                    \
    "smlad %[a], %[i1], %[wv], %[a]\n\t"

/* lo's and hi's low halves as one int16 pair (PKHBT) */
static inline int32_t nnc_pr_pack(int32_t lo, int32_t hi)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}

/* a + the x * w of t >= 1 pair steps (tb: the block's first table entry), pi / pv moved past them */
static inline int32_t nnc_pr_pairs(const int32_t *tb, const uint8_t **ppi, const int8_t **ppv, int32_t t, int32_t a)
{
    const uint8_t *pi = *ppi;
    const int8_t *pv = *ppv;
    int32_t n = (t + 7) >> 3, i0, i1, w0, wv;
    __asm__(NNC_ASM_LOOP8(NNC_PR_PSTEP)
            : [a] "+r"(a), [pi] "+r"(pi), [pv] "+r"(pv), [n] "+r"(n), [i0] "=&r"(i0), [i1] "=&r"(i1), [w0] "=&r"(w0),
              [wv] "=&r"(wv)
            : [tb] "r"(tb), [r] "r"(t & 7)
            : "cc", "memory");
    *ppi = pi;
    *ppv = pv;
    return a;
}

/* a + the x * w of t >= 1 single steps (tb: the block's first input), pi / pv moved past them */
static inline int32_t nnc_pr_singles(const int8_t *tb, const uint8_t **ppi, const int8_t **ppv, int32_t t, int32_t a)
{
    const uint8_t *pi = *ppi;
    const int8_t *pv = *ppv;
    int32_t n = (t + 7) >> 3, i0, i1, i2, i3, wv;
    __asm__(NNC_ASM_LOOP8(NNC_PR_SSTEP)
            : [a] "+r"(a), [pi] "+r"(pi), [pv] "+r"(pv), [n] "+r"(n), [i0] "=&r"(i0), [i1] "=&r"(i1), [i2] "=&r"(i2),
              [i3] "=&r"(i3), [wv] "=&r"(wv)
            : [tb] "r"(tb), [r] "r"(t & 7)
            : "cc", "memory");
    *ppi = pi;
    *ppv = pv;
    return a;
}
#undef NNC_PR_PSTEP
#undef NNC_PR_SSTEP
#endif

void dense_sparse_pr_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const uint8_t *count,
                        const uint8_t *index, const int8_t *values, const int32_t *wsum, const int32_t *bias,
                        int32_t *scratch, int8_t *output)
{
    const int32_t k = g->in_features, n_out = g->out_features, xoff = rq->input_offset;
    const int32_t nb = (k + NNC_PR_BLOCK - 1) / NNC_PR_BLOCK;
    int32_t b, o, c;
#if defined(NNC_PR_ASM)
    int32_t i;
#else
    int32_t t;
    (void)scratch;
    (void)wsum;
#endif
    for (b = 0; b < g->batch; ++b) {
        const int8_t *x = input + b * k;
        int8_t *y = output + b * n_out;
        const uint8_t *cn = count, *pi = index;
        const int8_t *pv = values;
#if defined(NNC_PR_ASM)
        for (i = 0; i + 1 < k; ++i) { /* x[i] and x[i + 1] as an int16 pair */
            scratch[i] = nnc_pr_pack(x[i], x[i + 1]);
        }
        scratch[k - 1] = nnc_pr_pack(x[k - 1], 0);
#endif
        for (o = 0; o < n_out; ++o) {
#if defined(NNC_PR_ASM)
            /* the offset's share, off * (the row's weight sum), first (modulo 2^32: the total is exact) */
            int32_t a = (int32_t)((uint32_t)(bias ? bias[o] : 0) + (uint32_t)xoff * (uint32_t)wsum[o]);
            for (c = 0; c < nb; ++c, cn += 2) {
                if (cn[0] != 0) {
                    a = nnc_pr_pairs(scratch + c * NNC_PR_BLOCK, &pi, &pv, cn[0], a);
                }
                if (cn[1] != 0) {
                    a = nnc_pr_singles(x + c * NNC_PR_BLOCK, &pi, &pv, cn[1], a);
                }
            }
#else
            int32_t a = bias ? bias[o] : 0;
            for (c = 0; c < nb; ++c, cn += 2) {
                const int8_t *xb = x + c * NNC_PR_BLOCK;
                for (t = cn[0]; t > 0; --t, pi += 2, pv += 4) { /* two pairs: columns p, p + 1 */
                    a += (xb[pi[0]] + xoff) * pv[0] + (xb[pi[0] + 1] + xoff) * pv[2];
                    a += (xb[pi[1]] + xoff) * pv[1] + (xb[pi[1] + 1] + xoff) * pv[3];
                }
                for (t = 4 * cn[1]; t > 0; --t, ++pi, ++pv) {
                    a += (xb[pi[0]] + xoff) * pv[0];
                }
            }
#endif
            y[o] = (int8_t)nnc_requant_s8_apply(a, rq, o);
        }
    }
}
