/* nncodegen kernels: dense layers with int8 weights inside a binarized network (8-bit first / last layers): Q-format input (w8_q7, w8_q15) or packed {-1, +1} input (bits_w8). */
#include "bdense_w8.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

#define NNC_FN bdense_bits_w8_bits
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bdense_bits_w8_q7
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bdense_bits_w8_q15
#define NNC_IN 0
#define NNC_IN_T uint32_t
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bdense_w8_q7_bits
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bdense_w8_q7_q7
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bdense_w8_q7_q15
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bdense_w8_q15_bits
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bdense_w8_q15_q7
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T

#define NNC_FN bdense_w8_q15_q15
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#include "bdense_w8.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_OUT
#undef NNC_OUT_T
