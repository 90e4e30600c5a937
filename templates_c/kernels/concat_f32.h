#ifndef NNC_CONCAT_F32_H
#define NNC_CONCAT_F32_H

#include "nnc_types.h"

/* One input of a float concat: a strided copy (only outer, inner, out_inner, offset are used).
 * for o < outer, i < inner:  out[o * out_inner + offset + i] = in[o * inner + i].
 * Legal: outer, inner >= 0, offset >= 0, offset + inner <= out_inner; output must not alias input. */
void concat_part_f32(const nnc_rescale *p, const float *input, float *output);

#endif /* NNC_CONCAT_F32_H */
