/* nncodegen kernels: sparse 2-D convolution (incl. depthwise, pointwise, grouped), float32.
 * Layouts: input [batch][in_h][in_w][in_c], output [batch][out_h][out_w][out_c]; weights: the sparse
 * layout of nnc_compress.h over rows [k_h][k_w][in_c / groups] (row_start has out_c + 1 entries).
 * Output channels oc < seq_channels sum in the seq order, the others in the lanes order over the
 * receptive field (compress_f32.inc); bias is added after the sum, then the activation.  The compiler
 * sets seq_channels so that the order is conv2d_f32's for its 1x1, small-K, depthwise and patch paths
 * (the result is then conv2d_f32's, bit for bit, for finite inputs); conv2d_f32's generic path (one
 * group with k_h * k_w * in_c > 128, or grouped but not depthwise) sums per kernel row instead, and
 * there the two differ by float rounding only.
 * scratch: conv2d_sparse_scratch_size_f32(g) bytes (NULL when 0), not overlapping the rest. */
#ifndef CONV2D_SPARSE_F32_H
#define CONV2D_SPARSE_F32_H

#include "nnc_types.h"

void conv2d_sparse_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const int32_t *row_start,
                       const float *values, const uint8_t *delta, const float *bias, int32_t seq_channels,
                       float *scratch, float *output);
int32_t conv2d_sparse_scratch_size_f32(const nnc_conv_geom *g);

#endif /* CONV2D_SPARSE_F32_H */
