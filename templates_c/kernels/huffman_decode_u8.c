/* nncodegen kernels: Huffman-coded field stream decoding (see huffman_decode_u8.h; twin
 * nncodegen/ref/kernels_huff.py). */
#include "huffman_decode_u8.h"

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

/* Refill: at least 16 bits in the (left-justified) buffer; bytes past the end read as 0. */
#define NNC_HUFF_FILL()                                        \
    while (nb <= 24) {                                         \
        if (p < end)                                           \
            buf |= (uint32_t)(*p++) << (24 - nb);              \
        nb += 8;                                               \
    }

/* The next symbol of code h (its lut and symbols also in locals: `out` may alias the structs) into `sym`. */
#define NNC_HUFF_NEXT(h, lut, symbols, sym)                    \
    NNC_HUFF_FILL()                                            \
    e = (uint32_t)(lut)[buf >> (32 - NNC_HUFF_LUT_BITS)];      \
    if (e != 0u) {                                             \
        len = (int32_t)(e >> 8);                               \
        sym = (uint32_t)(symbols)[e & 0xFFu];                  \
    } else {                                                   \
        sym = nnc_huff_long(&(h), buf, &len);                  \
    }                                                          \
    buf <<= len;                                               \
    nb -= len;

/* Field f (fbits bits) appended to the output, LSB first. */
#define NNC_HUFF_PUT(f)                                        \
    acc |= (f) << nacc;                                        \
    nacc += fbits;                                             \
    while (nacc >= 8) {                                        \
        out[w++] = (uint8_t)(acc & 0xFFu);                     \
        acc >>= 8;                                             \
        nacc -= 8;                                             \
    }

/* Decodes n fields from bit `bit` of the coded stream into out (LSB first), then zeros up to `zero_to` bytes
 * (n cut to the fields out_bytes holds). */
static void nnc_huff_run(const uint16_t *table, const uint8_t *coded, int32_t coded_bytes, uint32_t bit, int32_t n,
    int32_t bits0, int32_t bits1, int32_t out_bytes, int32_t zero_to, int32_t build, uint16_t *scratch, uint8_t *out)
{
    nnc_huff_code h0, h1;
    const uint8_t *p, *const end = coded + coded_bytes;
    uint32_t buf = 0u;   /* the next nb bits of the coded stream, left-justified */
    uint32_t acc = 0u;   /* nacc < 8 bits waiting, plus one field (<= 24 bits): fits */
    int32_t nb = 0, nacc = 0, w = 0, i, len;
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
    p = (bit >> 3) < (uint32_t)coded_bytes ? coded + (bit >> 3) : end;
    if ((bit & 7u) != 0u && p < end) {  /* start inside a byte: its remaining bits first */
        buf = (uint32_t)(*p++) << (24u + (bit & 7u));
        nb = 8 - (int32_t)(bit & 7u);
    }
    if (fbits > 0 && (int64_t)n * fbits > (int64_t)out_bytes * 8)
        n = (int32_t)(((int64_t)out_bytes * 8) / fbits);  /* the fields out_bytes holds (the encoder's n fits) */
    if (bits1 > 0) {
        for (i = 0; i < n; i++) {
            uint32_t f, e, s;
            NNC_HUFF_NEXT(h0, lut0, sym0, s)
            f = s & mask0;
            NNC_HUFF_NEXT(h1, lut1, sym1, s)
            f |= (s & mask1) << bits0;
            NNC_HUFF_PUT(f)
        }
    } else {
        for (i = 0; i < n; i++) {
            uint32_t e, s;
            NNC_HUFF_NEXT(h0, lut0, sym0, s)
            NNC_HUFF_PUT(s & mask0)
        }
    }
    if (nacc > 0 && w < out_bytes)
        out[w++] = (uint8_t)(acc & 0xFFu);
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
