#ifndef NNC_SOFTMAX_F32_H
#define NNC_SOFTMAX_F32_H

#include "nnc_types.h"

/* Float softmax over the last axis of [rows][cols], stable (the row max is subtracted):
 * out[r][j] = exp(x[r][j] - m) / sum_k exp(x[r][k] - m),  m = max_k x[r][k].
 * Legal: rows >= 0, cols >= 1; output may alias input. */
void softmax_f32(int32_t rows, int32_t cols, const float *input, float *output);

/* Float log-softmax over the last axis: out[r][j] = (x[r][j] - m) - log(sum_k exp(x[r][k] - m)), the sum in
 * float in order.  Legal: rows >= 0, cols >= 1; output may alias input. */
void log_softmax_f32(int32_t rows, int32_t cols, const float *input, float *output);

#endif /* NNC_SOFTMAX_F32_H */
