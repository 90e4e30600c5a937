/* nncodegen kernels: fully connected layer with pruned and shared weights (sparse + codebook), float32
 * (dense_sparse_codebook_f32.h, spcb_f32.inc). */
#include "dense_sparse_codebook_f32.h"
#include "nnc_spcb.h"

#include "compress_f32.inc"
#include "spcb_f32.inc"

#define NNC_SPCB_ROWS 0
#include "dense_sparse_codebook_f32_body.inc"
#undef NNC_SPCB_ROWS
#define NNC_SPCB_ROWS 1
#include "dense_sparse_codebook_f32_body.inc"
#undef NNC_SPCB_ROWS
