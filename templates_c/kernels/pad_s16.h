/* nncodegen kernels: pad, int16 (TFLite 16x8 models). */
#ifndef PAD_S16_H
#define PAD_S16_H

#include "nnc_types.h"

/* Constant pad of rank <= 4 (shapes left-filled with 1): out = in where the output index minus
 * p->before is inside the input, else p->value.  Legal: out_shape[k] >= in_shape[k] + before[k],
 * before[k] >= 0, mode 0 (constant). */
void pad_s16(const nnc_pad *p, const int16_t *input, int16_t *output);

#endif /* PAD_S16_H */
