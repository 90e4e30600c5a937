/* nncodegen kernels: leaky ReLU, TFLite 16x8 (reference leaky_relu.h QuantizeLeakyRelu). */
#include "leaky_relu_s16.h"
#include "nnc_s16.h"

void leaky_relu_s16(const nnc_leaky_s16 *p, const int16_t *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->n; ++i) {
        const int32_t x = input[i] + p->input_offset;
        const int64_t v = (int64_t)(x >= 0 ? nnc_mbqm(x, p->identity_multiplier, p->identity_shift, p->rounding)
                                           : nnc_mbqm(x, p->alpha_multiplier, p->alpha_shift, p->rounding)) +
                          p->output_offset;
        output[i] = (int16_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : (int32_t)v));
    }
}
