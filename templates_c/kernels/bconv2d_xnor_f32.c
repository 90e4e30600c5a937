/* nncodegen kernels: XNOR convolutions: packed {-1, +1} input, binary (or ternary: _tern) weights, float output. */
#include "bconv2d_xnor_f32.h"
#include "nnc_fixed.h"
#define NNC_BIN_WITH_F32 1
#include "bin_popcount.inc"
#include "bin_epilogue.inc"
#include "bin_block.inc"

/* Instantiated by bin_instances.inc: bconv2d_xnor_f32, bconv2d_xnor_tern_f32. */
#define NNC_BODY "bconv2d_bin.inc"
#define NNC_BIN_FAMILY bconv2d
#define NNC_BIN_XNOR
#include "bin_instances.inc"
