/* nncodegen kernels: element-wise add / sub / mul with broadcast, q15 (int16). */
#ifndef ELTWISE_Q15_H
#define ELTWISE_Q15_H

#include "nnc_types.h"

/* output (contiguous, shape p->bc.shape) = sat(shift_round(a * 2^a_lshift + b * 2^b_lshift, shift)),
 * a and b read through p->bc.a_stride / b_stride (0 on broadcast axes).
 * Legal: 0 <= a_lshift, b_lshift <= 31; shift >= -31 with no int64 overflow of the
 * left shift; [out_min, out_max] inside the range of int16_t. */
void add_q15(const nnc_eltwise *p, const int16_t *a, const int16_t *b, int16_t *output);

/* As add_q15 with s = a * 2^a_lshift - b * 2^b_lshift. */
void sub_q15(const nnc_eltwise *p, const int16_t *a, const int16_t *b, int16_t *output);

/* As add_q15 with s = a * b (a_lshift, b_lshift unused). */
void mul_q15(const nnc_eltwise *p, const int16_t *a, const int16_t *b, int16_t *output);

#endif /* ELTWISE_Q15_H */
