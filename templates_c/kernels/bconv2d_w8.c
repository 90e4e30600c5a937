/* nncodegen kernels: convolutions with int8 weights inside a binarized network (8-bit first / last layers): Q-format input (w8_q7, w8_q15) or packed {-1, +1} input (bits_w8). */
#include "bconv2d_w8.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_w8_instances.inc: bconv2d_bits_w8_bits, bconv2d_bits_w8_q7, bconv2d_bits_w8_q15,
 * bconv2d_w8_q7_bits, bconv2d_w8_q7_q7, bconv2d_w8_q7_q15, bconv2d_w8_q15_bits, bconv2d_w8_q15_q7,
 * bconv2d_w8_q15_q15. */
#define NNC_BODY "bconv2d_w8.inc"
#define NNC_BIN_FAMILY bconv2d
#include "bin_w8_instances.inc"
