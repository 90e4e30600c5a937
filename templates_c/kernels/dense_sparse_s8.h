/* nncodegen kernels: sparse fully connected layer, affine int8 (TFLite / ONNX QDQ arithmetic, symmetric weights).  Body in dense_sparse_qn.inc.
 * Layouts: input [batch][in_features], output [batch][out_features]; weights: the sliced sparse layout
 * of nnc_compress.h, 16 rows per slice, 128 columns per block,
 * 4 entries of a row per step.  No scratch.
 * wsum: each row's weight sum modulo 2^32 (storage.sliced_wsum; read by the 8-bit AVX-512 path).
 * Result: the dense kernel's with the decoded weights, bit for bit. */
#ifndef DENSE_SPARSE_S8_H
#define DENSE_SPARSE_S8_H

#include "nnc_types.h"

/* dense_sparse_s8: int32 accumulator (TFLite's): the compiler proved |bias| + sum |x + off| * |w| < 2^31. */
void dense_sparse_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const uint8_t *steps,
    const uint8_t *count, const uint8_t *index, const int8_t *values, const int32_t *wsum,
    const int32_t *bias, int8_t *output);

#endif /* DENSE_SPARSE_S8_H */
