/* nncodegen kernels: Huffman-coded field stream decoding (see huffman_decode_u8.h; twin
 * nncodegen/ref/kernels_huff.py). */
#include "huffman_decode_u8.h"

#include <string.h>

#define NNC_HUFF_LUT_SIZE (1 << NNC_HUFF_LUT_BITS)

/* One canonical code.  lut[b]: len << 8 | the canonical index of the code of len <= NNC_HUFF_LUT_BITS bits that
 * the 8 bits b start with, 0 when none does.  For longer lengths L: limit[L] = the left-justified (16-bit) end
 * of the codes of length <= L, so the next 16 bits c start a code of length L for the first L with
 * c < limit[L]; its symbol is symbol[(c >> (16 - L)) + delta[L]] (delta: symbols of shorter codes minus the
 * first code of length L). */
typedef struct {
    uint32_t limit[NNC_HUFF_MAX_LEN + 1];
    int32_t delta[NNC_HUFF_MAX_LEN + 1];
    const uint16_t *symbol;
    uint16_t *lut;
} nnc_huff_code;

int32_t huffman_decode_scratch_size_u8(int32_t bits1)
{
    return (bits1 > 0 ? 2 : 1) * NNC_HUFF_LUT_SIZE * (int32_t)sizeof(uint16_t);
}

/* The code of one part from its table, its lut in `lut` (built there when `build`, else left as an earlier
 * call built it for this part); returns the table's next part. */
static const uint16_t *nnc_huff_part(nnc_huff_code *h, const uint16_t *table, uint16_t *lut, int32_t build)
{
    uint32_t first = 0u, limit = 0u;
    int32_t len, index = 0, k;
    h->lut = lut;
    for (k = 0; build && k < NNC_HUFF_LUT_SIZE; k++)
        lut[k] = 0u;
    for (len = 1; len <= NNC_HUFF_MAX_LEN; len++) {
        uint32_t c = (uint32_t)table[len - 1], j;
        h->delta[len] = index - (int32_t)first;
        limit += c << (NNC_HUFF_MAX_LEN - len);
        h->limit[len] = limit;
        if (build && len <= NNC_HUFF_LUT_BITS) {
            const uint32_t span = 1u << (NNC_HUFF_LUT_BITS - len);
            for (j = 0u; j < c; j++) {  /* the 8-bit patterns that start code first + j */
                uint32_t lo = (first + j) << (NNC_HUFF_LUT_BITS - len), t;
                if (lo + span > (uint32_t)NNC_HUFF_LUT_SIZE || index + (int32_t)j > 255)
                    break;  /* not a prefix code (the encoder never writes one) */
                for (t = 0u; t < span; t++)
                    lut[lo + t] = (uint16_t)(((uint32_t)len << 8) | (uint32_t)(index + (int32_t)j));
            }
        }
        index += (int32_t)c;
        first = (first + c) << 1;
    }
    h->symbol = table + NNC_HUFF_MAX_LEN;
    return h->symbol + index;
}

/* The symbol of a code longer than NNC_HUFF_LUT_BITS that starts the left-justified bits `buf` (the lut had
 * no entry), and its length in *len. */
static uint32_t nnc_huff_long(const nnc_huff_code *h, uint32_t buf, int32_t *len)
{
    const uint32_t c = buf >> 16;
    int32_t l;
    for (l = NNC_HUFF_LUT_BITS + 1; l <= NNC_HUFF_MAX_LEN; l++) {
        if (c < h->limit[l]) {
            *len = l;
            return (uint32_t)h->symbol[(int32_t)(c >> (NNC_HUFF_MAX_LEN - l)) + h->delta[l]];
        }
    }
    *len = NNC_HUFF_MAX_LEN;  /* no code (the encoder never writes one) */
    return 0u;
}

/* The four bytes at q as a big-endian word.  gcc / clang on a little-endian core: one (unaligned) word load and
 * a byte swap (LDR + REV on ARMv7-M). */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static uint32_t nnc_huff_be32(const uint8_t *q)
{
    uint32_t v;
    memcpy(&v, q, sizeof v);
    return __builtin_bswap32(v);
}
#else
static uint32_t nnc_huff_be32(const uint8_t *q)
{
    return ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | (uint32_t)q[3];
}
#endif

/* Refill when fewer than 16 bits (the longest code) are left: a code is read from the left of the nb valid bits
 * of the left-justified buffer `buf`; q is the next byte not yet counted in it.  Inside the stream (q + 4 <= its
 * bytes): the four bytes from q OR-ed in below the valid bits, the whole ones counted (24..31 bits then; the
 * bits of bytes that do not fit whole, or are not counted, sit at their own places and are OR-ed in again by
 * the next refill: the same bits).  Near the end: byte by byte, bytes past the stream as 0. */
#define NNC_HUFF_FILL_IN()                                     \
    if (nb < NNC_HUFF_MAX_LEN) {                               \
        buf |= nnc_huff_be32(coded + q) >> nb;                 \
        q += (uint32_t)(31 - nb) >> 3;                         \
        nb |= 24;                                              \
    }
#define NNC_HUFF_FILL_END()                                    \
    for (; nb < NNC_HUFF_MAX_LEN; nb += 8, q++)                \
        buf |= (q < cb ? (uint32_t)coded[q] : 0u) << (24 - nb);

/* The symbol (into `sym`) of the code at the left of the buffer, FILL-ed first, of code h (its lut and symbols
 * also in locals: `out` may alias the structs); the code's bits leave the buffer. */
#define NNC_HUFF_DECODE(h, lut, symbols, FILL, sym)                                               \
    {                                                                                             \
        uint32_t e_;                                                                              \
        FILL()                                                                                    \
        e_ = (uint32_t)(lut)[buf >> (32 - NNC_HUFF_LUT_BITS)];                                    \
        if (e_ != 0u) {                                                                           \
            len = (int32_t)(e_ >> 8);                                                             \
            sym = (uint32_t)(symbols)[e_ & 0xFFu];                                                \
        } else {                                                                                  \
            sym = nnc_huff_long(&(h), buf, &len);                                                 \
        }                                                                                         \
        buf <<= len;                                                                              \
        nb -= len;                                                                                \
    }

/* Field f (fbits <= 16 bits) appended to the output, LSB first, 16 bits stored whenever they are complete
 * (nacc < 16 bits wait: with the field at most 31). */
#define NNC_HUFF_PUT16(f)                                      \
    acc |= (f) << nacc;                                        \
    nacc += fbits;                                             \
    if (nacc >= 16) {                                          \
        out[w] = (uint8_t)(acc & 0xFFu);                       \
        out[w + 1] = (uint8_t)((acc >> 8) & 0xFFu);            \
        w += 2;                                                \
        acc >>= 16;                                            \
        nacc -= 16;                                            \
    }

/* The same for any field (<= 24 bits), each byte stored when complete (nacc < 8 bits wait). */
#define NNC_HUFF_PUT8(f)                                       \
    acc |= (f) << nacc;                                        \
    nacc += fbits;                                             \
    while (nacc >= 8) {                                        \
        out[w++] = (uint8_t)(acc & 0xFFu);                     \
        acc >>= 8;                                             \
        nacc -= 8;                                             \
    }

/* One field of two parts: part 0's code, then part 1's, each after a FILL, stored by PUT. */
#define NNC_HUFF_FIELD2(FILL, PUT)                             \
    {                                                          \
        uint32_t f_, s_;                                       \
        NNC_HUFF_DECODE(h0, lut0, sym0, FILL, s_)              \
        f_ = s_ & mask0;                                       \
        NNC_HUFF_DECODE(h1, lut1, sym1, FILL, s_)              \
        f_ |= (s_ & mask1) << bits0;                           \
        PUT(f_)                                                \
    }

/* One field of one part. */
#define NNC_HUFF_FIELD1(FILL, PUT)                             \
    {                                                          \
        uint32_t s_;                                           \
        NNC_HUFF_DECODE(h0, lut0, sym0, FILL, s_)              \
        PUT(s_ & mask0)                                        \
    }

/* The fields i .. n - 1 (FIELD: NNC_HUFF_FIELD1 or 2, stored by PUT): refilled by word loads while a field's
 * bytes are inside the stream (two refills read at most q .. q + 6), then byte by byte. */
#define NNC_HUFF_FIELDS(FIELD, PUT)                            \
    for (; i < n && q + 7u <= cb; i++)                         \
        FIELD(NNC_HUFF_FILL_IN, PUT)                           \
    for (; i < n; i++)                                         \
        FIELD(NNC_HUFF_FILL_END, PUT)

/* Decodes n fields from bit `bit` of the coded stream into out (LSB first), then zeros up to `zero_to` bytes
 * (n cut to the fields out_bytes holds). */
static void nnc_huff_run(const uint16_t *table, const uint8_t *coded, int32_t coded_bytes, uint32_t bit, int32_t n,
    int32_t bits0, int32_t bits1, int32_t out_bytes, int32_t zero_to, int32_t build, uint16_t *scratch, uint8_t *out)
{
    nnc_huff_code h0, h1;
    const uint32_t cb = coded_bytes > 0 ? (uint32_t)coded_bytes : 0u;
    uint32_t q = bit >> 3;  /* the next byte of the stream to read into buf (below 2^29 + 3 n: no wrap) */
    uint32_t buf = 0u;      /* the next nb bits of the stream, left-justified (and below them some bits of byte q
                               and the next, as the stream has them) */
    int32_t nb = 0;
    uint32_t acc = 0u;      /* the nacc bits decoded and not yet stored (LSB first) */
    int32_t nacc = 0, w = 0, i = 0, len;
    const int32_t fbits = bits0 + bits1;
    const uint32_t mask0 = (1u << bits0) - 1u, mask1 = (1u << bits1) - 1u;  /* symbols kept to their widths */
    const uint16_t *rest = nnc_huff_part(&h0, table, scratch, build);
    const uint16_t *lut0, *lut1, *sym0, *sym1;
    if (bits1 > 0)
        (void)nnc_huff_part(&h1, rest, scratch + NNC_HUFF_LUT_SIZE, build);
    else
        h1 = h0;
    lut0 = h0.lut;
    sym0 = h0.symbol;
    lut1 = h1.lut;
    sym1 = h1.symbol;
    if (fbits > 0 && (int64_t)n * fbits > (int64_t)out_bytes * 8)
        n = (int32_t)(((int64_t)out_bytes * 8) / fbits);  /* the fields out_bytes holds (the encoder's n fits) */
    if ((bit & 7u) != 0u && q < cb) {  /* start inside a byte: its remaining bits first */
        buf = (uint32_t)coded[q++] << (24u + (bit & 7u));
        nb = 8 - (int32_t)(bit & 7u);
    }
    if (bits1 == 0) {
        NNC_HUFF_FIELDS(NNC_HUFF_FIELD1, NNC_HUFF_PUT16)
    } else if (fbits <= 16) {
        NNC_HUFF_FIELDS(NNC_HUFF_FIELD2, NNC_HUFF_PUT16)
    } else {
        NNC_HUFF_FIELDS(NNC_HUFF_FIELD2, NNC_HUFF_PUT8)
    }
    for (; nacc > 0 && w < out_bytes; nacc -= 8) {  /* the last bits: whole bytes, then a part byte */
        out[w++] = (uint8_t)(acc & 0xFFu);
        acc >>= 8;
    }
    if (zero_to > out_bytes)
        zero_to = out_bytes;
    for (; w < zero_to; w++)
        out[w] = 0u;
}

void huffman_decode_u8(const uint16_t *table, const uint8_t *coded, int32_t coded_bytes, int32_t n, int32_t bits0,
    int32_t bits1, int32_t out_bytes, uint16_t *scratch, uint8_t *out)
{
    nnc_huff_run(table, coded, coded_bytes, 0u, n, bits0, bits1, out_bytes, out_bytes, 1, scratch, out);
}

void huffman_decode_block_u8(const uint16_t *table, const uint8_t *coded, int32_t coded_bytes, const uint32_t *blocks,
    int32_t blk, int32_t bits0, int32_t bits1, int32_t out_bytes, int32_t tables, uint16_t *scratch, uint8_t *out)
{
    const uint32_t bit = blocks[2 * blk], first = blocks[2 * blk + 1], next = blocks[2 * blk + 3];
    const int32_t n = next > first ? (int32_t)(next - first) : 0;
    const int32_t used = (int32_t)(((int64_t)n * (bits0 + bits1) + 7) / 8);
    nnc_huff_run(table, coded, coded_bytes, bit, n, bits0, bits1, out_bytes, used + 1, tables != 0, scratch, out);
}
