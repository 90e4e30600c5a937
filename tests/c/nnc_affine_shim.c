/* Test-only wrappers of nnc_affine.h (see nnc_affine_shim.h). */
#include "nnc_affine_shim.h"
#include "nnc_affine.h"

void shim_srdhm(int32_t n, const int32_t *a, const int32_t *b, int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_srdhm(a[i], b[i]);
    }
}

void shim_rdbpot(int32_t n, const int32_t *x, const int32_t *exponent, int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_rdbpot(x[i], exponent[i]);
    }
}

void shim_mbqm(int32_t n, const int32_t *x, const int32_t *multiplier, const int32_t *shift, int32_t rounding,
               int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_mbqm(x[i], multiplier[i], shift[i], rounding);
    }
}

void shim_avg_round(int32_t n, const int32_t *sum, const int32_t *count, int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_avg_round(sum[i], count[i]);
    }
}

void shim_div_round_even(int32_t n, const int32_t *num, const int32_t *den, int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_div_round_even(num[i], den[i]);
    }
}
