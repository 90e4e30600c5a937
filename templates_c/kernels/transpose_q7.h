/* nncodegen kernels: transpose / channel shuffle, q7 (int8). */
#ifndef TRANSPOSE_Q7_H
#define TRANSPOSE_Q7_H

#include "nnc_types.h"

/* Rank <= 6, shapes left-filled with 1: the output (contiguous, out_shape) is walked in
 * order and element (i0..i5) reads input[sum_k ik * in_stride[k]], in_stride[k] being
 * the input stride of output axis k. */
void transpose_q7(const nnc_transpose *p, const int8_t *input, int8_t *output);

#endif /* TRANSPOSE_Q7_H */
