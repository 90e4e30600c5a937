/* nncodegen kernels: dense layers with int8 weights inside a binarized network (8-bit first / last layers): Q-format input (w8_q7, w8_q15) or packed {-1, +1} input (bits_w8). */
#include "bdense_w8.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

/* Instantiated by bin_w8_instances.inc: bdense_bits_w8_bits, bdense_bits_w8_q7, bdense_bits_w8_q15,
 * bdense_w8_q7_bits, bdense_w8_q7_q7, bdense_w8_q7_q15, bdense_w8_q15_bits, bdense_w8_q15_q7,
 * bdense_w8_q15_q15. */
#define NNC_BODY "bdense_w8.inc"
#define NNC_BIN_FAMILY bdense
#include "bin_w8_instances.inc"
