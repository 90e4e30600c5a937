/* nncodegen kernels: TFLite's int8 LOGISTIC and TANH (gemmlowp fixed point), affine int8. */
#ifndef ACT_TFL_S8_H
#define ACT_TFL_S8_H

#include "nnc_types.h"

/* Logistic as TFLite's reference int8 kernel computes it (see nnc_act_tfl_s8): gemmlowp's fixed-point
 * logistic on Q4.27, bit for bit with TFLite Micro; output scale 1/256, zero point -128.
 * Legal: -128 <= input_zero_point <= 127; 0 <= input_left_shift <= 31;
 * 0 <= input_range_radius <= 15 * 2^27 >> input_left_shift (the compiler checks it).  input and output may be the same array. */
void logistic_tfl_s8(const nnc_act_tfl_s8 *p, const int8_t *input, int8_t *output);

/* Tanh as TFLite's reference int8 kernel computes it (see nnc_act_tfl_s8): gemmlowp's fixed-point
 * tanh on Q4.27, bit for bit with TFLite Micro; output scale 1/128, zero point 0.
 * Legal: as logistic_tfl_s8.  input and output may be the same array. */
void tanh_tfl_s8(const nnc_act_tfl_s8 *p, const int8_t *input, int8_t *output);

#endif /* ACT_TFL_S8_H */
