/* nncodegen kernels: fully connected layer with hashed weights, float32 (dense_hashed_f32.h). */
#include "dense_hashed_f32.h"
#include "nnc_compress.h"

#include "compress_f32.inc"

static float dense_hashed_f32_w(const float *buckets, int32_t n_buckets, uint32_t seed, int32_t sign, uint32_t key)
{
    const float w = buckets[nnc_hash32(seed, key) % (uint32_t)n_buckets];
    return sign && (nnc_hash32(seed ^ NNC_HASH_SIGN_XOR, key) & 1u) ? -w : w;
}

void dense_hashed_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *buckets,
                      int32_t n_buckets, uint32_t seed, int32_t sign, const float *bias, float *output)
{
    const int32_t k = g->in_features, k8 = k - k % 8;
    int32_t b, o, i;
    for (b = 0; b < g->batch; ++b) {
        const float *x = input + b * k;
        float *y = output + b * g->out_features;
        for (o = 0; o < g->out_features; ++o) {
            const uint32_t k0 = (uint32_t)o * (uint32_t)k;
            float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
            float acc;
            for (i = 0; i < k8; ++i) {
                s[i & 7] += x[i] * dense_hashed_f32_w(buckets, n_buckets, seed, sign, k0 + (uint32_t)i);
            }
            acc = nnc_cf32_tree(s);
            for (; i < k; ++i) {
                acc += x[i] * dense_hashed_f32_w(buckets, n_buckets, seed, sign, k0 + (uint32_t)i);
            }
            y[o] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[o] : acc);
        }
    }
}
