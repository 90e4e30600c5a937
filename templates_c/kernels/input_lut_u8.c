#include "input_lut_u8.h"

void input_lut_u8_s8(const nnc_input_lut_u8_s8 *p, const uint8_t *input, int8_t *output)
{
    int32_t i, c;
    for (i = 0; i < p->pixels; i++) {
        for (c = 0; c < p->channels; c++) {
            output[i * p->channels + c] = p->table[c * 256 + input[i * p->channels + c]];
        }
    }
}

void input_lut_u8_s16(const nnc_input_lut_u8_s16 *p, const uint8_t *input, int16_t *output)
{
    int32_t i, c;
    for (i = 0; i < p->pixels; i++) {
        for (c = 0; c < p->channels; c++) {
            output[i * p->channels + c] = p->table[c * 256 + input[i * p->channels + c]];
        }
    }
}
