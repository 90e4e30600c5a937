/* nncodegen kernels: TFLite's int8 LOGISTIC and TANH, affine int8.
 *
 * TFLite's reference int8 kernels themselves (reference/integer_ops/logistic.h, tanh.h, as TFLite
 * Micro runs them): inputs outside +-input_range_radius saturate, the rest are rescaled to Q4.27 and
 * go through gemmlowp's fixed-point logistic / tanh (nnc_affine.h nnc_gl_logistic, nnc_gl_tanh), for
 * models whose activations must match TFLite bit for bit.  Other models use the float32 tables of
 * lut_s8.
 */
#include "act_tfl_s8.h"
#include "nnc_affine.h"

/* the input rescaled to Q4.27 (|v| < input_range_radius) */
static int32_t act_tfl_q4(const nnc_act_tfl_s8 *p, int32_t v)
{
    return nnc_mbqm(v, p->input_multiplier, p->input_left_shift, NNC_ROUND_DOUBLE);
}

static int8_t act_tfl_clamp(const nnc_act_tfl_s8 *p, int32_t v)
{
    v = v < INT8_MIN ? INT8_MIN : (v > INT8_MAX ? INT8_MAX : v);
    return (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
}

void logistic_tfl_s8(const nnc_act_tfl_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->n; ++i) {
        const int32_t v = input[i] - p->input_zero_point;
        int32_t y;
        if (v <= -p->input_range_radius) {
            y = INT8_MIN;
        } else if (v >= p->input_range_radius) {
            y = INT8_MAX;
        } else {
            y = nnc_rdbpot(nnc_gl_logistic(act_tfl_q4(p, v), 4), 31 - 8) - 128;
        }
        output[i] = act_tfl_clamp(p, y);
    }
}

void tanh_tfl_s8(const nnc_act_tfl_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->n; ++i) {
        const int32_t v = input[i] - p->input_zero_point;
        int32_t y;
        if (v <= -p->input_range_radius) {
            y = INT8_MIN;
        } else if (v >= p->input_range_radius) {
            y = INT8_MAX;
        } else {
            y = nnc_rdbpot(nnc_gl_tanh(act_tfl_q4(p, v), 4), 31 - 7);
        }
        output[i] = act_tfl_clamp(p, y);
    }
}
