/* nncodegen kernels: dense (fully connected), affine int8 (TFLite semantics). */
#ifndef DENSE_S8_H
#define DENSE_S8_H

#include "nnc_types.h"

/* output[b][o] = nnc_requant_s8_apply(bias[o] + sum_i (input[b][i] + rq->input_offset) * weights[o][i], rq, o)
 * input [batch][in_features], weights [out_features][in_features] (symmetric),
 * bias int32 or NULL.  Legal: rq arrays have out_features entries;
 * |bias| + sum |x + input_offset| * |w| < 2^31 (the compiler checks it). */
void dense_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights,
              const int32_t *bias, int8_t *output);

#endif /* DENSE_S8_H */
