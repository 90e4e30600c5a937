/* nncodegen kernels: XNOR convolutions: packed {-1, +1} input, binary (or ternary: _tern) weights. */
#include "bconv2d_xnor.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"
#include "bin_block.inc"

/* Instantiated by bin_instances.inc: bconv2d_xnor_bits, bconv2d_xnor_q7, bconv2d_xnor_q15,
 * bconv2d_xnor_tern_bits, bconv2d_xnor_tern_q7, bconv2d_xnor_tern_q15. */
#define NNC_BODY "bconv2d_bin.inc"
#define NNC_BIN_FAMILY bconv2d
#define NNC_BIN_XNOR
#include "bin_instances.inc"
