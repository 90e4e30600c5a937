#include "input_lut_u8_f32.h"

void input_lut_u8_f32(const nnc_input_lut_u8_f32 *p, const uint8_t *input, float *output)
{
    int32_t i, c;
    for (i = 0; i < p->pixels; i++) {
        for (c = 0; c < p->channels; c++) {
            output[i * p->channels + c] = p->table[c * 256 + input[i * p->channels + c]];
        }
    }
}
