/* Test-only wrappers of nnc_fixed.h (see nnc_fixed_shim.h). */
#include "nnc_fixed_shim.h"
#include "nnc_fixed.h"
#include "nnc_shim_map.h"

NNC_SHIM_MAP(shim_sat, int32_t, nnc_sat(v[i], lo, hi), const int64_t *v, int32_t lo, int32_t hi)
NNC_SHIM_MAP(shim_shift_round, int64_t, nnc_shift_round(acc[i], shift[i]), const int64_t *acc, const int32_t *shift)
NNC_SHIM_MAP(shim_leaky, int64_t, nnc_leaky(acc[i], slope_q15), const int64_t *acc, int32_t slope_q15)
NNC_SHIM_MAP(shim_requantize, int32_t, nnc_requantize(acc[i], rq, i % channels),
             const int64_t *acc, const nnc_requant *rq, int32_t channels)
NNC_SHIM_MAP(shim_floor_div, int64_t, nnc_floor_div(num[i], den[i]), const int64_t *num, const int64_t *den)
NNC_SHIM_MAP(shim_div_round, int64_t, nnc_div_round(num[i], den[i]), const int64_t *num, const int64_t *den)
NNC_SHIM_MAP(shim_lut_eval, int32_t, nnc_lut_eval(lut, x[i]), const nnc_lut *lut, const int32_t *x)
