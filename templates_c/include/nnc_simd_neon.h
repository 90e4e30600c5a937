/* nncodegen runtime: the NEON path of the dot products.
 * Included by nnc_simd.h, which documents the contracts and selects the path. */
#ifndef NNC_SIMD_NEON_H
#define NNC_SIMD_NEON_H

#if defined(NNC_SIMD_NEON)
/* ------------------------------------------------------------ NEON */
static inline int64_t nnc_neon_sum_s64x2(int64x2_t v)
{
    return vgetq_lane_s64(v, 0) + vgetq_lane_s64(v, 1);
}

/* int32 lanes, summed modulo 2^32 (the _i32 contract) */
static inline int32_t nnc_neon_sum_s32x4(int32x4_t v)
{
    return (int32_t)((uint32_t)vgetq_lane_s32(v, 0) + (uint32_t)vgetq_lane_s32(v, 1) +
                     (uint32_t)vgetq_lane_s32(v, 2) + (uint32_t)vgetq_lane_s32(v, 3));
}

/* q7 products summed pairwise into int32 lanes; at most `n` <= 4096 elements per call */
static inline int32x4_t nnc_neon_q7_block(const int8_t *x, const int8_t *w, int32_t n, int32_t *done)
{
    int32x4_t acc = vdupq_n_s32(0);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const int8x16_t a = vld1q_s8(x + i);
        const int8x16_t b = vld1q_s8(w + i);
        acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
        acc = vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
    }
    for (; i + 8 <= n; i += 8) {
        acc = vpadalq_s16(acc, vmull_s8(vld1_s8(x + i), vld1_s8(w + i)));
    }
    *done = i;
    return acc;
}

static inline int32_t nnc_dot_q7_i32(const int8_t *x, const int8_t *w, int32_t n)
{
    int32_t done = 0, acc = 0, i;
    while (n - done >= 8) {
        int32_t chunk = n - done > 4096 ? 4096 : n - done, got;
        acc = (int32_t)((uint32_t)acc + (uint32_t)nnc_neon_sum_s32x4(nnc_neon_q7_block(x + done, w + done, chunk, &got)));
        done += got;
    }
    for (i = done; i < n; ++i) {
        acc = (int32_t)((uint32_t)acc + (uint32_t)((int32_t)x[i] * w[i]));
    }
    return acc;
}

static inline int64_t nnc_dot_q7_i64(const int8_t *x, const int8_t *w, int32_t n)
{
    int64_t acc = 0;
    int32_t done = 0, i;
    while (n - done >= 8) {
        int32_t chunk = n - done > 4096 ? 4096 : n - done, got;
        acc += nnc_neon_sum_s64x2(vpaddlq_s32(nnc_neon_q7_block(x + done, w + done, chunk, &got)));
        done += got;
    }
    for (i = done; i < n; ++i) {
        acc += (int32_t)x[i] * w[i];
    }
    return acc;
}

static inline int32_t nnc_dot_q15_i32(const int16_t *x, const int16_t *w, int32_t n)
{
    int32x4_t acc = vdupq_n_s32(0);
    int32_t i = 0, sum;
    for (; i + 8 <= n; i += 8) {
        acc = vmlal_s16(acc, vld1_s16(x + i), vld1_s16(w + i));
        acc = vmlal_s16(acc, vld1_s16(x + i + 4), vld1_s16(w + i + 4));
    }
    for (; i + 4 <= n; i += 4) {
        acc = vmlal_s16(acc, vld1_s16(x + i), vld1_s16(w + i));
    }
    sum = nnc_neon_sum_s32x4(acc);
    for (; i < n; ++i) {
        sum = (int32_t)((uint32_t)sum + (uint32_t)((int32_t)x[i] * w[i]));
    }
    return sum;
}

static inline int64_t nnc_dot_q15_i64(const int16_t *x, const int16_t *w, int32_t n)
{
    int64x2_t acc = vdupq_n_s64(0);
    int64_t sum;
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        acc = vpadalq_s32(acc, vmull_s16(vld1_s16(x + i), vld1_s16(w + i)));
        acc = vpadalq_s32(acc, vmull_s16(vld1_s16(x + i + 4), vld1_s16(w + i + 4)));
    }
    for (; i + 4 <= n; i += 4) {
        acc = vpadalq_s32(acc, vmull_s16(vld1_s16(x + i), vld1_s16(w + i)));
    }
    sum = nnc_neon_sum_s64x2(acc);
    for (; i < n; ++i) {
        sum += (int32_t)x[i] * w[i];
    }
    return sum;
}
#endif

#endif /* NNC_SIMD_NEON_H */
