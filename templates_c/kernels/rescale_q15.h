/* nncodegen kernels: requantizing strided copy (concat part, ReLU, clip, format change), q15 (int16). */
#ifndef RESCALE_Q15_H
#define RESCALE_Q15_H

#include "nnc_types.h"

/* for o < outer, i < inner:
 *   output[o * out_inner + offset + i] = sat(shift_round(input[o * inner + i], shift), out_min, out_max)
 * input [outer][inner]; output [outer][out_inner], only columns [offset, offset + inner) written.
 * Legal: offset + inner <= out_inner; shift >= -31 (no int64 overflow);
 * [out_min, out_max] inside the range of int16_t. */
void rescale_q15(const nnc_rescale *p, const int16_t *input, int16_t *output);

#endif /* RESCALE_Q15_H */
