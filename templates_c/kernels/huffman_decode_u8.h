/* nncodegen kernels: Huffman-coded field stream -> the bytes of the uncoded stream (--compress huffman: the
 * sparse + codebook layers' count / entries streams, decoded into arena scratch just before the layer runs).
 * Format (nncodegen/compress/huffman_store.py writes it; its docstring is the reference):
 *   table  uint16: per part (part 0, then part 1 when bits1 > 0) NNC_HUFF_MAX_LEN counts of codes of length
 *          1..16, then the part's symbols in canonical order (by code length, then value);
 *   coded  coded_bytes bytes: the fields' codes, field j = part 0's code then part 1's, as one bit string
 *          read most significant bit first (bit b of the stream is bit 7 - b % 8 of byte b / 8).
 * Output: n fields part0 | part1 << bits0 (bits0 1..16, bits1 0..16, bits0 + bits1 <= 24; symbols kept to
 * their widths) packed LSB first into out_bytes bytes, the bytes after the last field 0 (no more fields
 * than out_bytes holds).
 * Canonical decoding, table-driven: per part a table of 2^NNC_HUFF_LUT_BITS entries, built in `scratch` at
 * the start of the call from the length counts, gives the length and symbol of a code of at most
 * NNC_HUFF_LUT_BITS bits from the next 8 bits of the stream; a longer code is found by comparing the next 16
 * bits with each longer length's limit (the left-justified end of its codes), at most 8 compares.  Bits past
 * the end of `coded` read as 0; a pattern that is no code gives symbol 0 and takes 16 bits.
 * Scratch: huffman_decode_scratch_size_u8(bits1) bytes (512 a part).
 *
 * huffman_decode_block_u8: one block of the stream (the fields of a block of a layer's rows, decoded just
 * before the kernel runs those rows, so the buffer holds a block, not the layer): blocks[2 * blk] is the bit
 * of `coded` the block's first code starts at, blocks[2 * blk + 1] its first field, blocks[2 * blk + 3] the
 * next block's first field (the table ends with an entry past the last block).  Output: the block's fields
 * packed LSB first from bit 0 of out, then one byte 0 (the entries stream's padding), at most out_bytes
 * bytes.  The lookup tables are built in scratch when `tables` is nonzero; when it is 0 the scratch must hold
 * the tables a call with `tables` != 0 built for the same `table` and bits1 (and nothing wrote it since): the
 * layer's first block builds them, its later blocks reuse them. */
#ifndef HUFFMAN_DECODE_U8_H
#define HUFFMAN_DECODE_U8_H

#include <stdint.h>

#define NNC_HUFF_MAX_LEN 16
#define NNC_HUFF_LUT_BITS 8

int32_t huffman_decode_scratch_size_u8(int32_t bits1);

void huffman_decode_u8(const uint16_t *table, const uint8_t *coded, int32_t coded_bytes, int32_t n, int32_t bits0,
    int32_t bits1, int32_t out_bytes, uint16_t *scratch, uint8_t *out);

void huffman_decode_block_u8(const uint16_t *table, const uint8_t *coded, int32_t coded_bytes, const uint32_t *blocks,
    int32_t blk, int32_t bits0, int32_t bits1, int32_t out_bytes, int32_t tables, uint16_t *scratch, uint8_t *out);

#endif /* HUFFMAN_DECODE_U8_H */
