/* nncodegen kernels: index of the first maximum (see argmax.h). */
#include "argmax.h"

#define NNC_ARGMAX_BODY(T)                                                         \
    int32_t i, k;                                                                  \
    for (i = 0; i < p->outer; i++) {                                               \
        const T *x = input + i * p->n;                                             \
        int32_t best = 0;                                                          \
        for (k = 1; k < p->n; k++) {                                               \
            if (x[k] > x[best]) {                                                  \
                best = k;                                                          \
            }                                                                      \
        }                                                                          \
        output[i] = best;                                                          \
    }

void argmax_s8(const nnc_argmax *p, const int8_t *input, int32_t *output)
{
    NNC_ARGMAX_BODY(int8_t)
}

void argmax_s16(const nnc_argmax *p, const int16_t *input, int32_t *output)
{
    NNC_ARGMAX_BODY(int16_t)
}

void argmax_s32(const nnc_argmax *p, const int32_t *input, int32_t *output)
{
    NNC_ARGMAX_BODY(int32_t)
}

void argmax_f32(const nnc_argmax *p, const float *input, int32_t *output)
{
    NNC_ARGMAX_BODY(float)
}
