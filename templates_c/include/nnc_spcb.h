/* nncodegen: the bit-stream reader of the sparse + codebook kernels (*_sparse_codebook_*).
 * Layout (nncodegen/compress/sparse_codebook.py writes it; its docstring is the reference):
 *   codebook  [rows][1 << index_bits] values, value 0 included; row oc at codebook + oc * cb_stride
 *             (cb_stride 0: one codebook for the layer);
 *   count     per output channel (row) its number of entries, count_bits (1..24) bits each;
 *   entries   the rows' entries one after the other, each delta | index << delta_bits
 *             (delta_bits 1..8, index_bits 1..8): entry j of a row is the weight codebook[index] at
 *             position p_j = p_(j-1) + 1 + delta (p_(-1) = -1); filler entries (delta
 *             (1 << delta_bits) - 1, the index of 0) bridge longer runs of zeros.
 * Streams are packed LSB first (field j at bit j * bits; bit b in bit b % 8 of byte b / 8) and read
 * front to back.  nnc_spcb_get takes bytes one at a time, only as it needs them (the count stream);
 * nnc_spcb_get16 takes two at a time, so the entries stream ends with one byte of padding. */
#ifndef NNC_SPCB_H
#define NNC_SPCB_H

#include <stdint.h>

typedef struct {
    const uint8_t *p;   /* next byte to take */
    uint32_t buf;       /* bits taken, not yet returned (n of them, in the low bits) */
    int32_t n;
} nnc_spcb_rd;

/* Reading from bit `at` of the stream (0: its start; a row block's first field): the reads below take at most one
 * byte past the last byte that holds a field read (the entries stream's padding byte). */
static inline void nnc_spcb_start_at(nnc_spcb_rd *r, const uint8_t *stream, int32_t at)
{
    const int32_t sh = at & 7;
    r->p = stream + (at >> 3);
    r->buf = 0u;
    r->n = 0;
    if (sh != 0) {
        r->buf = (uint32_t)(*r->p++) >> sh;
        r->n = 8 - sh;
    }
}

/* The next field of `bits` bits (1..24). */
static inline uint32_t nnc_spcb_get(nnc_spcb_rd *r, int32_t bits)
{
    uint32_t v;
    while (r->n < bits) {
        r->buf |= (uint32_t)(*r->p++) << r->n;
        r->n += 8;
    }
    v = r->buf & ((1u << bits) - 1u);
    r->buf >>= bits;
    r->n -= bits;
    return v;
}

/* The next field of `bits` bits (1..16), two bytes taken at a time (the entries stream, padded). */
static inline uint32_t nnc_spcb_get16(nnc_spcb_rd *r, int32_t bits)
{
    uint32_t v;
    if (r->n < bits) {
        r->buf |= ((uint32_t)r->p[0] | ((uint32_t)r->p[1] << 8)) << r->n;
        r->p += 2;
        r->n += 16;
    }
    v = r->buf & ((1u << bits) - 1u);
    r->buf >>= bits;
    r->n -= bits;
    return v;
}

#endif /* NNC_SPCB_H */
