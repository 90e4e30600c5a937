/* nncodegen kernels: 2-D convolution, q7.  Body in conv2d_qn.inc. */
#include "conv2d_q7.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#define NNC_T int8_t
#define NNC_RQ nnc_requant
#define NNC_XOFF(rq) 0
#define NNC_REQUANT(acc, rq, c) nnc_requantize(acc, rq, c)

#define NNC_ACC int32_t
#define NNC_DOT(x, w, n, off) nnc_dot_q7_i32(x, w, n)
#define NNC_DOT4(x, w, ws, n, off, out) nnc_dot4_q7_i32(x, w, ws, n, out)
#define NNC_DOT8(x, w, ws, n, off) nnc_dot8_q7_i32(x, w, ws, n)
#define NNC_BLK nnc_acc8
#define NNC_BLK_LOAD nnc_acc8_load
#define NNC_BLK_STORE nnc_acc8_store
#define NNC_BLK_MAC(a, x, off, w) nnc_acc8_mac_s8(a, x, off, w)
#define NNC_BLK_MACB nnc_acc8_mac_bcast
#if defined(NNC_HAVE_MAC2)
#define NNC_BLK_MAC2B nnc_acc8_mac2_bcast
#endif
#define NNC_BLK_REQUANT nnc_acc8_requant
#define NNC_SHIFT_ONLY(rq, n) nnc_requant_shift_only(rq, n)
#define NNC_FN(name) name##_q7
#if defined(NNC_SIMD_DSP)
#include "conv2d_q7_dsp.inc"
#define NNC_CONV_ROWS_ARCH conv2d_rows_dsp_q7
#endif
#include "conv2d_qn.inc"
#undef NNC_CONV_ROWS_ARCH
#undef NNC_ACC
#undef NNC_DOT
#undef NNC_DOT4
#undef NNC_DOT8
#undef NNC_FN
#undef NNC_BLK
#undef NNC_BLK_LOAD
#undef NNC_BLK_STORE
#undef NNC_BLK_MAC
#undef NNC_BLK_MACB
#undef NNC_BLK_MAC2B
#undef NNC_BLK_REQUANT
#undef NNC_SHIFT_ONLY

#define NNC_ACC int64_t
#define NNC_DOT(x, w, n, off) nnc_dot_q7_i64(x, w, n)
#define NNC_DOT4(x, w, ws, n, off, out) nnc_dot4_q7_i64(x, w, ws, n, out)
#define NNC_BLK nnc_acc8w
#define NNC_BLK_LOAD nnc_acc8w_load
#define NNC_BLK_STORE nnc_acc8w_store
#define NNC_BLK_MAC(a, x, off, w) nnc_acc8w_mac_s8(a, x, off, w)
#define NNC_BLK_MACB nnc_acc8w_mac_bcast
#define NNC_SHIFT_ONLY(rq, n) 0
#define NNC_FN(name) name##_q7_wide
#include "conv2d_qn.inc"
#undef NNC_ACC
#undef NNC_DOT
#undef NNC_DOT4
#undef NNC_FN
#undef NNC_BLK
#undef NNC_BLK_LOAD
#undef NNC_BLK_STORE
#undef NNC_BLK_MAC
#undef NNC_BLK_MACB
#undef NNC_BLK_MAC2B
#undef NNC_BLK_REQUANT
#undef NNC_SHIFT_ONLY

#undef NNC_T
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT

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
