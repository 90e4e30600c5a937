/* nncodegen kernels: 2-D convolution, q7.  Body in conv2d_qn.inc. */
#include "conv2d_q7.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#define NNC_QN_FMT NNC_QN_Q7
#define NNC_QN_ACC_BITS 32
#include "qn_variant.inc"
#if defined(NNC_SIMD_DSP)
#include "conv2d_q7_dsp.inc"
#define NNC_CONV_ROWS_ARCH conv2d_win_dsp_q7
#define NNC_CONV_SMALLK_ARCH(g, rq, x, w, b, y) conv2d_win_dsp_q7(g, rq, x, w, b, y, 0)
#endif
#include "conv2d_qn.inc"
#undef NNC_CONV_ROWS_ARCH
#undef NNC_CONV_SMALLK_ARCH

#define NNC_QN_FMT NNC_QN_Q7
#define NNC_QN_ACC_BITS 64
#include "qn_variant.inc"
#include "conv2d_qn.inc"

/* conv2d_inplace_q7(_wide): conv2d_q7(_wide) one output row at a time, output over its input
 * (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_q7
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant *rq, const int8_t *input, const int8_t *weights, const int32_t *bias
#define NNC_IP_CALL(s, x, y) conv2d_q7(s, rq, x, weights, bias, y)
#include "inplace_rows.inc"
#define NNC_IP_NAME conv2d_inplace_q7_wide
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant *rq, const int8_t *input, const int8_t *weights, const int32_t *bias
#define NNC_IP_CALL(s, x, y) conv2d_q7_wide(s, rq, x, weights, bias, y)
#include "inplace_rows.inc"
