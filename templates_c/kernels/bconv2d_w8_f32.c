/* nncodegen kernels: convolutions with int8 weights inside a binarized network (8-bit first / last layers): Q-format input (w8_q7, w8_q15) or packed {-1, +1} input (bits_w8), float output. */
#include "bconv2d_w8_f32.h"
#include "nnc_fixed.h"
#define NNC_BIN_WITH_F32 1
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_w8_instances.inc: bconv2d_bits_w8_f32, bconv2d_w8_q7_f32, bconv2d_w8_q15_f32. */
#define NNC_BODY "bconv2d_w8.inc"
#define NNC_BIN_FAMILY bconv2d
#include "bin_w8_instances.inc"
