/* nncodegen kernels: nearest-neighbour resize, affine int8. */
#ifndef RESIZE_S8_H
#define RESIZE_S8_H

#include "nnc_types.h"

/* out[n][y][x][c] = in[n][p->y0[y]][p->x0[x]][c] (index tables from the compiler);
 * input and output share one format. */
void resize_nearest_s8(const nnc_resize *p, const int8_t *input, int8_t *output);

#endif /* RESIZE_S8_H */
