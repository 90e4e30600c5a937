/* Float PReLU over [outer][channels] (in-place safe). */
#include "prelu_f32.h"

void prelu_f32(const nnc_prelu *p, const float *input, const float *slope, float *output)
{
    int32_t o, c;
    for (o = 0; o < p->outer; ++o) {
        const float *ip = input + o * p->channels;
        float *op = output + o * p->channels;
        for (c = 0; c < p->channels; ++c) {
            const float x = ip[c];
            op[c] = x < 0.0f ? x * slope[c] : x;
        }
    }
}
