/* nncodegen kernels: packing float maps into {-1, +1} bits and back (see bpack_f32.h). */
#include <stddef.h>

#include "bpack_f32.h"

void bpack_f32(const nnc_bpack *p, const float *input, uint32_t *output)
{
    const int32_t wpp = (p->channels + 31) / 32;
    int32_t o, c;
    for (o = 0; o < p->outer; o++) {
        const float *x = input + (size_t)o * p->channels;
        uint32_t *out = output + (size_t)o * wpp;
        uint32_t word = 0;
        for (c = 0; c < p->channels; c++) {
            if (x[c] < 0.0f) {
                word |= 1u << (c & 31);
            }
            if ((c & 31) == 31 || c == p->channels - 1) {
                out[c >> 5] = word;
                word = 0;
            }
        }
    }
}

void bunpack_f32(const nnc_bpack *p, const uint32_t *input, float *output)
{
    const int32_t wpp = (p->channels + 31) / 32;
    int32_t o, c;
    for (o = 0; o < p->outer; o++) {
        const uint32_t *x = input + (size_t)o * wpp;
        float *out = output + (size_t)o * p->channels;
        for (c = 0; c < p->channels; c++) {
            out[c] = ((x[c >> 5] >> (c & 31)) & 1u) ? -1.0f : 1.0f;
        }
    }
}
