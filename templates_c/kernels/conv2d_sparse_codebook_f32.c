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

#define NNC_SPCB_ROWS 0
#include "conv2d_sparse_codebook_f32_body.inc"
#undef NNC_SPCB_ROWS
#define NNC_SPCB_ROWS 1
#include "conv2d_sparse_codebook_f32_body.inc"
#undef NNC_SPCB_ROWS
