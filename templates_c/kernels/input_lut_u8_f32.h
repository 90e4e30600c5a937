/* input_lut_u8_f32: a uint8 camera frame into a float model's input, by table.
 *
 * Layout: input and output [pixels][channels] (NHWC, batch 1).  table[c * 256 + q] is the float32 value
 * of (q / 255 - mean[c]) / std[c] (computed in double by the code generator, rounded once).
 * Twin: nncodegen/ref/kernels_camera.py. */
#ifndef NNC_INPUT_LUT_U8_F32_H
#define NNC_INPUT_LUT_U8_F32_H

#include "nnc_types.h"

typedef struct {
    int32_t pixels;          /* H * W */
    int32_t channels;        /* C */
    const float *table;      /* [channels][256] */
} nnc_input_lut_u8_f32;

void input_lut_u8_f32(const nnc_input_lut_u8_f32 *p, const uint8_t *input, float *output);

#endif
