/* nncodegen kernels: binary-weight (bw) and ternary-weight (tw) dense layers of Q-format input. */
#include "bdense_bw.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_instances.inc: bdense_bw_q7_bits, bdense_bw_q7_q7, bdense_bw_q7_q15,
 * bdense_tw_q7_bits, bdense_tw_q7_q7, bdense_tw_q7_q15, bdense_bw_q15_bits, bdense_bw_q15_q7,
 * bdense_bw_q15_q15, bdense_tw_q15_bits, bdense_tw_q15_q7, bdense_tw_q15_q15. */
#define NNC_BODY "bdense_bin.inc"
#define NNC_BIN_FAMILY bdense
#include "bin_instances.inc"
