/* nncodegen kernels: convolutions with int8 weights inside a binarized network (8-bit first / last layers): Q-format input (w8_q7, w8_q15) or packed {-1, +1} input (bits_w8), float output. */
#include "bconv2d_w8_f32.h"
#include "nnc_fixed.h"
#define NNC_BIN_WITH_F32 1
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

#define NNC_FN bconv2d_bits_w8_f32
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_OUT 3
#define NNC_OUT_T float
#include "bconv2d_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bconv2d_w8_q7_f32
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_OUT 3
#define NNC_OUT_T float
#include "bconv2d_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bconv2d_w8_q15_f32
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_OUT 3
#define NNC_OUT_T float
#include "bconv2d_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T
