/* nncodegen kernels: binary-weight (bw) and ternary-weight (tw) convolutions of Q-format input (BinaryConnect, BNN first layers), float output. */
#include "bconv2d_bw_f32.h"
#include "nnc_fixed.h"
#define NNC_BIN_WITH_F32 1
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_instances.inc: bconv2d_bw_q7_f32, bconv2d_tw_q7_f32, bconv2d_bw_q15_f32,
 * bconv2d_tw_q15_f32. */
#define NNC_BODY "bconv2d_bin.inc"
#define NNC_BIN_FAMILY bconv2d
#include "bin_instances.inc"
