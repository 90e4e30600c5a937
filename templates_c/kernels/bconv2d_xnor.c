/* nncodegen kernels: XNOR convolutions: packed {-1, +1} input, binary (or ternary: _tern) weights. */
#include "bconv2d_xnor.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"
#include "bin_block.inc"

#define NNC_FN bconv2d_xnor_bits
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_TERN 0
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#include "bconv2d_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bconv2d_xnor_q7
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_TERN 0
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#include "bconv2d_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bconv2d_xnor_q15
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_TERN 0
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#include "bconv2d_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bconv2d_xnor_tern_bits
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_TERN 1
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#include "bconv2d_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bconv2d_xnor_tern_q7
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_TERN 1
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#include "bconv2d_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bconv2d_xnor_tern_q15
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_TERN 1
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#include "bconv2d_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
