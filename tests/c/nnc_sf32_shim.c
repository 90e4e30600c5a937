/* Test-only wrappers of nnc_sf32.h (see nnc_sf32_shim.h). */
#include "nnc_sf32_shim.h"
#include "nnc_sf32.h"

void shim_sf_add(int32_t n, const uint32_t *a, const uint32_t *b, uint32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_sf_add(a[i], b[i]);
    }
}

void shim_sf_mul(int32_t n, const uint32_t *a, const uint32_t *b, uint32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_sf_mul(a[i], b[i]);
    }
}

void shim_sf_div(int32_t n, const uint32_t *a, const uint32_t *b, uint32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_sf_div(a[i], b[i]);
    }
}

void shim_sf_fma(int32_t n, const uint32_t *a, const uint32_t *b, const uint32_t *c, uint32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_sf_fma(a[i], b[i], c[i]);
    }
}

void shim_sf_from_i32(int32_t n, const int32_t *x, uint32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_sf_from_i32(x[i]);
    }
}

void shim_sf_rint(int32_t n, const uint32_t *a, int32_t *out)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        out[i] = nnc_sf_rint(a[i]);
    }
}
