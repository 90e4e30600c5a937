/* nncodegen kernels: sparse fully connected layer, float32 (see dense_sparse_f32.h, compress_f32.inc). */
#include "dense_sparse_f32.h"
#include "nnc_compress.h"

#define NNC_CF32_SPARSE
#include "compress_f32.inc"

void dense_sparse_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const int32_t *row_start,
                      const float *values, const uint8_t *delta, const float *bias, float *output)
{
    const int32_t k = g->in_features;
    int32_t b, o;
    for (b = 0; b < g->batch; ++b) {
        const float *x = input + b * k;
        float *y = output + b * g->out_features;
        for (o = 0; o < g->out_features; ++o) {
            const int32_t e0 = row_start[o], m = row_start[o + 1] - e0;
            const float acc = nnc_cf32_sparse_lanes(x, k, values + e0, delta + e0, m);
            y[o] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[o] : acc);
        }
    }
}
