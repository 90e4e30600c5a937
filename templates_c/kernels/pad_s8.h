/* nncodegen kernels: pad, affine int8. */
#ifndef PAD_S8_H
#define PAD_S8_H

#include "nnc_types.h"

/* Pad of rank <= 4 (shapes left-filled with 1, before[k] >= 0); mode 0 fills
 * with p->value (the pad value quantized in the tensor's format: the zero point
 * for 0.0), 1 reflects (edge not repeated), 2 repeats the edge. */
void pad_s8(const nnc_pad *p, const int8_t *input, int8_t *output);

#endif /* PAD_S8_H */
