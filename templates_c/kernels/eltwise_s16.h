/* nncodegen kernels: add, sub of int16 tensors (TFLite 16x8 semantics). */
#ifndef ELTWISE_S16_H
#define ELTWISE_S16_H

#include "nnc_types.h"
#include "nnc_s16.h"

/* 4-D broadcast through p->bc (output shape p->bc.shape, operand strides in elements, 0 on broadcast
 * axes); formula in nnc_s16.h (nnc_eltwise_s16): TFLite's general int16 add / sub (left_shift 15).
 * Legal: 0 <= left_shift <= 15; |x + offset| <= 65535; [out_min, out_max] inside int16. */
void add_s16(const nnc_eltwise_s16 *p, const int16_t *a, const int16_t *b, int16_t *output);
void sub_s16(const nnc_eltwise_s16 *p, const int16_t *a, const int16_t *b, int16_t *output);

#endif /* ELTWISE_S16_H */
