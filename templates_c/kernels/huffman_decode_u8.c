/* nncodegen kernels: Huffman-coded field stream decoding (see huffman_decode_u8.h; twin
 * nncodegen/ref/kernels_huff.py). */
#include "huffman_decode_u8.h"

typedef struct {
    const uint16_t *count;   /* codes of length 1..NNC_HUFF_MAX_LEN */
    const uint16_t *symbol;  /* canonical order */
} nnc_huff_code;

/* One symbol: the code read a bit at a time, most significant first; `first` is the first code of the
 * current length, `index` the number of symbols of shorter codes. */
static uint32_t nnc_huff_symbol(const nnc_huff_code *h, const uint8_t *coded, uint32_t *pos)
{
    int32_t code = 0, first = 0, index = 0, len;
    uint32_t p = *pos;
    for (len = 0; len < NNC_HUFF_MAX_LEN; len++) {
        int32_t c = (int32_t)h->count[len];
        code |= (int32_t)((coded[p >> 3] >> (p & 7u)) & 1u);
        p++;
        if (code - first < c) {
            *pos = p;
            return (uint32_t)h->symbol[index + code - first];
        }
        index += c;
        first = (first + c) << 1;
        code <<= 1;
    }
    *pos = p;
    return 0u;  /* no code (the encoder never writes one) */
}

static const uint16_t *nnc_huff_part(nnc_huff_code *h, const uint16_t *table)
{
    int32_t len, nsym = 0;
    h->count = table;
    for (len = 0; len < NNC_HUFF_MAX_LEN; len++)
        nsym += (int32_t)table[len];
    h->symbol = table + NNC_HUFF_MAX_LEN;
    return h->symbol + nsym;
}

void huffman_decode_u8(const uint16_t *table, const uint8_t *coded, int32_t n, int32_t bits0, int32_t bits1,
    int32_t out_bytes, uint8_t *out)
{
    nnc_huff_code h0, h1;
    uint32_t pos = 0u, acc = 0u;   /* acc: nacc < 8 bits waiting, plus one field (<= 24 bits): fits */
    int32_t nacc = 0, w = 0, i;
    const int32_t fbits = bits0 + bits1;
    const uint32_t mask0 = (1u << bits0) - 1u, mask1 = (1u << bits1) - 1u;  /* symbols kept to their widths */
    const uint16_t *rest = nnc_huff_part(&h0, table);
    if (bits1 > 0)
        (void)nnc_huff_part(&h1, rest);
    else
        h1 = h0;
    for (i = 0; i < n; i++) {
        uint32_t f = nnc_huff_symbol(&h0, coded, &pos) & mask0;
        if (bits1 > 0)
            f |= (nnc_huff_symbol(&h1, coded, &pos) & mask1) << bits0;
        acc |= f << nacc;
        nacc += fbits;
        while (nacc >= 8) {
            if (w < out_bytes)
                out[w] = (uint8_t)(acc & 0xFFu);
            w++;
            acc >>= 8;
            nacc -= 8;
        }
    }
    if (nacc > 0 && w < out_bytes)
        out[w++] = (uint8_t)(acc & 0xFFu);
    for (; w < out_bytes; w++)
        out[w] = 0u;
}
