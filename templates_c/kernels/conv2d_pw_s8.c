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
    int32_t j;
    int fast = 1;
    for (j = 0; j < n; ++j) {
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

/* conv2d_inplace_pw_s8: conv2d_pw_s8 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_pw_s8
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights, const int32_t *bias_x
#define NNC_IP_CALL(s, x, y) conv2d_pw_s8(s, rq, x, weights, bias_x, y)
#include "inplace_rows.inc"
