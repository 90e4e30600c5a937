/* nncodegen kernels: 2-D convolution with shared weights (codebook), float32 (see conv2d_codebook_f32.h). */
#include "conv2d_codebook_f32.h"
#include "nnc_compress.h"

#include "compress_f32.inc"
#define NNC_T float
#include "compress_patch.inc"
#undef NNC_T

int32_t conv2d_codebook_scratch_size_f32(const nnc_conv_geom *g)
{
    return nnc_cpatch_direct(g) ? 0 : g->k_h * g->k_w * (g->in_c / g->groups) * (int32_t)sizeof(float);
}

void conv2d_codebook_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *codebook,
                         const uint8_t *index, int32_t bits, int32_t cb_stride, const float *bias,
                         int32_t seq_channels, float *scratch, float *output)
{
    const int32_t cout_g = g->out_c / g->groups;
    const int32_t kk = g->k_h * g->k_w * (g->in_c / g->groups), kk8 = kk - kk % 8;
    const int direct = nnc_cpatch_direct(g);
    int32_t n, oy, ox, grp, oc, i;
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                float *y = output + ((n * g->out_h + oy) * g->out_w + ox) * g->out_c;
                for (grp = 0; grp < g->groups; ++grp) {
                    const float *x = nnc_cpatch_gather(g, input, 0.0f, direct, n, oy, ox, grp, scratch);
                    for (oc = grp * cout_g; oc < (grp + 1) * cout_g; ++oc) {
                        const float *cb = codebook + oc * cb_stride;
                        uint32_t pos = (uint32_t)oc * (uint32_t)kk * (uint32_t)bits;
                        float acc = 0.0f;
                        if (oc < seq_channels) {
                            for (i = 0; i < kk; ++i, pos += (uint32_t)bits) {
                                acc += x[i] * cb[nnc_unpack_index(index, pos, bits)];
                            }
                        } else {
                            float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
                            for (i = 0; i < kk8; ++i, pos += (uint32_t)bits) {
                                s[i & 7] += x[i] * cb[nnc_unpack_index(index, pos, bits)];
                            }
                            acc = nnc_cf32_tree(s);
                            for (; i < kk; ++i, pos += (uint32_t)bits) {
                                acc += x[i] * cb[nnc_unpack_index(index, pos, bits)];
                            }
                        }
                        y[oc] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[oc] : acc);
                    }
                }
            }
        }
    }
}
