/* nncodegen kernels: binary-weight (bw) and ternary-weight (tw) dense layers of Q-format input. */
#include "bdense_bw.h"
#include "nnc_fixed.h"
#include "bin_popcount.inc"
#include "bin_epilogue.inc"

#define NNC_FN bdense_bw_q7_bits
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_TERN 0
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#define NNC_QDOT nnc_bin_qdot_q7
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_bw_q7_q7
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_TERN 0
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#define NNC_QDOT nnc_bin_qdot_q7
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_bw_q7_q15
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_TERN 0
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#define NNC_QDOT nnc_bin_qdot_q7
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_tw_q7_bits
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_TERN 1
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#define NNC_QDOT nnc_bin_qdot_q7
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_tw_q7_q7
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_TERN 1
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#define NNC_QDOT nnc_bin_qdot_q7
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_tw_q7_q15
#define NNC_IN 1
#define NNC_IN_T int8_t
#define NNC_TERN 1
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#define NNC_QDOT nnc_bin_qdot_q7
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_bw_q15_bits
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_TERN 0
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#define NNC_QDOT nnc_bin_qdot_q15
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_bw_q15_q7
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_TERN 0
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#define NNC_QDOT nnc_bin_qdot_q15
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_bw_q15_q15
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_TERN 0
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#define NNC_QDOT nnc_bin_qdot_q15
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_tw_q15_bits
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_TERN 1
#define NNC_OUT 0
#define NNC_OUT_T uint32_t
#define NNC_QDOT nnc_bin_qdot_q15
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_tw_q15_q7
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_TERN 1
#define NNC_OUT 1
#define NNC_OUT_T int8_t
#define NNC_QDOT nnc_bin_qdot_q15
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT

#define NNC_FN bdense_tw_q15_q15
#define NNC_IN 2
#define NNC_IN_T int16_t
#define NNC_TERN 1
#define NNC_OUT 2
#define NNC_OUT_T int16_t
#define NNC_QDOT nnc_bin_qdot_q15
#include "bdense_bin.inc"
#undef NNC_FN
#undef NNC_IN
#undef NNC_IN_T
#undef NNC_TERN
#undef NNC_OUT
#undef NNC_OUT_T
#undef NNC_QDOT
