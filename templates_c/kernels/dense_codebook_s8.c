/* nncodegen kernels: fully connected layer with shared weights (codebook), s8.  Body in dense_codebook_qn.inc. */
#include "dense_codebook_s8.h"
#include "nnc_affine.h"
#include "nnc_compress.h"

#define NNC_T int8_t
#define NNC_RQ nnc_requant_s8
#define NNC_XOFF(rq) ((rq)->input_offset)
#define NNC_REQUANT(acc, rq, c) nnc_requant_s8_apply(acc, rq, c)

#define NNC_ACC int32_t
#define NNC_FN(name) name##_s8
#include "dense_codebook_qn.inc"
#undef NNC_ACC
#undef NNC_FN

#undef NNC_T
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
