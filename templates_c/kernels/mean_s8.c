/* nncodegen kernels: mean over axes, affine int8 (TFLite reference_ops::QuantizedMeanOrSum: an int32
 * sum, the input offset times the count, one MultiplyByQuantizedMultiplier with 1 / count folded into
 * the multiplier; no scratch memory: each output sums its own sub-box of the input).
 * When the last axis (channels) is kept, NNC_MEAN_CB channels at a time: their sums in a local int32
 * block, each reduced row added to it in one contiguous (vectorizing) loop.  Every partial sum is below
 * 256 * count < 2^31 in magnitude (the compiler and the twin refuse larger boxes) and integer addition
 * is exact, so the order does not matter: the same bits as one output at a time. */
#include "mean_s8.h"
#include "nnc_affine.h"

#define NNC_MEAN_CB 64 /* channels per block of sums (256 bytes of stack) */

static int8_t nnc_mean_s8_out(const nnc_mean_s8 *p, int32_t sum)
{
    int32_t v = nnc_mbqm(sum, p->multiplier, p->shift, p->rounding) + p->output_offset;
    v = v < p->out_min ? p->out_min : v;
    return (int8_t)(v > p->out_max ? p->out_max : v);
}

void mean_s8(const nnc_mean_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t stride[4], keep[4], red[4];
    int32_t k, o0, o1, o2, o3, r0, r1, r2, r3, count = 1;
    int8_t *y = output;
    stride[3] = 1;
    for (k = 2; k >= 0; --k) {
        stride[k] = stride[k + 1] * p->in_shape[k + 1];
    }
    for (k = 0; k < 4; ++k) {
        keep[k] = p->reduce[k] ? 1 : p->in_shape[k];
        red[k] = p->reduce[k] ? p->in_shape[k] : 1;
        count *= red[k];
    }
    for (o0 = 0; o0 < keep[0]; ++o0) {
        for (o1 = 0; o1 < keep[1]; ++o1) {
            for (o2 = 0; o2 < keep[2]; ++o2) {
                if (!p->reduce[3]) { /* channels kept: blocks of channel sums */
                    const int8_t *base = input + o0 * stride[0] + o1 * stride[1] + o2 * stride[2];
                    int32_t sums[NNC_MEAN_CB];
                    for (o3 = 0; o3 < keep[3]; o3 += NNC_MEAN_CB) {
                        const int32_t nc = keep[3] - o3 < NNC_MEAN_CB ? keep[3] - o3 : NNC_MEAN_CB;
                        for (k = 0; k < nc; ++k) {
                            sums[k] = count * p->input_offset;
                        }
                        for (r0 = 0; r0 < red[0]; ++r0) {
                            for (r1 = 0; r1 < red[1]; ++r1) {
                                for (r2 = 0; r2 < red[2]; ++r2) {
                                    const int8_t *x = base + r0 * stride[0] + r1 * stride[1] + r2 * stride[2] + o3;
                                    for (k = 0; k < nc; ++k) {
                                        sums[k] += x[k];
                                    }
                                }
                            }
                        }
                        for (k = 0; k < nc; ++k) {
                            *y++ = nnc_mean_s8_out(p, sums[k]);
                        }
                    }
                    continue;
                }
                for (o3 = 0; o3 < keep[3]; ++o3) {
                    const int8_t *base = input + o0 * stride[0] + o1 * stride[1] + o2 * stride[2] + o3 * stride[3];
                    int32_t sum = count * p->input_offset;
                    for (r0 = 0; r0 < red[0]; ++r0) {
                        for (r1 = 0; r1 < red[1]; ++r1) {
                            for (r2 = 0; r2 < red[2]; ++r2) {
                                const int8_t *x = base + r0 * stride[0] + r1 * stride[1] + r2 * stride[2];
                                for (r3 = 0; r3 < red[3]; ++r3) {
                                    sum += x[r3 * stride[3]];
                                }
                            }
                        }
                    }
                    *y++ = nnc_mean_s8_out(p, sum);
                }
            }
        }
    }
}
