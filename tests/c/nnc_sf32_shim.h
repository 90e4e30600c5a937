/* Test-only: exported, array-at-a-time wrappers of the static inline float32
 * emulation of nnc_sf32.h, so tests/test_sf32.py can compare it with numpy's
 * float32 arithmetic (nncodegen/ref/sf32.py). */
#ifndef NNC_SF32_SHIM_H
#define NNC_SF32_SHIM_H

#include <stdint.h>

void shim_sf_add(int32_t n, const uint32_t *a, const uint32_t *b, uint32_t *out);
void shim_sf_mul(int32_t n, const uint32_t *a, const uint32_t *b, uint32_t *out);
void shim_sf_div(int32_t n, const uint32_t *a, const uint32_t *b, uint32_t *out);
void shim_sf_fma(int32_t n, const uint32_t *a, const uint32_t *b, const uint32_t *c, uint32_t *out);
void shim_sf_from_i32(int32_t n, const int32_t *x, uint32_t *out);
void shim_sf_rint(int32_t n, const uint32_t *a, int32_t *out);

#endif /* NNC_SF32_SHIM_H */
