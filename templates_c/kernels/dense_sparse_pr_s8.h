/* nncodegen kernels: sparse fully connected layer, affine int8 (TFLite / ONNX QDQ arithmetic, symmetric weights),
 * pair-run layout (nncodegen/compress/sparse_pr_s8.py), the ARM DSP targets' layout.
 * Layouts: input [batch][in_features], output [batch][out_features]; weights: per output row o, per block c of 256
 * columns, count[2 (o nb + c)] pair steps then count[2 (o nb + c) + 1] single steps, stored one after the other in
 * index[] / values[]:
 *   pair step    index: p_a, p_b (uint8, positions in the block, p + 1 in the block too); values: w[p_a], w[p_b],
 *                w[p_a + 1], w[p_b + 1] (the pairs of adjacent nonzero columns)
 *   single step  index: four positions; values: their four weights
 * padding entries are zeros at position 0.  wsum: each row's weight sum modulo 2^32 (storage.sliced_wsum).
 * output[b][o] = requant(bias[o] + sum over row o's entries (x[b][col] + off) * w): dense_s8's value, bit for bit
 * (every product is exact and integer addition exact in any order: the int32 accumulator is used only where the
 * compiler proved |bias| + sum |x + off| * |w| < 2^31, dense_s8's bound, which bounds every partial sum; the DSP
 * path adds off * wsum[o] first and x * w after it, modulo 2^32, which gives the same total).
 * scratch: dense_sparse_pr_scratch_size_s8(g) bytes, int32-aligned (the DSP path's table of input pairs; unused by
 * the portable loop), not overlapping the rest. */
#ifndef DENSE_SPARSE_PR_S8_H
#define DENSE_SPARSE_PR_S8_H

#include "nnc_types.h"

int32_t dense_sparse_pr_scratch_size_s8(const nnc_dense_geom *g);

void dense_sparse_pr_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const uint8_t *count,
                        const uint8_t *index, const int8_t *values, const int32_t *wsum, const int32_t *bias,
                        int32_t *scratch, int8_t *output);

#endif /* DENSE_SPARSE_PR_S8_H */
