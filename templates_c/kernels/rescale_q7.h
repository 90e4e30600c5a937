/* nncodegen kernels: requantizing strided copy (concat part, ReLU, clip, format change), q7 (int8). */
#ifndef RESCALE_Q7_H
#define RESCALE_Q7_H

#include "nnc_types.h"

/* for o < outer, i < inner:
 *   output[o * out_inner + offset + i] = sat(shift_round(input[o * inner + i], shift), out_min, out_max)
 * input [outer][inner]; output [outer][out_inner], only columns [offset, offset + inner) written.
 * Legal: offset + inner <= out_inner; shift >= -31 (no int64 overflow);
 * [out_min, out_max] inside the range of int8_t. */
void rescale_q7(const nnc_rescale *p, const int8_t *input, int8_t *output);

#endif /* RESCALE_Q7_H */
