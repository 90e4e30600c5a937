#ifndef NNC_PRELU_F32_H
#define NNC_PRELU_F32_H

#include "nnc_types.h"

/* Float PReLU over [outer][channels] (only p->outer and p->channels are used):
 * out[o][c] = x < 0 ? x * slope[c] : x.  Legal: outer, channels >= 1; output may alias input. */
void prelu_f32(const nnc_prelu *p, const float *input, const float *slope, float *output);

#endif /* NNC_PRELU_F32_H */
