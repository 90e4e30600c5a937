/* nncodegen kernels: sparse fully connected layer, float32, class-sliced layout (nncodegen/compress/sparse_f32.py).
 * Layouts: input [batch][in_features], output [batch][out_features]; weights: slices of 16 lanes, lane r of slice s
 * computing output rows[16 s + r]; per slice the groups (class c of a block of 256 positions below split:
 * positions 256 b + 8 i + c; then tail blocks of 32 positions from split: split + 32 b + i), steps[slice][group]
 * steps of 16 entries each, entry (t, r) = lane r's t-th nonzero in the group; a block's steps stored round by
 * round (t), class by class (those with a step t): values[] (float, 0.0f for padding), index[] (uint8, i; 0x80 =
 * padding after the lane's last one); both end with one spare step of zeros (see sparse_f32.py).
 * output[b][o] = act(S + bias[o]), S = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) with s[c] the products of
 * the positions p < split, p % 8 = c, added in position order from 0.0f, then the positions split .. k - 1 added
 * one by one: the order of dense_f32 (split = k - k % 8) and of dense_pk_f32 (split = 0), so the result is that
 * kernel's, bit for bit, for finite inputs (a skipped product is +-0, which changes no partial sum).
 * split: a multiple of 8 in 0 .. in_features.
 * scratch: dense_sparse_sl_scratch_size_f32(g, split) bytes (the inputs below split regrouped by class for the
 * AVX-512 path; unused by the portable loop), not overlapping the rest. */
#ifndef DENSE_SPARSE_SL_F32_H
#define DENSE_SPARSE_SL_F32_H

#include "nnc_types.h"

int32_t dense_sparse_sl_scratch_size_f32(const nnc_dense_geom *g, int32_t split);

void dense_sparse_sl_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const uint8_t *steps,
                         const uint8_t *index, const float *values, const int32_t *rows, const float *bias,
                         int32_t split, float *scratch, float *output);

#endif /* DENSE_SPARSE_SL_F32_H */
