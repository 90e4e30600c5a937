/* nncodegen kernels: pooling, q7.  Body in pool_qn.inc. */
#include "pool_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_T_MIN INT8_MIN
#define NNC_FN(name) name##_q7
#include "pool_qn.inc"
#undef NNC_T
#undef NNC_T_MIN
#undef NNC_FN

/* maxpool_inplace_q7: maxpool_q7 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME maxpool_inplace_q7
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const int8_t *input
#define NNC_IP_CALL(s, x, y) maxpool_q7(s, x, y)
#include "inplace_rows.inc"
