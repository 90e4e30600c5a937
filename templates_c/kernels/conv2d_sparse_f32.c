/* nncodegen kernels: sparse 2-D convolution, float32 (see conv2d_sparse_f32.h and compress_f32.inc). */
#include "conv2d_sparse_f32.h"
#include "nnc_compress.h"

#define NNC_CF32_SPARSE
#include "compress_f32.inc"
#define NNC_T float
#include "compress_patch.inc"
#undef NNC_T

int32_t conv2d_sparse_scratch_size_f32(const nnc_conv_geom *g)
{
    return nnc_cpatch_direct(g) ? 0 : g->k_h * g->k_w * (g->in_c / g->groups) * (int32_t)sizeof(float);
}

static float conv2d_sparse_f32_seq(const float *x, const float *v, const uint8_t *d, int32_t m)
{
    float acc = 0.0f;
    int32_t p = 0, j;
    for (j = 0; j < m; ++j) {
        p += d[j];
        acc += x[p] * v[j];
    }
    return acc;
}

void conv2d_sparse_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const int32_t *row_start,
                       const float *values, const uint8_t *delta, const float *bias, int32_t seq_channels,
                       float *scratch, float *output)
{
    const int32_t cout_g = g->out_c / g->groups;
    const int32_t kk = g->k_h * g->k_w * (g->in_c / g->groups);
    const int direct = nnc_cpatch_direct(g);
    int32_t n, oy, ox, grp, oc;
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                float *y = output + ((n * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (grp = 0; grp < g->groups; ++grp) {
                    const float *x = nnc_cpatch_gather(g, input, 0.0f, direct, n, oy, ox, grp, scratch);
                    for (oc = grp * cout_g; oc < (grp + 1) * cout_g; ++oc) {
                        const int32_t e0 = row_start[oc], m = row_start[oc + 1] - e0;
                        const float acc = oc < seq_channels ? conv2d_sparse_f32_seq(x, values + e0, delta + e0, m)
                                                            : nnc_cf32_sparse_lanes(x, kk, values + e0, delta + e0, m);
                        y[oc] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[oc] : acc);
                    }
                }
            }
        }
    }
}
