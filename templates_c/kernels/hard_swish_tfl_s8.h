/* nncodegen kernels: TFLite's int8 HARD_SWISH (16-bit fixed point), affine int8. */
#ifndef HARD_SWISH_TFL_S8_H
#define HARD_SWISH_TFL_S8_H

#include "nnc_types.h"

/* x * relu6(x + 3) / 6 as TFLite's reference int8 kernel computes it (formula in nnc_types.h,
 * nnc_hard_swish_tfl_s8), bit for bit with TFLite Micro and LiteRT's reference kernels.
 * Legal: as nnc_hard_swish_tfl_s8 states; [out_min, out_max] inside int8.  input and output may be the
 * same array. */
void hard_swish_tfl_s8(const nnc_hard_swish_tfl_s8 *p, const int8_t *input, int8_t *output);

#endif /* HARD_SWISH_TFL_S8_H */
