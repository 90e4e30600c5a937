#ifndef NNC_PAD_F32_H
#define NNC_PAD_F32_H

#include "nnc_types.h"

/* Float pad of a rank <= 4 tensor (shapes left-filled with 1), input and output contiguous.
 * out[o] = in[o - before] inside the input; outside, by p->mode:
 *   0 constant p->value_f32, 1 reflect (mirror without repeating the edge; periodic when the
 *   pad exceeds the size, a size-1 axis repeats its element), 2 edge (replicate).
 * Legal: in_shape[k] >= 1, before[k] >= 0, out_shape[k] >= in_shape[k] + before[k];
 * output must not alias input. */
void pad_f32(const nnc_pad *p, const float *input, float *output);

#endif /* NNC_PAD_F32_H */
