/* nncodegen kernels: element-wise add / sub / mul, q7.  Body in eltwise_qn.inc. */
#include "eltwise_q7.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#if defined(__AVX512BW__) && defined(__AVX512VL__) && !defined(NNC_NO_SIMD)
/* add / sub rows in 32 int16 lanes where every intermediate fits int16 (eltwise_qn.inc); a row of n values at y
 * is the row at x itself or overlaps none of it */
#define NNC_ELT_I16_512 1
#define NNC_ELT_APART(y, x, n)                                                                                  \
    ((uintptr_t)(y) == (uintptr_t)(x) || (uintptr_t)((y) + (n)) <= (uintptr_t)(x) ||                            \
     (uintptr_t)((x) + (n)) <= (uintptr_t)(y))
#endif
#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "eltwise_qn.inc"
#undef NNC_T
#undef NNC_FN
#undef NNC_ELT_I16_512
#undef NNC_ELT_APART
