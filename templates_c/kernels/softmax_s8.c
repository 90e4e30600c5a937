/* nncodegen kernels: softmax, affine int8.
 *
 * Table-based, not TFLite's gemmlowp fixed-point exp: the compiler tabulates
 * exp(-s_in * d) * 2^24 for the 256 possible distances d = max - x, so the
 * probabilities are e_j / sum e exact to about 2^-24 relative, and the division
 * by the output scale is one integer division rounded half up (int64:
 * 2 * e_j * multiplier < 2^56, the denominator < 2^62).
 *
 * softmax_tfl_s8 is TFLite's reference int8 kernel itself, gemmlowp's
 * fixed-point exp and reciprocal (nnc_affine.h nnc_gl_*), for models whose
 * softmax must match TFLite bit for bit; log_softmax_tfl_s8 is TFLite's reference
 * int8 log-softmax, the same exp and sum, then TFLite's fixed-point log
 * (nnc_gl_log_x_ge_1).
 */
#include "softmax_s8.h"
#include "nnc_affine.h"
#include "nnc_sf32.h"

/* the largest value of a row */
static int32_t softmax_s8_row_max(const int8_t *x, int32_t cols)
{
    int32_t j, m = INT8_MIN;
    for (j = 0; j < cols; ++j) {
        if (x[j] > m) {
            m = x[j];
        }
    }
    return m;
}

void softmax_s8(const nnc_softmax_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t r, j;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * p->cols;
        int8_t *y = output + r * p->cols;
        const int32_t m = softmax_s8_row_max(x, p->cols);
        int64_t sum = 0;
        int64_t den;
        for (j = 0; j < p->cols; ++j) {
            sum += p->exp_table[m - x[j]];
        }
        den = sum * ((int64_t)1 << p->den_shift);
        for (j = 0; j < p->cols; ++j) {
            const int64_t num = (int64_t)p->exp_table[m - x[j]] * p->multiplier;
            int64_t v = (2 * num + den) / (2 * den) + p->out_offset;
            y[j] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
        }
    }
}

void softmax_ort_s8(const nnc_softmax_ort_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t r, j;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * p->cols;
        int8_t *y = output + r * p->cols;
        const int32_t m = softmax_s8_row_max(x, p->cols);
        uint32_t sum = 0u; /* +0.0f */
        for (j = 0; j < p->cols; ++j) {
            sum = nnc_sf_add(sum, p->exp_table[255 - (m - x[j])]);
        }
        for (j = 0; j < p->cols; ++j) {
            const uint32_t e = p->exp_table[255 - (m - x[j])];
            int32_t v = nnc_sf_rint(nnc_sf_div(nnc_sf_mul(e, p->y_scale), sum)) + p->out_zero_point;
            v = (v > 255 ? 255 : v) - 128;
            y[j] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
        }
    }
}

/* e_j of nnc_softmax_tfl_s8: exp(beta * s_in * d) in Q0.31 for d = x_j - max >= diff_min. */
static int32_t softmax_tfl_exp(const nnc_softmax_tfl_s8 *p, int32_t d)
{
    return nnc_gl_exp_on_negative_values(nnc_gl_mbqm_gt1(d, p->input_multiplier, p->input_left_shift), 5);
}

void softmax_tfl_s8(const nnc_softmax_tfl_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t r, j;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * p->cols;
        int8_t *y = output + r * p->cols;
        const int32_t m = softmax_s8_row_max(x, p->cols);
        int64_t sum = 0; /* Q12.19; int64 only so that an illegal row length cannot overflow */
        int32_t num_bits_over_unit, scale, exponent;
        for (j = 0; j < p->cols; ++j) {
            const int32_t d = x[j] - m;
            if (d >= p->diff_min) {
                sum += nnc_rdbpot(softmax_tfl_exp(p, d), 12); /* Rescale<12> */
            }
        }
        scale = nnc_gl_get_reciprocal(nnc_sat32(sum), 12, &num_bits_over_unit);
        exponent = num_bits_over_unit + 31 - 8; /* >= 23: sum >= exp(0) = 2^19 */
        for (j = 0; j < p->cols; ++j) {
            const int32_t d = x[j] - m;
            int32_t v = INT8_MIN;
            if (d >= p->diff_min) {
                const int32_t prod = nnc_srdhm(scale, softmax_tfl_exp(p, d)); /* >= 0 */
                v += exponent <= 31 ? nnc_rdbpot(prod, exponent) : 0;
            }
            y[j] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
        }
    }
}

/* s_j of nnc_log_softmax_tfl_s8: s_in * d in Q5.26 for d = x_j - max >= diff_min. */
static int32_t log_softmax_tfl_scaled(const nnc_log_softmax_tfl_s8 *p, int32_t d)
{
    return nnc_gl_mbqm_gt1(d, p->input_multiplier, p->input_left_shift);
}

void log_softmax_tfl_s8(const nnc_log_softmax_tfl_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t r, j;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * p->cols;
        int8_t *y = output + r * p->cols;
        const int32_t m = softmax_s8_row_max(x, p->cols);
        int64_t sum = 0; /* Q12.19; int64 only so that an illegal row length cannot overflow */
        int32_t log_sum, threshold;
        for (j = 0; j < p->cols; ++j) {
            const int32_t d = x[j] - m;
            if (d >= p->diff_min) {
                sum += nnc_rdbpot(nnc_gl_exp_on_negative_values(log_softmax_tfl_scaled(p, d), 5), 12);
            }
        }
        log_sum = nnc_gl_log_x_ge_1(nnc_sat32(sum), 12, 5); /* Q5.26 */
        /* t: MultiplyByQuantizedMultiplier(L + INT32_MIN, divisor, -right_shift), a multiplier < 1 rounded
         * twice (a single-rounding build's t gives the same outputs: see nnc_log_softmax_tfl_s8) */
        threshold = nnc_rdbpot(nnc_srdhm(nnc_gl_add(log_sum, INT32_MIN), p->reverse_scaling_divisor),
                               p->reverse_scaling_right_shift);
        if (threshold < p->diff_min - 1) {
            threshold = p->diff_min - 1;
        }
        for (j = 0; j < p->cols; ++j) {
            const int32_t d = x[j] - m;
            int32_t v = INT8_MIN;
            if (d > threshold) {
                v = nnc_rdbpot(nnc_gl_sub(log_softmax_tfl_scaled(p, d), log_sum), 31 - 5 - 4) + 127;
                v = v < INT8_MIN ? INT8_MIN : (v > INT8_MAX ? INT8_MAX : v);
            }
            y[j] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
        }
    }
}
