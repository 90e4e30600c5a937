/* nncodegen kernels: leaky ReLU, affine int8 (TFLite reference leaky_relu.h QuantizeLeakyRelu;
 * |x + input_offset| <= 255). */
#include "leaky_relu_s8.h"
#include "nnc_affine.h"

void leaky_relu_s8(const nnc_leaky_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->n; ++i) {
        const int32_t v = input[i] + p->input_offset;
        const int32_t y = (v >= 0 ? nnc_mbqm(v, p->identity_multiplier, p->identity_shift, p->rounding)
                                  : nnc_mbqm(v, p->alpha_multiplier, p->alpha_shift, p->rounding)) + p->output_offset;
        output[i] = (int8_t)(y < p->out_min ? p->out_min : (y > p->out_max ? p->out_max : y));
    }
}
