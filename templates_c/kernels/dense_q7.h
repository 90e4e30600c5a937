/* nncodegen kernels: fully connected layer, q7 (int8 activations and weights). */
#ifndef DENSE_Q7_H
#define DENSE_Q7_H

#include "nnc_types.h"

/* output[b][o] = nnc_requantize(bias[o] + sum_i input[b][i] * weights[o][i], rq, o), int32 accumulator.
 * input [batch][in_features], weights [out_features][in_features], bias [out_features] or NULL,
 * output [batch][out_features].  Legal: rq->shift has out_features entries;
 * |bias| + sum |w| * max|x| < 2^31 for every output (else use _wide). */
void dense_q7(const nnc_dense_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *weights,
              const int32_t *bias, int8_t *output);

/* Same as dense_q7 with an int64 accumulator. */
void dense_q7_wide(const nnc_dense_geom *g, const nnc_requant *rq, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, int8_t *output);

#endif /* DENSE_Q7_H */
