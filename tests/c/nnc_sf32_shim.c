/* Test-only wrappers of nnc_sf32.h (see nnc_sf32_shim.h). */
#include "nnc_sf32_shim.h"
#include "nnc_sf32.h"
#include "nnc_shim_map.h"

NNC_SHIM_MAP(shim_sf_add, uint32_t, nnc_sf_add(a[i], b[i]), const uint32_t *a, const uint32_t *b)
NNC_SHIM_MAP(shim_sf_mul, uint32_t, nnc_sf_mul(a[i], b[i]), const uint32_t *a, const uint32_t *b)
NNC_SHIM_MAP(shim_sf_div, uint32_t, nnc_sf_div(a[i], b[i]), const uint32_t *a, const uint32_t *b)
NNC_SHIM_MAP(shim_sf_fma, uint32_t, nnc_sf_fma(a[i], b[i], c[i]),
             const uint32_t *a, const uint32_t *b, const uint32_t *c)
NNC_SHIM_MAP(shim_sf_from_i32, uint32_t, nnc_sf_from_i32(x[i]), const int32_t *x)
NNC_SHIM_MAP(shim_sf_rint, int32_t, nnc_sf_rint(a[i]), const uint32_t *a)
