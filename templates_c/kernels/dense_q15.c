/* nncodegen kernels: fully connected layer, q15.  Body in dense_qn.inc. */
#include "dense_q15.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#define NNC_T int16_t
#define NNC_RQ nnc_requant
#define NNC_XOFF(rq) 0
#define NNC_REQUANT(acc, rq, c) nnc_requantize(acc, rq, c)

#define NNC_ACC int64_t
#define NNC_DOT(x, w, n, off) nnc_dot_q15_i64(x, w, n)
#define NNC_DOT4(x, w, ws, n, off, out) nnc_dot4_q15_i64(x, w, ws, n, out)
#define NNC_FN(name) name##_q15
#include "dense_qn.inc"
#undef NNC_ACC
#undef NNC_DOT
#undef NNC_DOT4
#undef NNC_FN

#define NNC_ACC int32_t
#define NNC_DOT(x, w, n, off) nnc_dot_q15_i32(x, w, n)
#define NNC_DOT4(x, w, ws, n, off, out) nnc_dot4_q15_i32(x, w, ws, n, out)
#define NNC_DOT8(x, w, ws, n, off) nnc_dot8_q15_i32(x, w, ws, n)
#define NNC_FN(name) name##_q15_acc32
#include "dense_qn.inc"
#undef NNC_ACC
#undef NNC_DOT
#undef NNC_DOT4
#undef NNC_DOT8
#undef NNC_FN

#undef NNC_T
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
