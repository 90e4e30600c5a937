/* nncodegen kernels: Huffman-coded field stream -> the bytes of the uncoded stream (--compress huffman: the
 * sparse + codebook layers' count / entries streams, decoded into arena scratch just before the layer runs).
 * Format (nncodegen/compress/huffman_store.py writes it; its docstring is the reference):
 *   table  uint16: per part (part 0, then part 1 when bits1 > 0) NNC_HUFF_MAX_LEN counts of codes of length
 *          1..16, then the part's symbols in canonical order (by code length, then value);
 *   coded  the fields' codes, field j = part 0's code then part 1's, each most significant bit first; bit b of
 *          the stream is bit b % 8 of byte b / 8.
 * Output: n fields part0 | part1 << bits0 (bits0 1..16, bits1 0..16, bits0 + bits1 <= 24) packed LSB first
 * into out_bytes bytes, the bytes after the last field 0.  Canonical decoding a bit at a time against the
 * length counts (deflate's puff): at most 16 steps a symbol; a bit pattern that is no code gives symbol 0.
 * No scratch. */
#ifndef HUFFMAN_DECODE_U8_H
#define HUFFMAN_DECODE_U8_H

#include <stdint.h>

#define NNC_HUFF_MAX_LEN 16

void huffman_decode_u8(const uint16_t *table, const uint8_t *coded, int32_t n, int32_t bits0, int32_t bits1,
    int32_t out_bytes, uint8_t *out);

#endif /* HUFFMAN_DECODE_U8_H */
