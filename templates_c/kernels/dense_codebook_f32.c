/* nncodegen kernels: fully connected layer with shared weights (codebook), float32 (dense_codebook_f32.h). */
#include "dense_codebook_f32.h"
#include "nnc_compress.h"

#include "compress_f32.inc"

void dense_codebook_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *codebook,
                        const uint8_t *index, int32_t bits, int32_t cb_stride, const float *bias, float *output)
{
    const int32_t k = g->in_features, k8 = k - k % 8;
    int32_t b, o, i;
    for (b = 0; b < g->batch; ++b) {
        const float *x = input + b * k;
        float *y = output + b * g->out_features;
        for (o = 0; o < g->out_features; ++o) {
            const float *cb = codebook + o * cb_stride;
            uint32_t pos = (uint32_t)o * (uint32_t)k * (uint32_t)bits;
            float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
            float acc;
            for (i = 0; i < k8; ++i, pos += (uint32_t)bits) {
                s[i & 7] += x[i] * cb[nnc_unpack_index(index, pos, bits)];
            }
            acc = nnc_cf32_tree(s);
            for (; i < k; ++i, pos += (uint32_t)bits) {
                acc += x[i] * cb[nnc_unpack_index(index, pos, bits)];
            }
            y[o] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[o] : acc);
        }
    }
}
