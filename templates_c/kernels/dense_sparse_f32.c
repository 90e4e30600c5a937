/* nncodegen kernels: sparse fully connected layer, float32 (see dense_sparse_f32.h, compress_f32.inc). */
#include "dense_sparse_f32.h"
#include "nnc_compress.h"

#include "compress_f32.inc"

void dense_sparse_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const int32_t *row_start,
                      const float *values, const uint8_t *delta, const float *bias, float *output)
{
    const int32_t k = g->in_features, k8 = k - k % 8;
    int32_t b, o;
    for (b = 0; b < g->batch; ++b) {
        const float *x = input + b * k;
        float *y = output + b * g->out_features;
        for (o = 0; o < g->out_features; ++o) {
            const int32_t e0 = row_start[o], m = row_start[o + 1] - e0;
            const float *v = values + e0;
            const uint8_t *d = delta + e0;
            float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
            float acc;
            int32_t p = 0, j = 0;
            for (; j < m; ++j) {
                const int32_t q = p + d[j];
                if (q >= k8) {
                    break;
                }
                p = q;
                s[p & 7] += x[p] * v[j];
            }
            acc = nnc_cf32_tree(s);
            for (; j < m; ++j) {
                p += d[j];
                acc += x[p] * v[j];
            }
            y[o] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[o] : acc);
        }
    }
}
