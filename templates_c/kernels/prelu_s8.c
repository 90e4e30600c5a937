/* nncodegen kernels: PReLU, affine int8 (TFLite reference_ops::BroadcastPrelu4DSlow
 * for int8: |v * alpha| <= 255 * 255). */
#include "prelu_s8.h"
#include "nnc_affine.h"

void prelu_s8(const nnc_prelu_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t o, c;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *x = input + o * p->channels;
        int8_t *y = output + o * p->channels;
        for (c = 0; c < p->channels; ++c) {
            const int32_t v = (int32_t)x[c] + p->input_offset;
            int32_t r;
            if (v >= 0) {
                r = nnc_mbqm(v, p->pos_multiplier, p->pos_shift, p->rounding);
            } else {
                r = nnc_mbqm(v * ((int32_t)p->alpha[c] + p->alpha_offset), p->neg_multiplier[c], p->neg_shift[c],
                             p->rounding);
            }
            r += p->output_offset;
            y[c] = (int8_t)(r < p->out_min ? p->out_min : (r > p->out_max ? p->out_max : r));
        }
    }
}
