/* nncodegen kernels: 2-D convolution, q15.  Body in conv2d_qn.inc. */
#include "conv2d_q15.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#define NNC_QN_FMT NNC_QN_Q15
#define NNC_QN_ACC_BITS 64
#include "qn_variant.inc"
#include "conv2d_qn.inc"

#define NNC_QN_FMT NNC_QN_Q15
#define NNC_QN_ACC_BITS 32
#include "qn_variant.inc"
#include "conv2d_qn.inc"

/* conv2d_inplace_q15(_acc32): conv2d_q15(_acc32) one output row at a time, output over its input
 * (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_q15
#define NNC_IP_T int16_t
#define NNC_IP_PARAMS const nnc_requant *rq, const int16_t *input, const int16_t *weights, const int32_t *bias
#define NNC_IP_CALL(s, x, y) conv2d_q15(s, rq, x, weights, bias, y)
#include "inplace_rows.inc"
#define NNC_IP_NAME conv2d_inplace_q15_acc32
#define NNC_IP_T int16_t
#define NNC_IP_PARAMS const nnc_requant *rq, const int16_t *input, const int16_t *weights, const int32_t *bias
#define NNC_IP_CALL(s, x, y) conv2d_q15_acc32(s, rq, x, weights, bias, y)
#include "inplace_rows.inc"
