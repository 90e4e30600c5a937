/* nncodegen kernels: QONNX MultiThreshold on integer inputs (see mthreshold.h). */
#include "mthreshold.h"

static int32_t nnc_mt_out(const nnc_mthreshold *p, int32_t count)
{
    int32_t v = p->out_bias + p->out_scale * count;
    return v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v);
}

#define NNC_MT_BODY(T)                                                             \
    int32_t i, c, k;                                                               \
    for (i = 0; i < p->outer; i++) {                                               \
        const T *x = input + (int32_t)i * p->channels;                             \
        T *y = output + (int32_t)i * p->channels;                                  \
        for (c = 0; c < p->channels; c++) {                                        \
            const int32_t *t = thr + (p->shared ? 0 : c * p->n_thr);               \
            const int32_t v = (int32_t)x[c];                                       \
            int32_t count = 0;                                                     \
            for (k = 0; k < p->n_thr; k++) {                                       \
                count += (v >= t[k]) ? 1 : 0;                                      \
            }                                                                      \
            y[c] = (T)nnc_mt_out(p, count);                                        \
        }                                                                          \
    }

void mthreshold_q7(const nnc_mthreshold *p, const int8_t *input, const int32_t *thr, int8_t *output)
{
    NNC_MT_BODY(int8_t)
}

void mthreshold_q15(const nnc_mthreshold *p, const int16_t *input, const int32_t *thr, int16_t *output)
{
    NNC_MT_BODY(int16_t)
}
