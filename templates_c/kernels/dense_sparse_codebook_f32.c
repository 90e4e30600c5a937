/* nncodegen kernels: fully connected layer with pruned and shared weights (sparse + codebook), float32
 * (dense_sparse_codebook_f32.h, spcb_f32.inc). */
#include "dense_sparse_codebook_f32.h"
#include "nnc_spcb.h"

#include "compress_f32.inc"
#include "spcb_f32.inc"

void dense_sparse_codebook_rows_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input,
                                    const float *codebook, const uint8_t *count, const uint8_t *entries,
                                    int32_t cb_stride, int32_t count_bits, int32_t delta_bits, int32_t index_bits,
                                    const float *bias, int32_t row0, int32_t row1, int32_t count_at,
                                    int32_t entries_at, float *output)
{
    const int32_t k = g->in_features, ebits = delta_bits + index_bits;
    int32_t b, o;
    for (b = 0; b < g->batch; ++b) {
        const float *x = input + b * k;
        float *y = output + b * g->out_features;
        nnc_spcb_rd rc, re;
        nnc_spcb_start_at(&rc, count, count_at);
        nnc_spcb_start_at(&re, entries, entries_at);
        for (o = row0; o < row1; ++o) {
            const int32_t m = (int32_t)nnc_spcb_get(&rc, count_bits);
            const float acc = nnc_spcb_f32_lanes(x, k, codebook + o * cb_stride, &re, m, delta_bits, ebits);
            y[o] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[o] : acc);
        }
    }
}

void dense_sparse_codebook_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input,
                               const float *codebook, const uint8_t *count, const uint8_t *entries, int32_t cb_stride,
                               int32_t count_bits, int32_t delta_bits, int32_t index_bits, const float *bias,
                               float *output)
{
    dense_sparse_codebook_rows_f32(g, act, input, codebook, count, entries, cb_stride, count_bits, delta_bits,
                                   index_bits, bias, 0, g->out_features, 0, 0, output);
}
