/* nncodegen kernels: 1x1 (pointwise) convolution, affine int8, input offset folded into the bias
 * (conv2d_pw_s8.h).  With the offset in the bias the sum is a plain int8 dot product, the q7 one
 * of nnc_simd.h (SMLAD on SXTB16-widened operands, NEON, SDOT, PMADDWD), with no per-element add.
 *
 * Paths:
 *   generic  blocks of eight, then four, output channels, every pixel per block (the requantization
 *            constants of a block prepared once, nnc_mbqm_prep), then the channels left one by one.
 *   arm-dsp  (NNC_SIMD_DSP, in_c <= NNC_PW_DSP_K) blocks of four output channels whose weights are
 *            widened once per block into a local [in_c / 4][channel][2] table of int16 pairs (the
 *            pairs SXTB16 makes: bytes 0 and 2, then 1 and 3), so that the inner step per four inputs
 *            of a pixel is one LDR + two SXTB16 of the input and eight SMLAD; the block's four
 *            accumulators stay in registers (CMSIS-NN's arm_nn_mat_mult_nt_t_s8 widens both operands
 *            in the inner loop and adds the offset's sum at run time).
 * Why the sums are exact: see conv2d_pw_s8.h (the accumulator bound of conv2d_s8 also bounds
 * sum |x| * |w|, |x| <= 128 <= max |x + input_offset|, so the q7 dot products' contract holds and
 * the bias is added modulo 2^32).
 * The local table takes 8 * NNC_PW_DSP_K bytes of stack (2 KB by default).
 */
#include "conv2d_pw_s8.h"
#include "nnc_affine.h"
#include "nnc_simd.h"

#ifndef NNC_PW_DSP_K
#define NNC_PW_DSP_K 256 /* arm-dsp: largest in_c with a widened weight table */
#endif

static int32_t conv2d_pw_add_s8(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* Requantization constants of channels c .. c + n - 1; 1 when all of them take nnc_mbqm_pre_apply. */
static int conv2d_pw_prep_s8(const nnc_requant_s8 *rq, int32_t c, int32_t n, nnc_mbqm_pre *pre)
{
    static const nnc_mbqm_pre zero = {{0, 0}, 0, 0}; /* (not read when fast is 0; set for gcc -O3's warning) */
    int32_t j;
    int fast = 1;
    for (j = 0; j < n; ++j) {
        pre[j] = zero;
        fast &= nnc_mbqm_prep(rq->multiplier[c + j], rq->shift[c + j], rq->rounding, pre + j);
    }
    return fast;
}

/* nnc_requant_s8_apply(acc, rq, c) with channel c's prepared constants when fast. */
static int8_t conv2d_pw_out_s8(int32_t acc, const nnc_requant_s8 *rq, int32_t c, int fast, const nnc_mbqm_pre *pre)
{
    int32_t v;
    if (!fast) {
        return (int8_t)nnc_requant_s8_apply(acc, rq, c);
    }
    v = nnc_mbqm_pre_apply(acc, pre) + rq->output_offset;
    return (int8_t)(v < rq->out_min ? rq->out_min : (v > rq->out_max ? rq->out_max : v));
}

#if defined(NNC_SIMD_DSP)

/* one step of four inputs of pixel x against the block's widened weights at wt (moved past them) */
#define NNC_PW_DSP_STEP(x, wt)                                                \
    do {                                                                      \
        const int32_t xv_ = nnc_dsp_load4(x);                                 \
        const int32_t xa_ = __sxtb16(xv_), xb_ = nnc_dsp_sxtb16_ror8(xv_);    \
        int32_t w0_, w1_;                                                     \
        NNC_DSP_LDRD_POSTINC(w0_, w1_, wt);                                   \
        a0 = __smlad(xa_, w0_, a0);                                           \
        a0 = __smlad(xb_, w1_, a0);                                           \
        NNC_DSP_LDRD_POSTINC(w0_, w1_, wt);                                   \
        a1 = __smlad(xa_, w0_, a1);                                           \
        a1 = __smlad(xb_, w1_, a1);                                           \
        NNC_DSP_LDRD_POSTINC(w0_, w1_, wt);                                   \
        a2 = __smlad(xa_, w0_, a2);                                           \
        a2 = __smlad(xb_, w1_, a2);                                           \
        NNC_DSP_LDRD_POSTINC(w0_, w1_, wt);                                   \
        a3 = __smlad(xa_, w0_, a3);                                           \
        a3 = __smlad(xb_, w1_, a3);                                           \
    } while (0)

/* Every pixel of the block of channels oc .. oc + 3: accumulators a0 .. a3 from the folded bias, the widened
 * weights (eight inputs per loop pass), the in_c % 4 inputs left over from the int8 rows w, then OUT(a, j)
 * stores output channel oc + j. */
#define NNC_PW_DSP_PIXELS(OUT)                                                                    \
    for (p = 0; p < pixels; ++p) {                                                                \
        const int8_t *x = input + p * cin;                                                        \
        const int32_t *wp = wt;                                                                   \
        int8_t *y = output + p * cout + oc;                                                       \
        int32_t a0 = bias_x[oc], a1 = bias_x[oc + 1], a2 = bias_x[oc + 2], a3 = bias_x[oc + 3]; \
        for (i = 0; i + 2 <= n4; i += 2, x += 8) {                                                \
            NNC_PW_DSP_STEP(x, wp);                                                               \
            NNC_PW_DSP_STEP(x + 4, wp);                                                           \
        }                                                                                         \
        if (i < n4) {                                                                             \
            NNC_PW_DSP_STEP(x, wp);                                                               \
            x += 4;                                                                               \
        }                                                                                         \
        for (i = 0; i < tail; ++i) {                                                              \
            const int32_t xi = x[i];                                                              \
            a0 = conv2d_pw_add_s8(a0, xi * w[4 * n4 + i]);                                        \
            a1 = conv2d_pw_add_s8(a1, xi * w[cin + 4 * n4 + i]);                                  \
            a2 = conv2d_pw_add_s8(a2, xi * w[2 * cin + 4 * n4 + i]);                              \
            a3 = conv2d_pw_add_s8(a3, xi * w[3 * cin + 4 * n4 + i]);                              \
        }                                                                                         \
        y[0] = (int8_t)OUT(a0, 0);                                                                \
        y[1] = (int8_t)OUT(a1, 1);                                                                \
        y[2] = (int8_t)OUT(a2, 2);                                                                \
        y[3] = (int8_t)OUT(a3, 3);                                                                \
    }

/* the three epilogues: TFLite's requantization, prepared (nnc_mbqm_pre) into the full int8 range (SSAT) or
 * into [out_min, out_max], or nnc_requant_s8_apply (other roundings and shifts) */
#define NNC_PW_OUT_SAT8(a, j) __ssat(nnc_mbqm_pre_apply(a, pre + (j)) + off, 8)
#define NNC_PW_OUT_CLAMP(a, j) nnc_dsp_clamp(nnc_mbqm_pre_apply(a, pre + (j)) + off, lo, hi)
#define NNC_PW_OUT_ANY(a, j) nnc_requant_s8_apply(a, rq, oc + (j))

static inline int32_t nnc_dsp_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Output channels [0, out_c - out_c % 4) of every pixel; returns the first channel not computed. */
static NNC_NOINLINE int32_t conv2d_pw_dsp_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                                             const int8_t *weights, const int32_t *bias_x, int8_t *output)
{
    const int32_t pixels = g->batch * g->in_h * g->in_w, cin = g->in_c, cout = g->out_c;
    const int32_t n4 = cin / 4, tail = cin % 4, off = rq->output_offset, lo = rq->out_min, hi = rq->out_max;
    int32_t wt[NNC_PW_DSP_K * 2]; /* [in_c / 4][channel][2]: SXTB16 pairs of four weight rows */
    nnc_mbqm_pre pre[4];
    int32_t oc, p, i, j;
    for (oc = 0; oc + 4 <= cout; oc += 4) {
        const int8_t *w = weights + oc * cin;
        const int fast = conv2d_pw_prep_s8(rq, oc, 4, pre);
        for (i = 0; i < n4; ++i) {
            for (j = 0; j < 4; ++j) {
                const int32_t v = nnc_dsp_load4(w + j * cin + 4 * i);
                wt[i * 8 + 2 * j] = __sxtb16(v);
                wt[i * 8 + 2 * j + 1] = nnc_dsp_sxtb16_ror8(v);
            }
        }
        if (fast && lo == -128 && hi == 127) {
            NNC_PW_DSP_PIXELS(NNC_PW_OUT_SAT8)
        } else if (fast) {
            NNC_PW_DSP_PIXELS(NNC_PW_OUT_CLAMP)
        } else {
            NNC_PW_DSP_PIXELS(NNC_PW_OUT_ANY)
        }
    }
    return oc;
}
#undef NNC_PW_DSP_STEP
#undef NNC_PW_DSP_PIXELS
#undef NNC_PW_OUT_SAT8
#undef NNC_PW_OUT_CLAMP
#undef NNC_PW_OUT_ANY
#endif

void conv2d_pw_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights,
                  const int32_t *bias_x, int8_t *output)
{
    const int32_t pixels = g->batch * g->in_h * g->in_w, cin = g->in_c, cout = g->out_c;
    nnc_mbqm_pre pre[8];
    int32_t oc = 0, p, j;
#if defined(NNC_SIMD_DSP)
    if (cin <= NNC_PW_DSP_K) {
        oc = conv2d_pw_dsp_s8(g, rq, input, weights, bias_x, output);
    }
#endif
    for (; oc + 8 <= cout; oc += 8) {
        const int fast = conv2d_pw_prep_s8(rq, oc, 8, pre);
        for (p = 0; p < pixels; ++p) {
            int32_t v[8];
            nnc_acc8_store(nnc_dot8_q7_i32(input + p * cin, weights + oc * cin, cin, cin), v);
            for (j = 0; j < 8; ++j) {
                output[p * cout + oc + j] = conv2d_pw_out_s8(conv2d_pw_add_s8(bias_x[oc + j], v[j]), rq, oc + j, fast,
                                                             pre + j);
            }
        }
    }
    for (; oc + 4 <= cout; oc += 4) {
        const int fast = conv2d_pw_prep_s8(rq, oc, 4, pre);
        for (p = 0; p < pixels; ++p) {
            int32_t v[4];
            nnc_dot4_q7_i32(input + p * cin, weights + oc * cin, cin, cin, v);
            for (j = 0; j < 4; ++j) {
                output[p * cout + oc + j] = conv2d_pw_out_s8(conv2d_pw_add_s8(bias_x[oc + j], v[j]), rq, oc + j, fast,
                                                             pre + j);
            }
        }
    }
    for (; oc < cout; ++oc) {
        const int fast = conv2d_pw_prep_s8(rq, oc, 1, pre);
        for (p = 0; p < pixels; ++p) {
            const int32_t acc = conv2d_pw_add_s8(bias_x[oc], nnc_dot_q7_i32(input + p * cin, weights + oc * cin, cin));
            output[p * cout + oc] = conv2d_pw_out_s8(acc, rq, oc, fast, pre);
        }
    }
}

/* ---------------------------------------------------------------- conv2d_pwp_s8: packed int16 weights */
#ifndef NNC_PWP_K
#define NNC_PWP_K 256 /* conv2d_pwp_s8's DSP path: largest in_c (two widened pixels take 4 * NNC_PWP_K bytes) */
#endif
#ifndef NNC_PWP_CC
#define NNC_PWP_CC 64 /* conv2d_pwp_s8's DSP path: output channels per chunk (requantization prepared once) */
#endif

/* weight (c, k) of the packed array (conv2d_pw_s8.h): word ((c / 2) * g4 + k / 4) * 4 + (c % 2) * 2 + k % 2,
 * its low half for k % 4 < 2, else its high half */
static int32_t conv2d_pwp_w(const int32_t *wpk, int32_t g4, int32_t c, int32_t k)
{
    const uint32_t v = (uint32_t)wpk[((c / 2) * g4 + k / 4) * 4 + (c % 2) * 2 + k % 2];
    const int32_t h = (int32_t)(((k % 4) / 2 ? v >> 16 : v) & 0xFFFFu);
    return (h ^ 0x8000) - 0x8000;
}

#if defined(NNC_SIMD_DSP)
/* four inputs of two pixels (the words v0, v1) as int16 pairs into xw: (v0 bytes 0, 2), (v1 bytes 0, 2),
 * (v0 bytes 1, 3), (v1 bytes 1, 3), each pair doubled (SADD16 with itself: 2 x in [-256, 254]) when dbl */
static inline void conv2d_pwp_widen4(int32_t v0, int32_t v1, int32_t *xw, int dbl)
{
    int32_t e0 = __sxtb16(v0), e1 = __sxtb16(v1), e2 = nnc_dsp_sxtb16_ror8(v0), e3 = nnc_dsp_sxtb16_ror8(v1);
    if (dbl) {
        e0 = __sadd16(e0, e0);
        e1 = __sadd16(e1, e1);
        e2 = __sadd16(e2, e2);
        e3 = __sadd16(e3, e3);
    }
    xw[0] = e0;
    xw[1] = e1;
    xw[2] = e2;
    xw[3] = e3;
}

/* The inputs of pixels x0 and x1 as int16 pairs, four words per four inputs k0 .. k3: (x0[k0], x0[k2]),
 * (x1[k0], x1[k2]), (x0[k1], x0[k3]), (x1[k1], x1[k3]) (SXTB16 of a loaded word, without and with ROR #8);
 * inputs past in_c are 0; doubled when dbl (the inputs of nnc_dsp_rqd_s8's doubled accumulators). */
static inline void conv2d_pwp_widen(const int8_t *x0, const int8_t *x1, int32_t cin, int32_t *xw, int dbl)
{
    int32_t i, k;
    for (i = 0; i + 4 <= cin; i += 4, xw += 4) {
        conv2d_pwp_widen4(nnc_dsp_load4(x0 + i), nnc_dsp_load4(x1 + i), xw, dbl);
    }
    if (i < cin) {
        int8_t b0[4] = {0, 0, 0, 0}, b1[4] = {0, 0, 0, 0};
        for (k = 0; i + k < cin; ++k) {
            b0[k] = x0[i + k];
            b1[k] = x1[i + k];
        }
        conv2d_pwp_widen4(nnc_dsp_load4(b0), nnc_dsp_load4(b1), xw, dbl);
    }
}

/* four inputs of both pixels (xp, moved past them) against two output channels' packed weights (wp, moved
 * past them): loads and SMLAD only, one asm block; the inputs' four words in one LDM into r0-r3 (named in the
 * text, so that the list is in register order; clobbered), the weights by two LDRD: eleven instructions for
 * sixteen MACs (without optimization, gcc -O0 finds no registers for it: there the inputs take two LDRD into
 * named operands, twelve instructions) */
#if defined(__OPTIMIZE__)
#define NNC_PWP_STEP()                                                                             \
    do {                                                                                           \
        int32_t w0_, w1_;                                                                          \
        __asm__("ldmia %[xp]!, {r0, r1, r2, r3}\n\t"                                               \
                "ldrd %[w0], %[w1], [%[wp]], #8\n\t"                                               \
                "smlad %[a00], r0, %[w0], %[a00]\n\t"                                              \
                "smlad %[a01], r1, %[w0], %[a01]\n\t"                                              \
                "smlad %[a00], r2, %[w1], %[a00]\n\t"                                              \
                "smlad %[a01], r3, %[w1], %[a01]\n\t"                                              \
                "ldrd %[w0], %[w1], [%[wp]], #8\n\t"                                               \
                "smlad %[a10], r0, %[w0], %[a10]\n\t"                                              \
                "smlad %[a11], r1, %[w0], %[a11]\n\t"                                              \
                "smlad %[a10], r2, %[w1], %[a10]\n\t"                                              \
                "smlad %[a11], r3, %[w1], %[a11]"                                                  \
                : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [xp] "+r"(xp),   \
                  [wp] "+r"(wp), [w0] "=&r"(w0_), [w1] "=&r"(w1_)                                  \
                :                                                                                  \
                : "r0", "r1", "r2", "r3", "memory");                                               \
    } while (0)
#else
#define NNC_PWP_STEP()                                                                             \
    do {                                                                                           \
        int32_t x0_, x1_, x2_, x3_, w0_, w1_;                                                      \
        __asm__("ldrd %[x0], %[x1], [%[xp]], #8\n\t"                                               \
                "ldrd %[x2], %[x3], [%[xp]], #8\n\t"                                               \
                "ldrd %[w0], %[w1], [%[wp]], #8\n\t"                                               \
                "smlad %[a00], %[x0], %[w0], %[a00]\n\t"                                           \
                "smlad %[a01], %[x1], %[w0], %[a01]\n\t"                                           \
                "smlad %[a00], %[x2], %[w1], %[a00]\n\t"                                           \
                "smlad %[a01], %[x3], %[w1], %[a01]\n\t"                                           \
                "ldrd %[w0], %[w1], [%[wp]], #8\n\t"                                               \
                "smlad %[a10], %[x0], %[w0], %[a10]\n\t"                                           \
                "smlad %[a11], %[x1], %[w0], %[a11]\n\t"                                           \
                "smlad %[a10], %[x2], %[w1], %[a10]\n\t"                                           \
                "smlad %[a11], %[x3], %[w1], %[a11]"                                               \
                : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [xp] "+r"(xp),   \
                  [wp] "+r"(wp), [x0] "=&r"(x0_), [x1] "=&r"(x1_), [x2] "=&r"(x2_), [x3] "=&r"(x3_),   \
                  [w0] "=&r"(w0_), [w1] "=&r"(w1_)                                                 \
                :                                                                                  \
                : "memory");                                                                       \
    } while (0)
#endif

/* the four accumulators over every input of the two pixels (xw) and one channel pair (wp, moved past it):
 * four steps per loop pass */
#define NNC_PWP_DOT()                                                                              \
    do {                                                                                           \
        const int32_t *xp = xw;                                                                    \
        while (xp + 16 <= xe) {                                                                    \
            NNC_PWP_STEP();                                                                        \
            NNC_PWP_STEP();                                                                        \
            NNC_PWP_STEP();                                                                        \
            NNC_PWP_STEP();                                                                        \
        }                                                                                          \
        while (xp < xe) {                                                                          \
            NNC_PWP_STEP();                                                                        \
        }                                                                                          \
    } while (0)

/* Every channel of the chunk for the two pixels p, p + 1 (widened in xw): the pairs' accumulators from the
 * folded bias, NNC_PWP_DOT, then OUT(a, q) stores it with the prepared constants q (the second pixel only when
 * it exists); an odd last channel runs with the packed zero channel beside it, not stored. */
#define NNC_PWP_PAIRS(OUT)                                                                         \
    do {                                                                                           \
        const int32_t *wp = wpk + (c0 / 2) * g4 * 4, *bp = bias_x + c0;                            \
        const nnc_mbqm_pre *q = pre;                                                               \
        int8_t *y = output + p * cout + c0;                                                        \
        for (j = 0; j + 2 <= cn; j += 2, bp += 2, q += 2, y += 2) {                                \
            int32_t a00 = bp[0], a01 = bp[0], a10 = bp[1], a11 = bp[1];                            \
            NNC_PWP_DOT();                                                                         \
            y[0] = (int8_t)OUT(a00, q, c0 + j);                                                    \
            y[1] = (int8_t)OUT(a10, q + 1, c0 + j + 1);                                            \
            if (two) {                                                                             \
                y[cout] = (int8_t)OUT(a01, q, c0 + j);                                             \
                y[cout + 1] = (int8_t)OUT(a11, q + 1, c0 + j + 1);                                 \
            }                                                                                      \
        }                                                                                          \
        if (j < cn) {                                                                              \
            int32_t a00 = bp[0], a01 = bp[0], a10 = 0, a11 = 0;                                    \
            NNC_PWP_DOT();                                                                         \
            y[0] = (int8_t)OUT(a00, q, c0 + j);                                                    \
            if (two) {                                                                             \
                y[cout] = (int8_t)OUT(a01, q, c0 + j);                                             \
            }                                                                                      \
            (void)a10;                                                                             \
            (void)a11;                                                                             \
        }                                                                                          \
    } while (0);

#define NNC_PWP_OUT_SAT8(a, q, c) __ssat(nnc_mbqm_pre_apply(a, q) + off, 8)
#define NNC_PWP_OUT_CLAMP(a, q, c) nnc_dsp_clamp(nnc_mbqm_pre_apply(a, q) + off, lo, hi)
#define NNC_PWP_OUT_ANY(a, q, c) nnc_requant_s8_apply(a, rq, c)

/* nnc_dsp_rqd_s8's constants of a channel pair: folded biases (doubled when the inputs are), multipliers, k,
 * right shifts */
typedef struct {
    int32_t b[2], m[2], k[2], r[2];
} conv2d_pwp_rqd;

/* nnc_dsp_rqd_prep's 32-bit case (-22 <= shift <= -1, multiplier >= 0, |b| + in_c 2^14 < 2^30, the output offset
 * in [-128, 128]: off_ok) tested in 32 bits (blim = 2^30 - in_c 2^14, or 0) and its constants written as it writes
 * them; other channels through nnc_dsp_rqd_prep itself (cb = in_c 2^14).  Channel c, folded bias b; 1 when it
 * takes nnc_dsp_rqd_s8. */
static inline int conv2d_pwp_rqd1(const nnc_requant_s8 *rq, int32_t c, int32_t b, uint32_t blim, int64_t cb, int off_ok,
                                  int32_t *m, int32_t *k, int32_t *r)
{
    const int32_t mul = rq->multiplier[c], sh = rq->shift[c];
    const uint32_t ab = b < 0 ? 0u - (uint32_t)b : (uint32_t)b; /* |b|, 2^31 for INT32_MIN */
    if ((uint32_t)sh + 22u < 22u && mul >= 0 && ab < blim && off_ok) { /* -22 <= sh <= -1 */
        *m = mul;
        *k = (int32_t)((1u << (-sh - 1)) + ((uint32_t)rq->output_offset << -sh));
        *r = -sh;
        return 1;
    }
    return nnc_dsp_rqd_prep(mul, sh, (int64_t)ab + cb, rq->output_offset, m, k, r);
}

/* The constants of channels c0 .. c0 + cn - 1 in pairs (an odd last channel beside zeros); 1 when every channel
 * takes nnc_dsp_rqd_s8: TFLite's double rounding into [-128, 127] with a right shift, and the accumulator bound
 * |bias_x| + in_c 2^14 (|x w| <= 128 * 128) small enough for nnc_dsp_rqd_prep (conv2d_pwp_rqd1). */
static int conv2d_pwp_prep_rqd(const nnc_requant_s8 *rq, const int32_t *bias_x, int32_t c0, int32_t cn, int32_t cin,
                               int dbl, conv2d_pwp_rqd *q)
{
    const int64_t cb = (int64_t)cin * 16384;
    const uint32_t blim = cb < ((int64_t)1 << 30) ? (uint32_t)(((int64_t)1 << 30) - cb) : 0u;
    const int off_ok = rq->output_offset >= -128 && rq->output_offset <= 128;
    int32_t j;
    if (rq->rounding != NNC_ROUND_DOUBLE || rq->out_min != -128 || rq->out_max != 127) {
        return 0;
    }
    for (j = 0; j < cn; ++j) {
        conv2d_pwp_rqd *e = q + (j >> 1);
        const int32_t h = j & 1, b = bias_x[c0 + j];
        if (!conv2d_pwp_rqd1(rq, c0 + j, b, blim, cb, off_ok, &e->m[h], &e->k[h], &e->r[h])) {
            return 0;
        }
        e->b[h] = dbl ? (int32_t)((uint32_t)b * 2u) : b; /* |b| < 2^30 */
    }
    if (cn % 2) {
        conv2d_pwp_rqd *e = q + cn / 2;
        e->b[1] = e->m[1] = e->k[1] = e->r[1] = 0;
    }
    return 1;
}

/* One channel pair for the two pixels of xw, outputs at y and y + d (d = 0 when the second pixel is the first
 * one again: both stores then write the same value): the biases, the dot products (DOT()), nnc_dsp_rqd_s8 of
 * TWICE(a) (a itself when the inputs were doubled, else a + a); STORE1 0 for an odd last channel (run beside
 * the zero channel, not stored) */
#define NNC_PWP_RQD_PAIR(DOT, TWICE, STORE1)                                                       \
    do {                                                                                           \
        int32_t a00 = e->b[0], a01 = e->b[0], a10 = e->b[1], a11 = e->b[1];                        \
        DOT();                                                                                     \
        y[0] = (int8_t)nnc_dsp_rqd_s8(TWICE(a00), e->m[0], e->k[0], e->r[0]);                      \
        y[d] = (int8_t)nnc_dsp_rqd_s8(TWICE(a01), e->m[0], e->k[0], e->r[0]);                      \
        if (STORE1) {                                                                              \
            y[1] = (int8_t)nnc_dsp_rqd_s8(TWICE(a10), e->m[1], e->k[1], e->r[1]);                  \
            y[d + 1] = (int8_t)nnc_dsp_rqd_s8(TWICE(a11), e->m[1], e->k[1], e->r[1]);              \
        }                                                                                          \
    } while (0)
#define NNC_PWP_SAME(a) (a)
#define NNC_PWP_TWICE(a) ((a) + (a)) /* |a| < 2^30 (conv2d_pwp_prep_rqd) */

/* the dot products of in_c <= 8 and <= 16 (g4 = 2, 4) unrolled: no loop, the widened inputs at the fixed xw */
#define NNC_PWP_DOT2()                                                                             \
    do {                                                                                           \
        const int32_t *xp = xw;                                                                    \
        NNC_PWP_STEP();                                                                            \
        NNC_PWP_STEP();                                                                            \
    } while (0)
#define NNC_PWP_DOT4()                                                                             \
    do {                                                                                           \
        const int32_t *xp = xw;                                                                    \
        NNC_PWP_STEP();                                                                            \
        NNC_PWP_STEP();                                                                            \
        NNC_PWP_STEP();                                                                            \
        NNC_PWP_STEP();                                                                            \
    } while (0)

/* every channel pair of the chunk (the pairs' constants from rqd, weights from wp) for one pixel pair */
#define NNC_PWP_RQD_PAIRS(DOT, TWICE)                                                              \
    do {                                                                                           \
        const conv2d_pwp_rqd *e = rqd;                                                             \
        for (; e != rqd_end; ++e, y += 2) {                                                        \
            NNC_PWP_RQD_PAIR(DOT, TWICE, 1);                                                       \
        }                                                                                          \
        if (cn % 2) {                                                                              \
            NNC_PWP_RQD_PAIR(DOT, TWICE, 0);                                                       \
        }                                                                                          \
    } while (0)

/* every pixel pair of the chunk: its inputs widened (doubled when DBL), then NNC_PWP_RQD_PAIRS */
#define NNC_PWP_RQD_PIXELS(DOT, DBL, TWICE)                                                        \
    for (p = 0; p < pixels; p += 2) {                                                              \
        const int two = p + 1 < pixels;                                                            \
        const int32_t *wp = wpk + (c0 / 2) * g4 * 4;                                               \
        const int32_t d = two ? cout : 0;                                                          \
        int8_t *y = output + p * cout + c0;                                                        \
        conv2d_pwp_widen(input + p * cin, input + (two ? p + 1 : p) * cin, cin, xw, DBL);          \
        NNC_PWP_RQD_PAIRS(DOT, TWICE);                                                             \
    }

/* what conv2d_pwp8_run's assembly reads (six words, in this order) */
typedef struct {
    const int8_t *x, *xe;  /* the input of the next pixel, the end of the inputs */
    const int32_t *tb, *te; /* the chunk's table and its end */
    int8_t *y;              /* the first pixel's output of channel c0 */
    int32_t ys;             /* out_c - cn: from a pixel's last output of the chunk to the next pixel's first */
} conv2d_pwp8_args;

/* in_c 8, every channel of the chunk c0 .. c0 + cn - 1 taking nnc_dsp_rqd_s8 (rqd: conv2d_pwp_prep_rqd's
 * constants with doubled biases).  conv2d_pwp8_tab writes the chunk's table tb, eight words per channel: the doubled
 * bias, the doubled weights as the pairs (w0, w2), (w1, w3), (w4, w6), (w5, w7), then m, k, r (conv2d_inplace_pwp_s8
 * writes it once per layer, NNC_IP_PREP); conv2d_pwp8_run computes the pixels.  With __OPTIMIZE__ one assembly
 * block for every pixel that holds r0-r12 and lr (r7 pushed and restored by the block itself, the pointers on
 * the stack below its push, the output pointer in lr): per pixel its eight inputs as four SXTB16 pairs in r0-r3
 * for every channel; per channel one LDM of the whole row into r4-r11, four SMLAD (the doubled sum), SUB,
 * SMMLAR, ASR, SSAT, STRB: 10 instructions for 8 MACs, 11.5 with the loop (two channels a pass; 13.5 when the
 * row took two LDM and one LDR into r0-r3; cn == out_c == 16: the sixteen channels without a loop), where the
 * two-pixel path spends about 19 (its epilogue and the widened inputs reloaded per channel pair).  The products are exact (|x| <= 128, |2 w| <= 254) and the doubled
 * sums are the two-pixel path's (which doubles the inputs instead). */
static void conv2d_pwp8_tab(int32_t c0, int32_t cn, const int32_t *wpk, const conv2d_pwp_rqd *rqd, int32_t *tb)
{
    int32_t j;
    for (j = 0; j < cn; ++j) {
        const conv2d_pwp_rqd *e = rqd + j / 2;
        const int32_t h = j % 2, c = c0 + j;
        int32_t *t = tb + 8 * j;
        const int32_t *w = wpk + (c / 2) * 8 + h * 2; /* the packed words: (w0, w2), (w1, w3); 4 on: (w4, w6)... */
        t[0] = e->b[h];
        t[1] = __sadd16(w[0], w[0]); /* both halves doubled */
        t[2] = __sadd16(w[1], w[1]);
        t[3] = __sadd16(w[4], w[4]);
        t[4] = __sadd16(w[5], w[5]);
        t[5] = e->m[h];
        t[6] = e->k[h];
        t[7] = e->r[h];
    }
}

/* the pixels of channels c0 .. c0 + cn - 1 with conv2d_pwp8_tab's table tb */
static NNC_NOINLINE void conv2d_pwp8_run(int32_t pixels, int32_t cout, int32_t c0, int32_t cn, const int8_t *input,
                                         const int32_t *tb, int8_t *output)
{
#if defined(__OPTIMIZE__)
    if (pixels > 0) {
        conv2d_pwp8_args s;
        s.x = input;
        s.xe = input + pixels * 8;
        s.tb = tb;
        s.te = tb + 8 * cn;
        s.y = output + c0;
        s.ys = cout - cn;
/* the end of both asm blocks below: the six pushed arguments dropped, r7 restored; the registers they write */
#define NNC_PWP_ASM_END "add sp, sp, #24\n\t" "pop {r7}"
#define NNC_PWP_ASM_CLOBBERS "r1", "r2", "r3", "r4", "r5", "r6", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory"
/* one channel: its table row (bias, four weight pairs, m, k, r) by one LDM, four SMLAD, nnc_dsp_rqd_s8, STRB (short
 * text: sixteen of them in one string literal stay below C99's 4095 characters) */
#define NNC_PWP8_CHANNEL                                                                                           \
    "ldm r12!,{r4-r11}\n"                                                                                          \
    "smlad r4,r0,r5,r4\n"                                                                                          \
    "smlad r4,r1,r6,r4\n"                                                                                          \
    "smlad r4,r2,r7,r4\n"                                                                                          \
    "smlad r4,r3,r8,r4\n"                                                                                          \
    "sub r10,r10,r4,lsr #31\n"                                                                                     \
    "smmlar r4,r4,r9,r10\n"                                                                                        \
    "asr r4,r4,r11\n"                                                                                              \
    "ssat r4,#8,r4\n"                                                                                              \
    "strb r4,[lr],#1\n"
#define NNC_PWP8_CHANNEL4 NNC_PWP8_CHANNEL NNC_PWP8_CHANNEL NNC_PWP8_CHANNEL NNC_PWP8_CHANNEL
/* after CHANNELS: back to label 2 until the table's end; the output pointer on to the next pixel's (ys = out_c - cn) */
#define NNC_PWP8_LOOP "ldr r4, [sp, #12]\n\tcmp r12, r4\n\tbne 2b\n\t"
#define NNC_PWP8_YS "ldr r4, [sp, #20]\n\tadd lr, lr, r4\n\t"
/* the block: the arguments pushed as [sp] x, xe, tb, te, y, ys under r7, y in lr; per pixel (label 1) its inputs as
 * four SXTB16 pairs in r0-r3, then CHANNELS a pass over the table (label 2), then NEXT (NNC_PWP8_LOOP, NNC_PWP8_YS:
 * none when the pass is the whole table and cn == out_c) */
#define NNC_PWP8_ASM(CHANNELS, NEXT)                                                                               \
    do {                                                                                                           \
        register const conv2d_pwp8_args *sp_ __asm__("r0") = &s; /* set here: no call in between */               \
        __asm__ volatile("push {r7}\n\t"                                                                           \
                         "ldmia r0, {r1, r2, r3, r4, r5, r6}\n\t"                                                  \
                         "push {r1, r2, r3, r4, r5, r6}\n\t"                                                       \
                         "mov lr, r5\n\t"                                                                          \
                         "1:\n\t"                                                                                  \
                         "ldr r12, [sp]\n\t"                                                                       \
                         "ldr r4, [r12], #4\n\t"                                                                   \
                         "ldr r5, [r12], #4\n\t"                                                                   \
                         "str r12, [sp]\n\t"                                                                       \
                         "sxtb16 r0, r4\n\t"                                                                       \
                         "sxtb16 r1, r4, ror #8\n\t"                                                               \
                         "sxtb16 r2, r5\n\t"                                                                       \
                         "sxtb16 r3, r5, ror #8\n\t"                                                               \
                         "ldr r12, [sp, #8]\n\t"                                                                   \
                         "2:\n\t" CHANNELS NEXT                                                                    \
                         "ldrd r4, r5, [sp]\n\t"                                                                   \
                         "cmp r4, r5\n\t"                                                                          \
                         "bne 1b\n\t"                                                                              \
                         NNC_PWP_ASM_END                                                                           \
                         : "+r"(sp_)                                                                               \
                         :                                                                                         \
                         : NNC_PWP_ASM_CLOBBERS);                                                                  \
    } while (0)
        if (cn == 16 && cout == 16) { /* sixteen channels without a loop, the next pixel's right after them */
            NNC_PWP8_ASM(NNC_PWP8_CHANNEL4 NNC_PWP8_CHANNEL4 NNC_PWP8_CHANNEL4 NNC_PWP8_CHANNEL4, "");
        } else if (cn % 2 == 0) { /* two channels a loop pass */
            NNC_PWP8_ASM(NNC_PWP8_CHANNEL NNC_PWP8_CHANNEL, NNC_PWP8_LOOP NNC_PWP8_YS);
        } else {
            NNC_PWP8_ASM(NNC_PWP8_CHANNEL, NNC_PWP8_LOOP NNC_PWP8_YS);
        }
#undef NNC_PWP8_ASM
#undef NNC_PWP8_CHANNEL4
#undef NNC_PWP8_LOOP
#undef NNC_PWP8_YS
#undef NNC_PWP8_CHANNEL
    }
#else /* gcc -O0: the same steps in C */
    int32_t p;
    for (p = 0; p < pixels; ++p) {
        const int8_t *x = input + p * 8;
        const int32_t v0 = nnc_dsp_load4(x), v1 = nnc_dsp_load4(x + 4);
        const int32_t x0 = __sxtb16(v0), x1 = nnc_dsp_sxtb16_ror8(v0);
        const int32_t x2 = __sxtb16(v1), x3 = nnc_dsp_sxtb16_ror8(v1);
        const int32_t *wp = tb;
        int8_t *y = output + p * cout + c0;
        const int8_t *ye = y + cn;
        for (; y != ye; ++y, wp += 8) {
            int32_t a = __smlad(x0, wp[1], wp[0]);
            a = __smlad(x1, wp[2], a);
            a = __smlad(x2, wp[3], a);
            a = __smlad(x3, wp[4], a);
            *y = (int8_t)nnc_dsp_rqd_s8(a, wp[5], wp[6], wp[7]);
        }
    }
#endif
}

#if defined(__OPTIMIZE__)
/* The chunk table of conv2d_pwp_tab_s8 (channels c0 .. c0 + cn - 1, their constants by conv2d_pwp_rqd1, the
 * biases doubled when dbl): the first pair's folded biases as (b0, b0, b1, b1) (the accumulators of its two channels x two
 * pixels), then per channel pair m0, k0, r0, m1, k1, r1 and the next pair's biases (b0, b0, b1, b1; zeros after
 * the last pair), 4 + 10 ((cn + 1) / 2) words; an odd last channel beside zeros.  1 when every channel takes
 * nnc_dsp_rqd_s8. */
static int conv2d_pwp_tab_prep(const nnc_requant_s8 *rq, const int32_t *bias_x, int32_t c0, int32_t cn, int32_t cin,
                               int dbl, int32_t *tab)
{
    const int64_t cb = (int64_t)cin * 16384;
    const uint32_t blim = cb < ((int64_t)1 << 30) ? (uint32_t)(((int64_t)1 << 30) - cb) : 0u;
    const int32_t off = rq->output_offset;
    const int off_ok = off >= -128 && off <= 128;
    const int32_t *mul = rq->multiplier + c0, *sh = rq->shift + c0, *bx = bias_x + c0;
    const uint32_t twice = dbl ? 2u : 1u;
    int32_t j = 0, *t;
    if (rq->rounding != NNC_ROUND_DOUBLE || rq->out_min != -128 || rq->out_max != 127) {
        return 0;
    }
    if (off_ok) { /* conv2d_pwp_rqd1's 32-bit case inline, a channel pair a pass, as long as the channels take it */
        for (t = tab; j + 2 <= cn; j += 2, t += 10) {
            const int32_t m0 = mul[j], r0 = -sh[j], b0 = bx[j], m1 = mul[j + 1], r1 = -sh[j + 1], b1 = bx[j + 1];
            const uint32_t ab0 = b0 < 0 ? 0u - (uint32_t)b0 : (uint32_t)b0;
            const uint32_t ab1 = b1 < 0 ? 0u - (uint32_t)b1 : (uint32_t)b1;
            if ((uint32_t)r0 - 1u >= 22u || m0 < 0 || ab0 >= blim || (uint32_t)r1 - 1u >= 22u || m1 < 0 ||
                ab1 >= blim) { /* 1 <= r <= 22 */
                break;
            }
            t[0] = t[1] = (int32_t)((uint32_t)b0 * twice); /* |b| < 2^30 */
            t[2] = t[3] = (int32_t)((uint32_t)b1 * twice);
            t[4] = m0;
            t[5] = (int32_t)((1u << (r0 - 1)) + ((uint32_t)off << r0));
            t[6] = r0;
            t[7] = m1;
            t[8] = (int32_t)((1u << (r1 - 1)) + ((uint32_t)off << r1));
            t[9] = r1;
        }
    }
    for (; j < cn; ++j) {
        int32_t *q;
        const int32_t b = bx[j];
        t = tab + 10 * (j >> 1);
        q = t + 4 + 3 * (j & 1);
        if (!conv2d_pwp_rqd1(rq, c0 + j, b, blim, cb, off_ok, q, q + 1, q + 2)) {
            return 0;
        }
        t[2 * (j & 1)] = t[2 * (j & 1) + 1] = (int32_t)((uint32_t)b * twice); /* |b| < 2^30 */
    }
    if (cn % 2) { /* the zero channel beside the last one */
        t = tab + 10 * (cn >> 1);
        t[2] = t[3] = t[7] = t[8] = t[9] = 0;
    }
    t = tab + 10 * ((cn + 1) >> 1);
    t[0] = t[1] = t[2] = t[3] = 0;
    return 1;
}

/* what conv2d_pwp_tab_s8's assembly reads (seven words, in this order) */
typedef struct {
    const int32_t *xs, *xe; /* the widened inputs of the pixel pair */
    const int32_t *tab;     /* conv2d_pwp_tab_prep's table */
    int8_t *y;              /* the first pixel's output of channel c0 */
    int32_t d;              /* the second pixel's outputs at y + d (0 when it is the first one again) */
    int8_t *ye;             /* y + 2 (cn / 2) */
    const int32_t *wp;      /* the packed weights of channel pair c0 / 2 */
} conv2d_pwp_tab_args;

/* Channels c0 .. c0 + cn - 1 (cn >= 2) of every pixel pair, in_c a multiple of 16 or at most 4 below one (g4 % 4 == 0,
 * the packed weights and widened inputs zero past in_c), every channel taking nnc_dsp_rqd_s8 (the table of
 * conv2d_pwp_tab_prep; the inputs and biases doubled when dbl, else each sum doubled by an ADD): per pixel pair
 * its inputs widened once (conv2d_pwp_widen), then one assembly block for all channel pairs, every register in use
 * (r0-r12 and lr: the accumulators r4-r7, the inputs r0-r3, the weights r8-r11, the inputs' pointer r12 and the
 * weights' pointer lr; r7 saved and restored by the block itself, as it may be the frame pointer): per four inputs
 * one LDM of the two pixels' input words and one LDM of the two channels' weight words, eight SMLAD (ten
 * instructions for sixteen MACs), eight steps a loop pass when g4 % 8 == 0, else four, and no loop for 4 or 8
 * groups with doubled inputs (in_c 13 .. 16 and 29 .. 32 beside more than in_c / 2 channels); per channel pair the
 * epilogue SUB, SMMLAR, ASR, SSAT, STRB per output with the constants by one LDM and the next pair's biases by
 * another, the pointers kept on the stack below the block's own push (about 30 instructions per channel pair
 * besides the dot products).  The odd last channel of a chunk runs in C. */
static NNC_NOINLINE void conv2d_pwp_tab_s8(int32_t pixels, int32_t cin, int32_t cout, int32_t c0, int32_t cn, int dbl,
                                           const int8_t *input, const int32_t *wpk, const int32_t *tab, int32_t *xw,
                                           int8_t *output)
{
    const int32_t g4 = (cin + 3) / 4, np = cn / 2;
    const int32_t *wodd = wpk + ((c0 + cn - 1) / 2) * g4 * 4, *todd = tab + 10 * np;
    conv2d_pwp_tab_args s;
    int32_t p, i;
    s.xs = xw;
    s.xe = xw + 4 * g4;
    s.wp = wpk + (c0 / 2) * g4 * 4;
    for (p = 0; p < pixels; p += 2) {
        const int two = p + 1 < pixels;
        s.tab = tab;
        s.y = output + p * cout + c0;
        s.d = two ? cout : 0;
        s.ye = s.y + 2 * np;
        conv2d_pwp_widen(input + p * cin, input + (two ? p + 1 : p) * cin, cin, xw, dbl);
#define NNC_PWPT_STEP                                                                              \
    "ldmia r12!, {r0, r1, r2, r3}\n\t"                                                             \
    "ldmia lr!, {r8, r9, r10, r11}\n\t"                                                            \
    "smlad r4, r0, r8, r4\n\t"                                                                     \
    "smlad r5, r1, r8, r5\n\t"                                                                     \
    "smlad r4, r2, r9, r4\n\t"                                                                     \
    "smlad r5, r3, r9, r5\n\t"                                                                     \
    "smlad r6, r0, r10, r6\n\t"                                                                    \
    "smlad r7, r1, r10, r7\n\t"                                                                    \
    "smlad r6, r2, r11, r6\n\t"                                                                    \
    "smlad r7, r3, r11, r7\n\t"
/* one output: nnc_dsp_rqd_s8 of accumulator A with M, K, R (TW(A): the sum doubled first, or nothing) */
#define NNC_PWPT_RQD(A, M, K, R, TW)                                                                               \
    "sub r10, " K ", " A ", lsr #31\n\t" TW(A)                                                                     \
    "smmlar " A ", " A ", " M ", r10\n\t"                                                                          \
    "asr " A ", " A ", " R "\n\t"                                                                                  \
    "ssat " A ", #8, " A "\n\t"
#define NNC_PWPT_SAME(A) ""
#define NNC_PWPT_TWICE(A) "add " A ", " A ", " A "\n\t"
#define NNC_PWPT_STEP4 NNC_PWPT_STEP NNC_PWPT_STEP NNC_PWPT_STEP NNC_PWPT_STEP
/* the block: the arguments pushed as [sp] xs, xe, tab, y, d, ye under r7; the first pair's biases; per pair the
 * dot products (label 2: STEPS, a loop pass ending in NNC_PWPT_LOOP, or all of them), its four outputs, the next
 * pair's biases (label 1 loops while y != ye) */
#define NNC_PWPT_LOOP "ldr r8, [sp, #4]\n\tcmp r12, r8\n\tbne 2b\n\t"
#define NNC_PWPT_ASM(STEPS, TW)                                                                                    \
    do {                                                                                                           \
        register const conv2d_pwp_tab_args *sp_ __asm__("r0") = &s; /* set here: no call in between */             \
        __asm__ volatile("push {r7}\n\t"                                                                           \
                         "ldmia r0, {r1, r2, r3, r4, r5, r6, lr}\n\t"                                              \
                         "push {r1, r2, r3, r4, r5, r6}\n\t"                                                       \
                         "ldmia r3!, {r4, r5, r6, r7}\n\t"                                                         \
                         "str r3, [sp, #8]\n\t"                                                                    \
                         "1:\n\t"                                                                                  \
                         "ldr r12, [sp]\n\t"                                                                       \
                         "2:\n\t" STEPS                                                                            \
                         "ldr r12, [sp, #8]\n\t"                                                                   \
                         "ldmia r12!, {r0, r1, r2, r3, r8, r9}\n\t"                                                \
                         NNC_PWPT_RQD("r4", "r0", "r1", "r2", TW) NNC_PWPT_RQD("r5", "r0", "r1", "r2", TW)         \
                         NNC_PWPT_RQD("r6", "r3", "r8", "r9", TW) NNC_PWPT_RQD("r7", "r3", "r8", "r9", TW)         \
                         "ldrd r10, r11, [sp, #12]\n\t"                                                            \
                         "strb r5, [r10, r11]\n\t"                                                                 \
                         "strb r4, [r10], #1\n\t"                                                                  \
                         "strb r7, [r10, r11]\n\t"                                                                 \
                         "strb r6, [r10], #1\n\t"                                                                  \
                         "str r10, [sp, #12]\n\t"                                                                  \
                         "ldmia r12!, {r4, r5, r6, r7}\n\t"                                                        \
                         "str r12, [sp, #8]\n\t"                                                                   \
                         "ldr r11, [sp, #20]\n\t"                                                                  \
                         "cmp r10, r11\n\t"                                                                        \
                         "bne 1b\n\t"                                                                              \
                         NNC_PWP_ASM_END                                                                           \
                         : "+r"(sp_)                                                                               \
                         :                                                                                         \
                         : NNC_PWP_ASM_CLOBBERS);                                                                  \
    } while (0)
        if (g4 == 4 && dbl) { /* in_c 13 .. 16, 29 .. 32 (inputs doubled, as in_c < 2 cn mostly): no loop */
            NNC_PWPT_ASM(NNC_PWPT_STEP4, NNC_PWPT_SAME);
        } else if (g4 == 8 && dbl) {
            NNC_PWPT_ASM(NNC_PWPT_STEP4 NNC_PWPT_STEP4, NNC_PWPT_SAME);
        } else if (g4 % 8 == 0 && dbl) { /* eight steps a loop pass */
            NNC_PWPT_ASM(NNC_PWPT_STEP4 NNC_PWPT_STEP4 NNC_PWPT_LOOP, NNC_PWPT_SAME);
        } else if (g4 % 8 == 0) {
            NNC_PWPT_ASM(NNC_PWPT_STEP4 NNC_PWPT_STEP4 NNC_PWPT_LOOP, NNC_PWPT_TWICE);
        } else if (dbl) { /* four */
            NNC_PWPT_ASM(NNC_PWPT_STEP4 NNC_PWPT_LOOP, NNC_PWPT_SAME);
        } else {
            NNC_PWPT_ASM(NNC_PWPT_STEP4 NNC_PWPT_LOOP, NNC_PWPT_TWICE);
        }
#undef NNC_PWPT_ASM
#undef NNC_PWPT_LOOP
#undef NNC_PWPT_STEP4
#undef NNC_PWPT_TWICE
#undef NNC_PWPT_SAME
#undef NNC_PWPT_RQD
#undef NNC_PWPT_STEP
        if (cn % 2) { /* the odd last channel: its bias beside the last pair's constants, m, k, r after them */
            int32_t a0 = todd[0], a1 = todd[0];
            int8_t *y = output + p * cout + c0 + cn - 1;
            for (i = 0; i < g4; ++i) {
                a0 = __smlad(xw[4 * i], wodd[4 * i], a0);
                a0 = __smlad(xw[4 * i + 2], wodd[4 * i + 1], a0);
                a1 = __smlad(xw[4 * i + 1], wodd[4 * i], a1);
                a1 = __smlad(xw[4 * i + 3], wodd[4 * i + 1], a1);
            }
            if (!dbl) {
                a0 += a0; /* |a| < 2^30 (conv2d_pwp_prep_rqd) */
                a1 += a1;
            }
            y[0] = (int8_t)nnc_dsp_rqd_s8(a0, todd[4], todd[5], todd[6]);
            y[s.d] = (int8_t)nnc_dsp_rqd_s8(a1, todd[4], todd[5], todd[6]);
        }
    }
}
#endif

/* in_c <= NNC_PWP_K: chunks of NNC_PWP_CC output channels, their requantization prepared; for each pixel pair
 * of the chunk its inputs widened once (conv2d_pwp_widen), then two output channels x two pixels per pass.
 * Chunks whose channels all take nnc_dsp_rqd_s8 (conv2d_pwp_prep_rqd) end with that requantization (SUB, SMMLAR,
 * ASR, SSAT per output) of the doubled sums: the inputs and biases doubled once per pixel pair when in_c < 2 cn
 * (in_c / 4 SADD16 per pixel pair and channel pair is less than one ADD per output), else each sum doubled by an
 * ADD; other chunks keep nnc_mbqm_pre_apply or the general requantization. */
static NNC_NOINLINE void conv2d_pwp_dsp_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                                           const int32_t *wpk, const int32_t *bias_x, int8_t *output)
{
    const int32_t pixels = g->batch * g->in_h * g->in_w, cin = g->in_c, cout = g->out_c, g4 = (cin + 3) / 4;
    const int32_t off = rq->output_offset, lo = rq->out_min, hi = rq->out_max;
    int32_t xw[NNC_PWP_K]; /* [g4][4]: the two pixels' inputs as int16 pairs */
    const int32_t *xe = xw + 4 * g4;
    union { /* a chunk takes one of them */
        nnc_mbqm_pre pre[NNC_PWP_CC];
        conv2d_pwp_rqd rqd[NNC_PWP_CC / 2];
        int32_t tab[4 + 10 * ((NNC_PWP_CC + 1) / 2)];
    } u;
    nnc_mbqm_pre *const pre = u.pre;
    conv2d_pwp_rqd *const rqd = u.rqd;
    int32_t c0, p, j;
    for (c0 = 0; c0 < cout; c0 += NNC_PWP_CC) {
        const int32_t cn = cout - c0 < NNC_PWP_CC ? cout - c0 : NNC_PWP_CC;
        const int dbl = cin < 2 * cn;
        if (cin == 8 && NNC_PWP_K >= 16 && conv2d_pwp_prep_rqd(rq, bias_x, c0, cn, cin, 1, rqd)) {
            for (j = 0; j < cn; j += NNC_PWP_K / 16 * 2) { /* xw the table: NNC_PWP_K / 8 channels (even) a call */
                const int32_t sn = cn - j < NNC_PWP_K / 16 * 2 ? cn - j : NNC_PWP_K / 16 * 2;
                conv2d_pwp8_tab(c0 + j, sn, wpk, rqd + j / 2, xw);
                conv2d_pwp8_run(pixels, cout, c0 + j, sn, input, xw, output);
            }
            continue;
        }
#if defined(__OPTIMIZE__)
        if (g4 % 4 == 0 && cn >= 2 && conv2d_pwp_tab_prep(rq, bias_x, c0, cn, cin, dbl, u.tab)) {
            conv2d_pwp_tab_s8(pixels, cin, cout, c0, cn, dbl, input, wpk, u.tab, xw, output);
            continue;
        }
#endif
        if (conv2d_pwp_prep_rqd(rq, bias_x, c0, cn, cin, dbl, rqd)) {
            const conv2d_pwp_rqd *rqd_end = rqd + cn / 2;
            if (dbl && g4 == 2) {
                NNC_PWP_RQD_PIXELS(NNC_PWP_DOT2, 1, NNC_PWP_SAME);
            } else if (dbl && g4 == 4) {
                NNC_PWP_RQD_PIXELS(NNC_PWP_DOT4, 1, NNC_PWP_SAME);
            } else if (dbl) {
                NNC_PWP_RQD_PIXELS(NNC_PWP_DOT, 1, NNC_PWP_SAME);
            } else {
                NNC_PWP_RQD_PIXELS(NNC_PWP_DOT, 0, NNC_PWP_TWICE);
            }
            continue;
        }
        {
            const int fast = conv2d_pw_prep_s8(rq, c0, cn, pre);
            for (p = 0; p < pixels; p += 2) {
                const int two = p + 1 < pixels;
                conv2d_pwp_widen(input + p * cin, input + (two ? p + 1 : p) * cin, cin, xw, 0);
                if (fast && lo == -128 && hi == 127) {
                    NNC_PWP_PAIRS(NNC_PWP_OUT_SAT8)
                } else if (fast) {
                    NNC_PWP_PAIRS(NNC_PWP_OUT_CLAMP)
                } else {
                    NNC_PWP_PAIRS(NNC_PWP_OUT_ANY)
                }
            }
        }
    }
}
#undef NNC_PWP_RQD_PAIR
#undef NNC_PWP_SAME
#undef NNC_PWP_TWICE
#undef NNC_PWP_RQD_PAIRS
#undef NNC_PWP_RQD_PIXELS
#undef NNC_PWP_DOT2
#undef NNC_PWP_DOT4
#undef NNC_PWP_STEP
#undef NNC_PWP_PAIRS
#undef NNC_PWP_DOT
#undef NNC_PWP_OUT_SAT8
#undef NNC_PWP_OUT_CLAMP
#undef NNC_PWP_OUT_ANY
#endif

/* Without the DSP path: blocks of four output channels whose packed weights are unpacked into int8 rows once
 * (in_c <= NNC_PWP_K), then conv2d_pw_s8's dot products (nnc_dot4_q7_i32 / nnc_dot_q7_i32) per pixel; wider
 * layers read every weight from the packed array. */
#if !defined(NNC_SIMD_DSP)
static NNC_NOINLINE void conv2d_pwp_rows_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                                            const int32_t *wpk, const int32_t *bias_x, int8_t *output)
{
    const int32_t pixels = g->batch * g->in_h * g->in_w, cin = g->in_c, cout = g->out_c, g4 = (cin + 3) / 4;
    int8_t wl[4 * NNC_PWP_K]; /* [4][in_c]: the block's weight rows */
    nnc_mbqm_pre pre[4];
    int32_t oc, p, k, j;
    for (oc = 0; oc < cout; oc += 4) {
        const int32_t n = cout - oc < 4 ? cout - oc : 4;
        const int fast = conv2d_pw_prep_s8(rq, oc, n, pre);
        for (j = 0; j < n; ++j) {
            for (k = 0; k < cin; ++k) {
                wl[j * cin + k] = (int8_t)conv2d_pwp_w(wpk, g4, oc + j, k);
            }
        }
        for (p = 0; p < pixels; ++p) {
            int32_t v[4];
            if (n == 4) {
                nnc_dot4_q7_i32(input + p * cin, wl, cin, cin, v);
            } else {
                for (j = 0; j < n; ++j) {
                    v[j] = nnc_dot_q7_i32(input + p * cin, wl + j * cin, cin);
                }
            }
            for (j = 0; j < n; ++j) {
                output[p * cout + oc + j] = conv2d_pw_out_s8(conv2d_pw_add_s8(bias_x[oc + j], v[j]), rq, oc + j,
                                                             fast, pre + j);
            }
        }
    }
}
#endif

void conv2d_pwp_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int32_t *wpk,
                   const int32_t *bias_x, int8_t *output)
{
    const int32_t pixels = g->batch * g->in_h * g->in_w, cin = g->in_c, cout = g->out_c, g4 = (cin + 3) / 4;
    nnc_mbqm_pre pre;
    int32_t p, c, k;
    if (cin <= NNC_PWP_K) {
#if defined(NNC_SIMD_DSP)
        conv2d_pwp_dsp_s8(g, rq, input, wpk, bias_x, output);
#else
        conv2d_pwp_rows_s8(g, rq, input, wpk, bias_x, output);
#endif
        return;
    }
    for (c = 0; c < cout; ++c) {
        const int fast = conv2d_pw_prep_s8(rq, c, 1, &pre);
        for (p = 0; p < pixels; ++p) {
            const int8_t *x = input + p * cin;
            int32_t acc = bias_x[c];
            for (k = 0; k < cin; ++k) {
                acc = conv2d_pw_add_s8(acc, (int32_t)x[k] * conv2d_pwp_w(wpk, g4, c, k));
            }
            output[p * cout + c] = conv2d_pw_out_s8(acc, rq, c, fast, &pre);
        }
    }
}

/* 1 when conv2d_pwp_s8 on g may write its output over its input (output == input): the DSP path with in_c == out_c,
 * one chunk of channels (out_c <= NNC_PWP_CC; in_c 8: out_c <= NNC_PWP_K / 16 * 2, conv2d_pwp8_run's one call) reads
 * the inputs of a pixel pair (widened into xw, or in_c 8: a pixel's into registers) before it writes any output of
 * that pair, and writes only the pair's own pixels (pixel p's outputs over pixel p's inputs), then moves on: every
 * input is read before it is written over. */
static int conv2d_pwp_whole_ok(const nnc_conv_geom *g)
{
#if defined(NNC_SIMD_DSP)
    return g->in_c == g->out_c && g->in_c <= NNC_PWP_K && g->out_c <= NNC_PWP_CC &&
           (g->in_c != 8 || g->out_c <= NNC_PWP_K / 16 * 2);
#else
    (void)g;
    return 0;
#endif
}

/* conv2d_inplace_pwp_s8: conv2d_pwp_s8 one output row at a time, output over its input (inplace_rows.inc; a layer
 * that widens the rows runs its last rows in blocks, NNC_IP_ROW_BLOCKS: fewer per-call preparations; a layer that
 * keeps its channels, computed in place over one buffer, in one call when conv2d_pwp_whole_ok) */
#define NNC_IP_NAME conv2d_inplace_pwp_s8
#define NNC_IP_ROW_BLOCKS
#define NNC_IP_WHOLE(g, x, y) ((const int8_t *)(y) == (x) && conv2d_pwp_whole_ok(g))
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant_s8 *rq, const int8_t *input, const int32_t *wpk, const int32_t *bias_x
#if defined(NNC_SIMD_DSP)
/* in_c 8 with out_c <= NNC_PWP_K / 16 * 2 (conv2d_pwp_s8's one conv2d_pwp8_run call per row) and every channel taking
 * nnc_dsp_rqd_s8: conv2d_pwp8_tab's table once per layer (ip_tb, NNC_PWP_K words of stack), then conv2d_pwp8_run per
 * call (the rows' results as conv2d_pwp_s8's: the same table, the same run) */
static int conv2d_pwp8_ip_prep(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int32_t *wpk,
                               const int32_t *bias_x, int32_t *tb)
{
    conv2d_pwp_rqd rqd[NNC_PWP_CC / 2];
    if (g->in_c != 8 || g->out_c > NNC_PWP_K / 16 * 2 || g->out_c > NNC_PWP_CC || NNC_PWP_K < 16 ||
        !conv2d_pwp_prep_rqd(rq, bias_x, 0, g->out_c, 8, 1, rqd)) {
        return 0;
    }
    conv2d_pwp8_tab(0, g->out_c, wpk, rqd, tb);
    return 1;
}
#define NNC_IP_PREP                                                                                                \
    int32_t ip_tb[NNC_PWP_K];                                                                                      \
    const int ip_tb_ok = conv2d_pwp8_ip_prep(g, rq, wpk, bias_x, ip_tb);
#define NNC_IP_CALL(s, x, y)                                                                                       \
    (ip_tb_ok ? conv2d_pwp8_run((s)->batch * (s)->in_h * (s)->in_w, (s)->out_c, 0, (s)->out_c, x, ip_tb, y)         \
              : conv2d_pwp_s8(s, rq, x, wpk, bias_x, y))
#else
#define NNC_IP_CALL(s, x, y) conv2d_pwp_s8(s, rq, x, wpk, bias_x, y)
#endif
#include "inplace_rows.inc"

/* conv2d_inplace_pw_s8: conv2d_pw_s8 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_pw_s8
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights, const int32_t *bias_x
#define NNC_IP_CALL(s, x, y) conv2d_pw_s8(s, rq, x, weights, bias_x, y)
#include "inplace_rows.inc"
