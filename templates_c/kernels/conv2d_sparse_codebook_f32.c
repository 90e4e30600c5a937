/* nncodegen kernels: 2-D convolution with pruned and shared weights (sparse + codebook), float32
 * (conv2d_sparse_codebook_f32.h, spcb_f32.inc). */
#include "conv2d_sparse_codebook_f32.h"
#include "nnc_spcb.h"

#include "compress_f32.inc"
#define NNC_SPCB_F32_SEQ
#include "spcb_f32.inc"
#undef NNC_SPCB_F32_SEQ
#define NNC_T float
#include "compress_patch.inc"
#undef NNC_T

int32_t conv2d_sparse_codebook_scratch_size_f32(const nnc_conv_geom *g)
{
    return nnc_cpatch_direct(g) ? 0 : g->k_h * g->k_w * (g->in_c / g->groups) * (int32_t)sizeof(float);
}

void conv2d_sparse_codebook_rows_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                     const float *codebook, const uint8_t *count, const uint8_t *entries,
                                     int32_t cb_stride, int32_t count_bits, int32_t delta_bits, int32_t index_bits,
                                     const float *bias, int32_t row0, int32_t row1, int32_t count_at,
                                     int32_t entries_at, int32_t seq_channels, float *scratch, float *output)
{
    const int32_t cout_g = g->out_c / g->groups, ebits = delta_bits + index_bits;
    const int32_t kk = g->k_h * g->k_w * (g->in_c / g->groups);
    const int direct = nnc_cpatch_direct(g);
    int32_t n, oy, ox, grp, oc, oc_end;
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                float *y = output + ((n * g->out_h + oy) * g->out_w + ox) * g->out_c;
                nnc_spcb_rd rc, re;
                nnc_spcb_start_at(&rc, count, count_at);
                nnc_spcb_start_at(&re, entries, entries_at);
                for (oc = row0; oc < row1; oc = oc_end) {  /* the groups of channels row0..row1 - 1 */
                    const float *x;
                    grp = oc / cout_g;
                    oc_end = (grp + 1) * cout_g < row1 ? (grp + 1) * cout_g : row1;
                    x = nnc_cpatch_gather(g, input, 0.0f, direct, n, oy, ox, grp, scratch);
                    for (; oc < oc_end; ++oc) {
                        const int32_t m = (int32_t)nnc_spcb_get(&rc, count_bits);
                        const float *cb = codebook + oc * cb_stride;
                        const float acc = oc < seq_channels ? nnc_spcb_f32_seq(x, cb, &re, m, delta_bits, ebits)
                                                            : nnc_spcb_f32_lanes(x, kk, cb, &re, m, delta_bits, ebits);
                        y[oc] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[oc] : acc);
                    }
                }
            }
        }
    }
}

void conv2d_sparse_codebook_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                                const float *codebook, const uint8_t *count, const uint8_t *entries, int32_t cb_stride,
                                int32_t count_bits, int32_t delta_bits, int32_t index_bits, const float *bias,
                                int32_t seq_channels, float *scratch, float *output)
{
    conv2d_sparse_codebook_rows_f32(g, act, input, codebook, count, entries, cb_stride, count_bits, delta_bits,
                                    index_bits, bias, 0, g->out_c, 0, 0, seq_channels, scratch, output);
}
