/* nncodegen kernels: add, sub, mul of affine int8 tensors (TFLite semantics). */
#ifndef ELTWISE_S8_H
#define ELTWISE_S8_H

#include "nnc_types.h"

/* 4-D broadcast through p->bc (output shape p->bc.shape, operand strides in
 * elements, 0 on broadcast axes); formulas in nnc_types.h (nnc_eltwise_s8).
 * Legal: 0 <= left_shift <= 22; [out_min, out_max] inside int8. */
void add_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output);
void sub_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output);
void mul_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output);

#endif /* ELTWISE_S8_H */
