/* nncodegen kernels: constant pad written over its own input (pad_inplace.h; body in pad_inplace.inc). */
#include "pad_inplace.h"

#define NNC_PI_NAME pad_inplace_q7
#define NNC_PI_T int8_t
#define NNC_PI_VALUE(p) ((int8_t)(p)->value)
#include "pad_inplace.inc"

#define NNC_PI_NAME pad_inplace_q15
#define NNC_PI_T int16_t
#define NNC_PI_VALUE(p) ((int16_t)(p)->value)
#include "pad_inplace.inc"

#define NNC_PI_NAME pad_inplace_s8
#define NNC_PI_T int8_t
#define NNC_PI_VALUE(p) ((int8_t)(p)->value)
#include "pad_inplace.inc"

#define NNC_PI_NAME pad_inplace_f32
#define NNC_PI_T float
#define NNC_PI_VALUE(p) ((p)->value_f32)
#include "pad_inplace.inc"
