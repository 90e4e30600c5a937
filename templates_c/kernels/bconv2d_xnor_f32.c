/* nncodegen kernels: XNOR convolutions: packed {-1, +1} input, binary (or ternary: _tern) weights, float output. */
#include "bconv2d_xnor_f32.h"
#include "nnc_fixed.h"
#define NNC_BIN_WITH_F32 1
#include "bin_popcount.inc"
#include "bin_epilogue.inc"
#include "bin_block.inc"

#define NNC_FN bconv2d_xnor_f32
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_TERN 0
#define NNC_OUT 3
#define NNC_OUT_T float
#include "bconv2d_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bconv2d_xnor_tern_f32
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_TERN 1
#define NNC_OUT 3
#define NNC_OUT_T float
#include "bconv2d_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
