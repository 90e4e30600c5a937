/* Test-only: exported, array-at-a-time wrappers of the static inline helpers
 * of nnc_affine.h, so tests/test_affine.py can compare them with
 * nncodegen/ref/affine.py. */
#ifndef NNC_AFFINE_SHIM_H
#define NNC_AFFINE_SHIM_H

#include "nnc_types.h"

void shim_srdhm(int32_t n, const int32_t *a, const int32_t *b, int32_t *out);
void shim_rdbpot(int32_t n, const int32_t *x, const int32_t *exponent, int32_t *out);
void shim_mbqm(int32_t n, const int32_t *x, const int32_t *multiplier, const int32_t *shift, int32_t rounding,
               int32_t *out);
void shim_avg_round(int32_t n, const int32_t *sum, const int32_t *count, int32_t *out);
void shim_div_round_even(int32_t n, const int32_t *num, const int32_t *den, int32_t *out);

/* gemmlowp fixed point (nnc_gl_*) */
void shim_gl_srmbpot(int32_t n, const int32_t *x, const int32_t *exponent, int32_t *out);
void shim_gl_rounding_half_sum(int32_t n, const int32_t *a, const int32_t *b, int32_t *out);
void shim_gl_clz32(int32_t n, const int32_t *x, int32_t *out);
void shim_gl_exp_on_interval(int32_t n, const int32_t *a, int32_t *out);
void shim_gl_exp_on_negative_values(int32_t n, const int32_t *a, int32_t integer_bits, int32_t *out);
void shim_gl_one_over_one_plus_x(int32_t n, const int32_t *a, int32_t *out);
void shim_gl_one_minus_x_over_one_plus_x(int32_t n, const int32_t *a, int32_t *out);
void shim_gl_logistic(int32_t n, const int32_t *a, int32_t integer_bits, int32_t *out);
void shim_gl_tanh(int32_t n, const int32_t *a, int32_t integer_bits, int32_t *out);
void shim_gl_get_reciprocal(int32_t n, const int32_t *x, int32_t x_integer_digits, int32_t *out,
                            int32_t *num_bits_over_unit);
void shim_gl_mbqm_gt1(int32_t n, const int32_t *x, const int32_t *multiplier, const int32_t *left_shift,
                      int32_t *out);
void shim_gl_sat_add_sub(int32_t n, const int32_t *a, const int32_t *b, int32_t *sum, int32_t *diff);
void shim_gl_log_x_ge_1(int32_t n, const int32_t *x, int32_t input_integer_bits, int32_t output_integer_bits,
                        int32_t *out);

#endif /* NNC_AFFINE_SHIM_H */
