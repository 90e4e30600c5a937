/* nncodegen kernels: XNOR dense layers: packed {-1, +1} input, binary (or ternary: _tern) weights, float output. */
#include "bdense_xnor_f32.h"
#include "nnc_fixed.h"
#define NNC_BIN_WITH_F32 1
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_instances.inc: bdense_xnor_f32, bdense_xnor_tern_f32. */
#define NNC_BODY "bdense_bin.inc"
#define NNC_BIN_FAMILY bdense
#define NNC_BIN_XNOR
#include "bin_instances.inc"
