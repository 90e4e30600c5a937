/* nncodegen kernels: TFLite's int8 HARD_SWISH, affine int8.
 *
 * TFLite's reference kernel (reference_ops::HardSwish on int8, which TFLite Micro runs): the input is
 * moved to a "high resolution" 16-bit scale (x * 2^7), multiplied by a 16-bit fixed-point "relu-ish"
 * factor relu6(x + 3) / 6 in [0, 1) and rescaled to the output.  Every intermediate stays inside int16
 * (|h| <= 32640); the products are formed in int32.
 */
#include "hard_swish_tfl_s8.h"
#include "nnc_affine.h"

/* gemmlowp SaturatingRoundingDoublingHighMul on int16 */
static int32_t hs_srdhm16(int32_t a, int32_t b)
{
    int32_t ab;
    if (a == INT16_MIN && b == INT16_MIN) {
        return INT16_MAX;
    }
    ab = a * b;
    return (ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15);
}

/* TFLite SaturatingDoublingHighMul on int16: truncated toward zero */
static int32_t hs_dhm16(int32_t a, int32_t b)
{
    if (a == INT16_MIN && b == INT16_MIN) {
        return INT16_MAX;
    }
    return (a * b) / (1 << 15);
}

/* TFLite SaturatingLeftShift on int16 (0 <= amount <= 15) */
static int32_t hs_sat_lshift16(int32_t v, int32_t amount)
{
    const int32_t r = v * (1 << amount);
    return r < INT16_MIN ? INT16_MIN : (r > INT16_MAX ? INT16_MAX : r);
}

void hard_swish_tfl_s8(const nnc_hard_swish_tfl_s8 *p, const int8_t *input, int8_t *output)
{
    const int32_t e = p->reluish_exponent;
    int32_t i;
    for (i = 0; i < p->n; ++i) {
        const int32_t h = (input[i] - p->input_zero_point) * (1 << 7);
        const int32_t pre = hs_srdhm16(h, p->output_multiplier);
        int32_t r = h;
        int32_t y;
        if (e > 0) {
            r = hs_sat_lshift16(r, e - 1);
        }
        r = hs_srdhm16(r, p->reluish_multiplier);
        if (e > 0) {
            r = hs_sat_lshift16(r, 1);
        } else if (e < 0) {
            r = nnc_rdbpot(r, -e);
        }
        r = (r + (1 << 15)) >> 1;
        y = nnc_rdbpot(hs_dhm16(r, pre), -p->output_exponent) + p->output_zero_point;
        output[i] = (int8_t)(y < p->out_min ? p->out_min : (y > p->out_max ? p->out_max : y));
    }
}
