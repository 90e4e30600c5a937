/* nncodegen kernels: binary-weight (bw) and ternary-weight (tw) dense layers of Q-format input, float output. */
#include "bdense_bw_f32.h"
#include "nnc_fixed.h"
#define NNC_BIN_WITH_F32 1
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_instances.inc: bdense_bw_q7_f32, bdense_tw_q7_f32, bdense_bw_q15_f32,
 * bdense_tw_q15_f32. */
#define NNC_BODY "bdense_bin.inc"
#define NNC_BIN_FAMILY bdense
#include "bin_instances.inc"
