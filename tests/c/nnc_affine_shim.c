/* Test-only wrappers of nnc_affine.h (see nnc_affine_shim.h). */
#include "nnc_affine_shim.h"
#include "nnc_affine.h"
#include "nnc_shim_map.h"

NNC_SHIM_MAP(shim_srdhm, int32_t, nnc_srdhm(a[i], b[i]), const int32_t *a, const int32_t *b)
NNC_SHIM_MAP(shim_rdbpot, int32_t, nnc_rdbpot(x[i], exponent[i]), const int32_t *x, const int32_t *exponent)
NNC_SHIM_MAP(shim_mbqm, int32_t, nnc_mbqm(x[i], multiplier[i], shift[i], rounding),
             const int32_t *x, const int32_t *multiplier, const int32_t *shift, int32_t rounding)
NNC_SHIM_MAP(shim_avg_round, int32_t, nnc_avg_round(sum[i], count[i]), const int32_t *sum, const int32_t *count)
NNC_SHIM_MAP(shim_div_round_even, int32_t, nnc_div_round_even(num[i], den[i]), const int32_t *num, const int32_t *den)
NNC_SHIM_MAP(shim_gl_srmbpot, int32_t, nnc_gl_srmbpot(x[i], exponent[i]), const int32_t *x, const int32_t *exponent)
NNC_SHIM_MAP(shim_gl_rounding_half_sum, int32_t, nnc_gl_rounding_half_sum(a[i], b[i]),
             const int32_t *a, const int32_t *b)
NNC_SHIM_MAP(shim_gl_clz32, int32_t, nnc_gl_clz32((uint32_t)x[i]), const int32_t *x)
NNC_SHIM_MAP(shim_gl_exp_on_interval, int32_t, nnc_gl_exp_on_interval(a[i]), const int32_t *a)
NNC_SHIM_MAP(shim_gl_exp_on_negative_values, int32_t, nnc_gl_exp_on_negative_values(a[i], integer_bits),
             const int32_t *a, int32_t integer_bits)
NNC_SHIM_MAP(shim_gl_one_over_one_plus_x, int32_t, nnc_gl_one_over_one_plus_x(a[i]), const int32_t *a)
NNC_SHIM_MAP(shim_gl_one_minus_x_over_one_plus_x, int32_t, nnc_gl_one_minus_x_over_one_plus_x(a[i]), const int32_t *a)
NNC_SHIM_MAP(shim_gl_logistic, int32_t, nnc_gl_logistic(a[i], integer_bits), const int32_t *a, int32_t integer_bits)
NNC_SHIM_MAP(shim_gl_tanh, int32_t, nnc_gl_tanh(a[i], integer_bits), const int32_t *a, int32_t integer_bits)

void shim_gl_get_reciprocal(int32_t n, const int32_t *x, int32_t x_integer_digits, int32_t *out,
                            int32_t *num_bits_over_unit)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_gl_get_reciprocal(x[i], x_integer_digits, &num_bits_over_unit[i]);
    }
}

NNC_SHIM_MAP(shim_gl_mbqm_gt1, int32_t, nnc_gl_mbqm_gt1(x[i], multiplier[i], left_shift[i]),
             const int32_t *x, const int32_t *multiplier, const int32_t *left_shift)

void shim_gl_sat_add_sub(int32_t n, const int32_t *a, const int32_t *b, int32_t *sum, int32_t *diff)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        sum[i] = nnc_gl_sat_add(a[i], b[i]);
        diff[i] = nnc_gl_sat_sub(a[i], b[i]);
    }
}

NNC_SHIM_MAP(shim_gl_log_x_ge_1, int32_t, nnc_gl_log_x_ge_1(x[i], input_integer_bits, output_integer_bits),
             const int32_t *x, int32_t input_integer_bits, int32_t output_integer_bits)
