/* Test-only wrappers of nnc_fixed.h (see nnc_fixed_shim.h). */
#include "nnc_fixed_shim.h"
#include "nnc_fixed.h"

void shim_sat(int32_t n, const int64_t *v, int32_t lo, int32_t hi, int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_sat(v[i], lo, hi);
    }
}

void shim_shift_round(int32_t n, const int64_t *acc, const int32_t *shift, int64_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_shift_round(acc[i], shift[i]);
    }
}

void shim_leaky(int32_t n, const int64_t *acc, int32_t slope_q15, int64_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_leaky(acc[i], slope_q15);
    }
}

void shim_requantize(int32_t n, const int64_t *acc, const nnc_requant *rq, int32_t channels, int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_requantize(acc[i], rq, i % channels);
    }
}

void shim_floor_div(int32_t n, const int64_t *num, const int64_t *den, int64_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_floor_div(num[i], den[i]);
    }
}

void shim_div_round(int32_t n, const int64_t *num, const int64_t *den, int64_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_div_round(num[i], den[i]);
    }
}

void shim_lut_eval(int32_t n, const nnc_lut *lut, const int32_t *x, int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_lut_eval(lut, x[i]);
    }
}
