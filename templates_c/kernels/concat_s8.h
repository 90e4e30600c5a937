/* nncodegen kernels: one input of a concat, affine int8. */
#ifndef CONCAT_S8_H
#define CONCAT_S8_H

#include "nnc_types.h"

/* for o < outer, i < inner:
 *   output[o * out_inner + offset + i] = table ? table[input[o * inner + i] + 128] : input[o * inner + i]
 * (the table requantizes an input whose format differs from the output's). */
void concat_part_s8(const nnc_concat_s8 *p, const int8_t *input, int8_t *output);

#endif /* CONCAT_S8_H */
