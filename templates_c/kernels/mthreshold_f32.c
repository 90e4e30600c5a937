/* nncodegen kernels: QONNX MultiThreshold on float inputs (see mthreshold_f32.h). */
#include "mthreshold_f32.h"

static int32_t nnc_mtf_count(const nnc_mthreshold_f32 *p, const float *t, float v)
{
    int32_t k, count = 0;
    for (k = 0; k < p->n_thr; k++) {
        count += (v >= t[k]) ? 1 : 0;
    }
    return count;
}

static int32_t nnc_mtf_int(const nnc_mthreshold_f32 *p, int32_t count)
{
    int32_t v = p->out_bias + p->out_scale * count;
    return v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v);
}

#define NNC_MTF_LOOP(STORE)                                                        \
    int32_t i, c;                                                                  \
    for (i = 0; i < p->outer; i++) {                                               \
        for (c = 0; c < p->channels; c++) {                                        \
            const int32_t j = i * p->channels + c;                                 \
            const int32_t count = nnc_mtf_count(p, thr + (p->shared ? 0 : c * p->n_thr), input[j]); \
            STORE;                                                                 \
        }                                                                          \
    }

void mthreshold_f32(const nnc_mthreshold_f32 *p, const float *input, const float *thr, float *output)
{
    NNC_MTF_LOOP({
        const float s = p->out_scale_f * (float)count;   /* rounded to float before the add */
        output[j] = s + p->out_bias_f;
    })
}

void mthreshold_f32_q7(const nnc_mthreshold_f32 *p, const float *input, const float *thr, int8_t *output)
{
    NNC_MTF_LOOP(output[j] = (int8_t)nnc_mtf_int(p, count))
}

void mthreshold_f32_q15(const nnc_mthreshold_f32 *p, const float *input, const float *thr, int16_t *output)
{
    NNC_MTF_LOOP(output[j] = (int16_t)nnc_mtf_int(p, count))
}
