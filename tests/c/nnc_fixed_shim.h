/* Test-only: exported, array-at-a-time wrappers of the static inline helpers
 * of nnc_fixed.h, so tests/test_kernels_q.py can compare them with
 * nncodegen/ref/fixedpoint.py. */
#ifndef NNC_FIXED_SHIM_H
#define NNC_FIXED_SHIM_H

#include "nnc_types.h"

void shim_sat(int32_t n, const int64_t *v, int32_t lo, int32_t hi, int32_t *out);
void shim_shift_round(int32_t n, const int64_t *acc, const int32_t *shift, int64_t *out);
void shim_leaky(int32_t n, const int64_t *acc, int32_t slope_q15, int64_t *out);
/* nnc_requantize with channel c = i % channels of rq->shift */
void shim_requantize(int32_t n, const int64_t *acc, const nnc_requant *rq, int32_t channels, int32_t *out);
void shim_floor_div(int32_t n, const int64_t *num, const int64_t *den, int64_t *out);
void shim_div_round(int32_t n, const int64_t *num, const int64_t *den, int64_t *out);
void shim_lut_eval(int32_t n, const nnc_lut *lut, const int32_t *x, int32_t *out);

#endif /* NNC_FIXED_SHIM_H */
