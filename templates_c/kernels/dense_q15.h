/* nncodegen kernels: fully connected layer, q15 (int16 activations and weights). */
#ifndef DENSE_Q15_H
#define DENSE_Q15_H

#include "nnc_types.h"

/* output[b][o] = nnc_requantize(bias[o] + sum_i input[b][i] * weights[o][i], rq, o), int64 accumulator.
 * input [batch][in_features], weights [out_features][in_features], bias [out_features] or NULL,
 * output [batch][out_features].  Legal: rq->shift has out_features entries. */
void dense_q15(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input, const int16_t *weights,
               const int32_t *bias, int16_t *output);

/* Same as dense_q15 with an int32 accumulator; legal only when
 * |bias| + sum |w| * max|x| < 2^31 for every output. */
void dense_q15_acc32(const nnc_dense_geom *g, const nnc_requant *rq, const int16_t *input,
                     const int16_t *weights, const int32_t *bias, int16_t *output);

#endif /* DENSE_Q15_H */
