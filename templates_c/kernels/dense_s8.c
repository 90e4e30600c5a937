/* nncodegen kernels: dense, affine int8 (TFLite reference FullyConnected for
 * int8: per-channel multipliers, input offset, int32 accumulator; why it cannot
 * overflow: see conv2d_s8.c).  Body in dense_qn.inc, shared with q7 / q15. */
#include "dense_s8.h"
#include "nnc_affine.h"
#include "nnc_simd.h"

#define NNC_T int8_t
#define NNC_ACC int32_t
#define NNC_RQ nnc_requant_s8
#define NNC_XOFF(rq) ((rq)->input_offset)
#define NNC_REQUANT(acc, rq, c) nnc_requant_s8_apply(acc, rq, c)
#if defined(NNC_HAVE_REQUANT8_S8)
#define NNC_BLK_REQUANT_RQ(a, rq, c, v)                                                                      \
    nnc_acc8_requant_s8(a, (rq)->multiplier + (c), (rq)->shift + (c), (rq)->rounding, (rq)->output_offset, \
                        (rq)->out_min, (rq)->out_max, v)
#endif
#define NNC_DOT(x, w, n, off) nnc_dot_s8o_i32(x, w, n, off)
#define NNC_DOT4(x, w, ws, n, off, out) nnc_dot4_s8o_i32(x, w, ws, n, off, out)
#define NNC_DOT8(x, w, ws, n, off) nnc_dot8_s8o_i32(x, w, ws, n, off)
#define NNC_FN(name) name##_s8
#include "dense_qn.inc"
#undef NNC_T
#undef NNC_ACC
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
#undef NNC_BLK_REQUANT_RQ
#undef NNC_DOT
#undef NNC_DOT4
#undef NNC_DOT8
#undef NNC_FN
