/* nncodegen kernels: binary-weight (bw) and ternary-weight (tw) convolutions of Q-format input (BinaryConnect, BNN first layers). */
#include "bconv2d_bw.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_instances.inc: bconv2d_bw_q7_bits, bconv2d_bw_q7_q7, bconv2d_bw_q7_q15,
 * bconv2d_tw_q7_bits, bconv2d_tw_q7_q7, bconv2d_tw_q7_q15, bconv2d_bw_q15_bits, bconv2d_bw_q15_q7,
 * bconv2d_bw_q15_q15, bconv2d_tw_q15_bits, bconv2d_tw_q15_q7, bconv2d_tw_q15_q15. */
#define NNC_BODY "bconv2d_bin.inc"
#define NNC_BIN_FAMILY bconv2d
#include "bin_instances.inc"
