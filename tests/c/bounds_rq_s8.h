/* The requantization the bounds drivers (dwrow_bounds.c, ptr_bounds.c) give conv2d_s8: the multipliers and
 * shifts of mul / sh (one per output channel), a random input offset, output offset 0, the int8 range, TFLite's
 * rounding.  Included after conv2d_s8.c (nnc_requant_s8). */
#ifndef BOUNDS_RQ_S8_H
#define BOUNDS_RQ_S8_H

static nnc_requant_s8 bounds_rq_s8(const int32_t *mul, const int32_t *sh)
{
    nnc_requant_s8 rq;
    rq.multiplier = mul;
    rq.shift = sh;
    rq.input_offset = rand() % 256 - 128;
    rq.output_offset = 0;
    rq.out_min = -128;
    rq.out_max = 127;
    rq.rounding = 0;
    return rq;
}

#endif /* BOUNDS_RQ_S8_H */
