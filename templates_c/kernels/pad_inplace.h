/* nncodegen kernels: constant pad written over its own input. */
#ifndef PAD_INPLACE_H
#define PAD_INPLACE_H

#include "nnc_types.h"

/* Constant pad (mode 0) of a rank <= 4 tensor, as pad_q7 / pad_q15 / pad_s8 / pad_f32 with mode 0
 * compute it, for an output that may be the input's own buffer (the memory planner gives them one
 * arena slot when the input dies at the pad).  Output element o reads input element
 * i(o) = o's coordinates minus before, which lies at or below o in memory when no axis is cropped;
 * the output is written from its last element to its first, so every input element is read before
 * anything is written over it.  output == input or output not overlapping input.
 * Legal: p->mode == 0; before[k] >= 0 and in_shape[k] + before[k] <= out_shape[k] on every axis.
 * pad_inplace_q7 and pad_inplace_s8 write p->value, pad_inplace_f32 p->value_f32. */
void pad_inplace_q7(const nnc_pad *p, const int8_t *input, int8_t *output);
void pad_inplace_q15(const nnc_pad *p, const int16_t *input, int16_t *output);
void pad_inplace_s8(const nnc_pad *p, const int8_t *input, int8_t *output);
void pad_inplace_f32(const nnc_pad *p, const float *input, float *output);

#endif /* PAD_INPLACE_H */
