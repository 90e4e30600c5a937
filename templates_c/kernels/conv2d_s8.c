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
 * Body (pointwise, depthwise, small-K and generic paths) in conv2d_qn.inc, shared with q7 / q15; the
 * targets' own depthwise paths in conv2d_s8_dsp.inc (Arm DSP), conv2d_s8_dw512.inc (AVX-512BW; 1, 2, 4 or 8
 * channels with horizontal stride 1 by output rows, conv2d_dwrow512.inc) and conv2d_s8_dwrow256.inc (AVX2 without
 * AVX-512BW: those by output rows).
 */
#include "conv2d_s8.h"
#include "nnc_affine.h"
#include "nnc_simd.h"

#define NNC_QN_FMT NNC_QN_S8
#define NNC_QN_ACC_BITS 32
#include "qn_variant.inc"
#if defined(NNC_SIMD_DSP)
#include "conv2d_s8_dsp.inc"
#define NNC_CONV_DW_ARCH conv2d_dw_arch_s8
#define NNC_CONV_SMALLK_ARCH conv2d_smallk_arch_s8
#elif defined(NNC_HAVE_RQ16_S8) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include "conv2d_s8_dw512.inc" /* depthwise: 16 channels, two kernel rows per int16 multiply-add */
#define NNC_CONV_DW_ARCH conv2d_dw512_s8
#elif defined(NNC_HAVE_REQUANT8_S8)
#include "conv2d_s8_dwrow256.inc" /* depthwise, 1, 2, 4, 8 channels: by output rows, 8 values per register */
#define NNC_CONV_DW_ARCH conv2d_dwr256_s8
#endif
#include "conv2d_qn.inc"
#undef NNC_CONV_DW_ARCH
#undef NNC_CONV_SMALLK_ARCH

/* conv2d_inplace_s8: conv2d_s8 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME conv2d_inplace_s8
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights, const int32_t *bias
#if defined(NNC_HAVE_DWR2_S8) /* ARM DSP: also rows in pairs, so the call names the row (inplace_rows.inc's r) */
#define NNC_IP_PREP                                                                                                   \
    conv2d_dwr_s8_state dwr_;                                                                                         \
    const int dwr_on_ = conv2d_dwr_s8_prep(g, rq, weights, bias, backward, &dwr_);
#define NNC_IP_CALL(s, x, y) \
    (dwr_on_ ? conv2d_dwr_s8_run(g, s, &dwr_, input, r, x, y) : conv2d_s8(s, rq, x, weights, bias, y))
#elif defined(NNC_HAVE_DWR_S8) /* the by-rows depthwise path's constants prepared once for all the rows */
#define NNC_IP_PREP                                                                                                   \
    conv2d_dwr_s8_state dwr_;                                                                                         \
    const int dwr_on_ = conv2d_dwr_s8_prep(g, rq, weights, bias, &dwr_);
#define NNC_IP_CALL(s, x, y) \
    (dwr_on_ ? conv2d_dwr_s8_run(s, &dwr_, x, y) : conv2d_s8(s, rq, x, weights, bias, y))
#else
#define NNC_IP_CALL(s, x, y) conv2d_s8(s, rq, x, weights, bias, y)
#endif
#include "inplace_rows.inc"
