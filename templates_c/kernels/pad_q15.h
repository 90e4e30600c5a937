/* nncodegen kernels: pad (constant, reflect, edge), q15 (int16). */
#ifndef PAD_Q15_H
#define PAD_Q15_H

#include "nnc_types.h"

/* Rank <= 4 tensors, shapes left-filled with 1, contiguous input [in_shape] and
 * output [out_shape]; output index i along axis k reads input index i - before[k].
 * mode 0: constant p->value outside the input; 1: reflect (edge not repeated,
 * numpy "reflect"); 2: edge.  Legal: in_shape >= 1 on every axis; value within int16_t. */
void pad_q15(const nnc_pad *p, const int16_t *input, int16_t *output);

#endif /* PAD_Q15_H */
