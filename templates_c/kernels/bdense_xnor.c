/* nncodegen kernels: XNOR dense layers: packed {-1, +1} input, binary (or ternary: _tern) weights. */
#include "bdense_xnor.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_instances.inc: bdense_xnor_bits, bdense_xnor_q7, bdense_xnor_q15,
 * bdense_xnor_tern_bits, bdense_xnor_tern_q7, bdense_xnor_tern_q15. */
#define NNC_BODY "bdense_bin.inc"
#define NNC_BIN_FAMILY bdense
#define NNC_BIN_XNOR
#include "bin_instances.inc"
