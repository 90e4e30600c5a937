/* nncodegen kernels: packing Q-format maps into {-1, +1} bits and back. */
#ifndef BPACK_H
#define BPACK_H

#include <stdint.h>
#include "nnc_types.h"

/* input [outer][channels], output [outer][ceil(channels/32)] words: bit = x < 0
 * (x >= 0 -> +1, the QONNX / Brevitas sign), unused high bits 0. */
void bpack_q7(const nnc_bpack *p, const int8_t *input, uint32_t *output);
void bpack_q15(const nnc_bpack *p, const int16_t *input, uint32_t *output);

/* input [outer][ceil(channels/32)] words, output [outer][channels] = bit ? p->neg : p->pos. */
void bunpack_q7(const nnc_bpack *p, const uint32_t *input, int8_t *output);
void bunpack_q15(const nnc_bpack *p, const uint32_t *input, int16_t *output);

#endif /* BPACK_H */
