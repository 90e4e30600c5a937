/* nncodegen kernels: max pool of packed {-1, +1} maps. */
#ifndef BMAXPOOL_H
#define BMAXPOOL_H

#include <stdint.h>
#include "nnc_types.h"

/* The max of {-1, +1} values is -1 only when all are -1, so with bit 1 <-> -1 an
 * output word is the AND of the window's input words (real elements only: padding
 * is ignored, as in maxpool_q7).  input [batch][in_h][in_w][ceil(c/32)] words,
 * output [batch][out_h][out_w][ceil(c/32)]; k/stride/pad from g, in_c == out_c. */
void bmaxpool(const nnc_conv_geom *g, const uint32_t *input, uint32_t *output);

#endif /* BMAXPOOL_H */
