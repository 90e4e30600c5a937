/* nncodegen kernels: softmax, affine int8 (table-based). */
#ifndef SOFTMAX_S8_H
#define SOFTMAX_S8_H

#include "nnc_types.h"

/* Softmax over the last axis of [rows][cols] (see nnc_softmax_s8):
 *   e_j = exp_table[max - x_j], out_j = sat(round_half_up(e_j * multiplier / (sum e << den_shift)) + out_offset)
 * Legal: exp_table entries in [0, 2^24]; multiplier < 2^31; den_shift <= 40;
 * cols * 2^24 << den_shift < 2^62 (the compiler checks it). */
void softmax_s8(const nnc_softmax_s8 *p, const int8_t *input, int8_t *output);

/* Softmax as onnxruntime's QLinearSoftmax computes it (see nnc_softmax_ort_s8): float32 table,
 * sum and division done in integers (nnc_sf32.h). */
void softmax_ort_s8(const nnc_softmax_ort_s8 *p, const int8_t *input, int8_t *output);

/* Softmax as TFLite's reference int8 kernel computes it (see nnc_softmax_tfl_s8): gemmlowp fixed-point
 * exp, sum and reciprocal, bit for bit (TFLite Micro; LiteRT's reference kernels in either rounding
 * build, with that build's parameters); output scale 1/256, zero point -128.
 * Legal: 0 <= input_left_shift <= 31; cols <= 4095 (the compiler checks it). */
void softmax_tfl_s8(const nnc_softmax_tfl_s8 *p, const int8_t *input, int8_t *output);

/* Log-softmax as TFLite's reference int8 kernel computes it (see nnc_log_softmax_tfl_s8): the softmax's
 * gemmlowp fixed-point exp and sum, then TFLite's fixed-point log, bit for bit (TFLite Micro; LiteRT's
 * reference kernels in either rounding build, with that build's parameters); output scale 16/256, zero
 * point 127.
 * Legal: 0 <= input_left_shift <= 31; 0 <= reverse_scaling_right_shift <= 31; INT32_MIN < diff_min <= 0;
 * cols <= 4095 (the compiler checks it). */
void log_softmax_tfl_s8(const nnc_log_softmax_tfl_s8 *p, const int8_t *input, int8_t *output);

#endif /* SOFTMAX_S8_H */
