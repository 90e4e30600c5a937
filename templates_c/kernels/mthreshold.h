/* nncodegen kernels: QONNX MultiThreshold on integer (Q-format) inputs.
 *
 * input [outer][channels] (NHWC: channels last), thresholds [rows][n_thr] with rows = channels, or 1
 * when shared is 1 (one row for every channel).  For each element x of channel c:
 *     count = #{ k : x >= thr[c][k] }          (the thresholds need not be sorted)
 *     y     = saturate(out_bias + out_scale * count, out_min, out_max)
 * Integer thresholds T come from the real thresholds t of the model as T = ceil(t * 2^frac_in), so
 * q >= T holds exactly when q * 2^-frac_in >= t.  Lowering bounds |out_bias| + |out_scale| * n_thr
 * below 2^31 (the sum is done in int32 without overflow). */
#ifndef MTHRESHOLD_H
#define MTHRESHOLD_H

#include <stdint.h>

typedef struct {
    int32_t outer;      /* elements per channel: N * H * W */
    int32_t channels;
    int32_t n_thr;      /* thresholds per row, >= 1 */
    int32_t shared;     /* 1: one threshold row for every channel */
    int32_t out_scale;  /* output integers: out_bias + out_scale * count */
    int32_t out_bias;
    int32_t out_min;    /* saturation bounds of the output type */
    int32_t out_max;
} nnc_mthreshold;

void mthreshold_q7(const nnc_mthreshold *p, const int8_t *input, const int32_t *thr, int8_t *output);
void mthreshold_q15(const nnc_mthreshold *p, const int16_t *input, const int32_t *thr, int16_t *output);

#endif /* MTHRESHOLD_H */
