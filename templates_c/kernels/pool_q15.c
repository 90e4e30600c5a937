/* nncodegen kernels: pooling, q15.  Body in pool_qn.inc. */
#include "pool_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_T_MIN INT16_MIN
#define NNC_FN(name) name##_q15
#include "pool_qn.inc"
#undef NNC_T
#undef NNC_T_MIN
#undef NNC_FN

/* maxpool_inplace_q15: maxpool_q15 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME maxpool_inplace_q15
#define NNC_IP_T int16_t
#define NNC_IP_PARAMS const int16_t *input
#define NNC_IP_CALL(s, x, y) maxpool_q15(s, x, y)
#include "inplace_rows.inc"
