/* nncodegen kernels: fully connected layer, q15.  Body in dense_qn.inc. */
#include "dense_q15.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#define NNC_QN_FMT NNC_QN_Q15
#define NNC_QN_ACC_BITS 64
#include "qn_variant.inc"
#include "dense_qn.inc"

#define NNC_QN_FMT NNC_QN_Q15
#define NNC_QN_ACC_BITS 32
#include "qn_variant.inc"
#include "dense_qn.inc"
