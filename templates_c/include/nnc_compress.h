/* nncodegen: helpers of the compressed-weight kernels (*_sparse_*, *_codebook_*, *_hashed_*).
 * Layouts (nncodegen/compress/storage.py writes them; its docstring is the reference):
 *   sparse    per output channel o, entries row_start[o] .. row_start[o + 1] - 1 of values[] and
 *             delta[] (uint8): entry j sits at index p = p_prev + delta[j] of the row (p_prev = 0
 *             before the row's first entry); gaps above 255 take filler entries of value 0.
 *             (Convolutions in every format, float fully connected layers.)
 *   sliced    integer fully connected layers (dense_sparse_q7 / _q15 / _s8): rows in slices of R = 16,
 *             columns in blocks of C (128 for 8-bit weights, 64 for 16-bit); per slice and block
 *             steps[] steps of E * nr entries (E = 4 or 2, nr rows in the slice), entry (t, r, e) =
 *             row r's entry E t + e at offset t * E nr + E r + e: index[] (uint8, the column in the
 *             block) and values[]; count[] = each row's entries in the block; padding (index 0,
 *             value 0) fills the rows with fewer entries.  A last slice of nr < R rows has steps 0
 *             and stores each row's entries of a block one after the other, without padding.
 *             wsum[] = each row's weight sum modulo 2^32 (nncodegen/compress/storage.py).
 *   class-sliced  float fully connected layers on the generic and x86 targets (dense_sparse_sl_f32):
 *             nncodegen/compress/sparse_f32.py.
 *   codebook  index of weight i (flattened [out][...]) = nnc_unpack_index(index, i * bits, bits),
 *             LSB first; the weight is codebook[o * cb_stride + index] (cb_stride 0: one codebook).
 *   hashed    w[o][i] = s * buckets[nnc_hash32(seed, k) % n_buckets], k = o * in_features + i,
 *             s = -1 when sign and nnc_hash32(seed ^ NNC_HASH_SIGN_XOR, k) is odd, else +1. */
#ifndef NNC_COMPRESS_H
#define NNC_COMPRESS_H

#include <stdint.h>

#define NNC_HASH_SIGN_XOR 0x5BD1E995u

/* xxhash32-style finalizer of seed + k * PRIME32_1, all arithmetic modulo 2^32
 * (twin: nncodegen.compress.storage.nnc_hash32). */
static inline uint32_t nnc_hash32(uint32_t seed, uint32_t k)
{
    uint32_t h = seed + k * 0x9E3779B1u;
    h ^= h >> 15;
    h *= 0x85EBCA77u;
    h ^= h >> 13;
    h *= 0xC2B2AE3Du;
    h ^= h >> 16;
    return h;
}

/* The bits-bit index at bit position pos of a packed array (one byte of padding at its end). */
static inline int32_t nnc_unpack_index(const uint8_t *packed, uint32_t pos, int32_t bits)
{
    const uint32_t b = pos >> 3;
    const uint32_t v = (uint32_t)packed[b] | ((uint32_t)packed[b + 1] << 8);
    return (int32_t)((v >> (pos & 7u)) & ((1u << bits) - 1u));
}

#endif /* NNC_COMPRESS_H */
