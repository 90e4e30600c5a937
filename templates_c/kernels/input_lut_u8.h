/* input_lut_u8: a uint8 camera frame into the model's integer input format, by table.
 *
 * Layout: input and output [pixels][channels] (NHWC, batch 1).  table[c * 256 + q] is the model's input
 * value for pixel value q of channel c: the input format's quantization of (q / 255 - mean[c]) / std[c],
 * computed by the code generator (lower/lower_camera.py).  _s8 serves Q7 and affine int8 inputs, _s16
 * Q15 and affine int16 inputs.  Twin: nncodegen/ref/kernels_camera.py. */
#ifndef NNC_INPUT_LUT_U8_H
#define NNC_INPUT_LUT_U8_H

#include "nnc_types.h"

typedef struct {
    int32_t pixels;          /* H * W */
    int32_t channels;        /* C: 1 (gray) or 3 (RGB)... */
    const int8_t *table;     /* [channels][256] */
} nnc_input_lut_u8_s8;

typedef struct {
    int32_t pixels;
    int32_t channels;
    const int16_t *table;    /* [channels][256] */
} nnc_input_lut_u8_s16;

void input_lut_u8_s8(const nnc_input_lut_u8_s8 *p, const uint8_t *input, int8_t *output);
void input_lut_u8_s16(const nnc_input_lut_u8_s16 *p, const uint8_t *input, int16_t *output);

#endif
