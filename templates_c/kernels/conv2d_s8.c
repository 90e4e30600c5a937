/* nncodegen kernels: 2-D convolution, affine int8.
 *
 * TFLite's reference integer conv / depthwise conv
 * (tensorflow/lite/kernels/internal/reference/integer_ops/conv.h): the input
 * offset (-zero point) is added to every input value, taps outside the input
 * are skipped (they would read the zero point, i.e. 0 after the offset), the
 * int32 sum gets the bias and is requantized per output channel.
 * Layouts: input [batch][in_h][in_w][in_c], weights [out_c][k_h][k_w][in_c / groups],
 * output [batch][out_h][out_w][out_c].  Output channel oc belongs to group
 * oc / (out_c / groups) and reads input channels of that group.
 * Why the accumulator cannot overflow: each product is at most
 * 255 * 128 < 2^15, and the compiler selects this kernel only after proving
 * |bias| + sum |x + offset| * |w| < 2^31 for every output channel (worst case
 * over all inputs), which bounds every partial sum in any order.  Integer
 * addition is exact, so the fast paths (other loop orders, blocks of channels, SIMD dot products
 * with the offset added in int16) are bit-identical.
 * Body (pointwise, depthwise, small-K and generic paths) in conv2d_qn.inc, shared with q7 / q15.
 */
#include "conv2d_s8.h"
#include "nnc_affine.h"
#include "nnc_simd.h"

#define NNC_T int8_t
#define NNC_RQ nnc_requant_s8
#define NNC_XOFF(rq) ((rq)->input_offset)
#define NNC_REQUANT(acc, rq, c) nnc_requant_s8_apply(acc, rq, c)
#if defined(NNC_HAVE_REQUANT8_S8)
#define NNC_BLK_REQUANT_RQ(a, rq, c, v)                                                                      \
    nnc_acc8_requant_s8(a, (rq)->multiplier + (c), (rq)->shift + (c), (rq)->rounding, (rq)->output_offset, \
                        (rq)->out_min, (rq)->out_max, v)
#endif
#define NNC_ACC int32_t
#define NNC_DOT(x, w, n, off) nnc_dot_s8o_i32(x, w, n, off)
#define NNC_DOT4(x, w, ws, n, off, out) nnc_dot4_s8o_i32(x, w, ws, n, off, out)
#define NNC_DOT8(x, w, ws, n, off) nnc_dot8_s8o_i32(x, w, ws, n, off)
#define NNC_BLK nnc_acc8
#define NNC_BLK_LOAD nnc_acc8_load
#define NNC_BLK_STORE nnc_acc8_store
#define NNC_BLK_MAC(a, x, off, w) nnc_acc8_mac_s8(a, x, off, w)
#define NNC_BLK_MACB nnc_acc8_mac_bcast
#if defined(NNC_HAVE_MAC2)
#define NNC_BLK_MAC2B nnc_acc8_mac2_bcast
#endif
#define NNC_SHIFT_ONLY(rq, n) 0
#define NNC_FN(name) name##_s8
#if defined(NNC_SIMD_DSP)
#include "conv2d_s8_dsp.inc"
#define NNC_CONV_DW_ARCH conv2d_dw_dsp_s8
#define NNC_CONV_SMALLK_ARCH conv2d_smallk_dsp_s8
#endif
#include "conv2d_qn.inc"
#undef NNC_CONV_DW_ARCH
#undef NNC_CONV_SMALLK_ARCH
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

#undef NNC_T
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
#undef NNC_BLK_REQUANT_RQ

/* conv2d_inplace_s8: conv2d_s8 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_s8
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights, const int32_t *bias
#define NNC_IP_CALL(s, x, y) conv2d_s8(s, rq, x, weights, bias, y)
#include "inplace_rows.inc"
