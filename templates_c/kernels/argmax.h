/* nncodegen kernels: index of the first maximum (ONNX ArgMax with select_last_index = 0; TopK k = 1).
 *
 * input [outer][n], output [outer] int32: the lowest k with x[k] equal to the row's maximum (later
 * equal values never replace it; a NaN never compares greater, so it is chosen only at k = 0).
 * Integer inputs of any format with a positive scale (Q-format, affine) order like their reals. */
#ifndef ARGMAX_H
#define ARGMAX_H

#include <stdint.h>

typedef struct {
    int32_t outer;  /* rows */
    int32_t n;      /* elements per row, >= 1 */
} nnc_argmax;

void argmax_s8(const nnc_argmax *p, const int8_t *input, int32_t *output);
void argmax_s16(const nnc_argmax *p, const int16_t *input, int32_t *output);
void argmax_s32(const nnc_argmax *p, const int32_t *input, int32_t *output);
void argmax_f32(const nnc_argmax *p, const float *input, int32_t *output);

#endif /* ARGMAX_H */
