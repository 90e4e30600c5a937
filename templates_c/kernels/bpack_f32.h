/* nncodegen kernels: packing float maps into {-1, +1} bits and back. */
#ifndef BPACK_F32_H
#define BPACK_F32_H

#include <stdint.h>
#include "nnc_types.h"

/* As bpack_q7: bit = x < 0 (NaN packs as +1). */
void bpack_f32(const nnc_bpack *p, const float *input, uint32_t *output);

/* output = bit ? -1.0f : +1.0f (p->pos and p->neg unused). */
void bunpack_f32(const nnc_bpack *p, const uint32_t *input, float *output);

#endif /* BPACK_F32_H */
