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

/* q7 products summed pairwise into int32 lanes; at most `n` <= 4096 elements per call.  With the
 * dot-product extension (ARMv8.2-A, __ARM_FEATURE_DOTPROD: Cortex-A55, A75, A76 ...) SDOT sums four
 * int8 products into each int32 lane, sixteen products per instruction; a lane then holds at most
 * 1024 products below 2^14, exact in int32 like the pairwise sums. */
static inline int32x4_t nnc_neon_q7_block(const int8_t *x, const int8_t *w, int32_t n, int32_t *done)
{
    int32x4_t acc = vdupq_n_s32(0);
    int32_t i = 0;
#if defined(__ARM_FEATURE_DOTPROD)
    int32x2_t acc2 = vdup_n_s32(0);
    for (; i + 16 <= n; i += 16) {
        acc = vdotq_s32(acc, vld1q_s8(x + i), vld1q_s8(w + i));
    }
    if (i + 8 <= n) {
        acc2 = vdot_s32(acc2, vld1_s8(x + i), vld1_s8(w + i));
        i += 8;
    }
    acc = vaddq_s32(acc, vcombine_s32(acc2, vdup_n_s32(0)));
#else
    for (; i + 16 <= n; i += 16) {
        const int8x16_t a = vld1q_s8(x + i);
        const int8x16_t b = vld1q_s8(w + i);
        acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
        acc = vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
    }
    for (; i + 8 <= n; i += 8) {
        acc = vpadalq_s16(acc, vmull_s8(vld1_s8(x + i), vld1_s8(w + i)));
    }
#endif
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

#if defined(__ARM_FEATURE_DOTPROD)
/* SDOT forms of the four-row q7 dot product (the inputs loaded once for four rows) and of the affine int8
 * ones: sum (x + off) * w = sum x * w + off * sum w, the weights' sum from SDOT against ones.  Lanes and
 * the final combination add modulo 2^32, which gives the exact total under the _i32 contract (the
 * kernels' bound |bias| + sum |x + off| * |w| < 2^31 bounds sum |x| * |w| too, |x| <= 128 <=
 * max |x + off|). */
#define NNC_HAVE_DOT4_Q7 1
#define NNC_HAVE_DOT_S8O 1

static inline uint32_t nnc_neon_usum_s32x4(int32x4_t v)
{
    return (uint32_t)vgetq_lane_s32(v, 0) + (uint32_t)vgetq_lane_s32(v, 1) + (uint32_t)vgetq_lane_s32(v, 2) +
           (uint32_t)vgetq_lane_s32(v, 3);
}

/* one SDOT step of nnc_neon_sdot4 on the inputs xv and the rows' weights w0 .. w3: into a0 .. a3, and the
 * weights' sums into s0 .. s3 when ws_out is not NULL */
#define NNC_NEON_SDOT4_STEP(xv, w0, w1, w2, w3) \
    do {                                        \
        a0 = vdotq_s32(a0, xv, w0);             \
        a1 = vdotq_s32(a1, xv, w1);             \
        a2 = vdotq_s32(a2, xv, w2);             \
        a3 = vdotq_s32(a3, xv, w3);             \
        if (ws_out) {                           \
            s0 = vdotq_s32(s0, ones, w0);       \
            s1 = vdotq_s32(s1, ones, w1);       \
            s2 = vdotq_s32(s2, ones, w2);       \
            s3 = vdotq_s32(s3, ones, w3);       \
        }                                       \
    } while (0)

/* four rows: out[j] = x . w_j (mod 2^32) over the first n - n % 8 elements, plus the weights' sums into
 * ws_out[j] when ws_out is not NULL; returns the elements done */
static inline int32_t nnc_neon_sdot4(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, uint32_t *out,
                                     uint32_t *ws_out)
{
    const int8x16_t ones = vdupq_n_s8(1);
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0, s0 = a0, s1 = a0, s2 = a0, s3 = a0;
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const int8x16_t xv = vld1q_s8(x + i);
        const int8x16_t w0 = vld1q_s8(w + i), w1 = vld1q_s8(w + ws + i);
        const int8x16_t w2 = vld1q_s8(w + 2 * ws + i), w3 = vld1q_s8(w + 3 * ws + i);
        NNC_NEON_SDOT4_STEP(xv, w0, w1, w2, w3);
    }
    if (i + 8 <= n) { /* eight more in the low halves */
        const int8x16_t xv = vcombine_s8(vld1_s8(x + i), vdup_n_s8(0));
        const int8x16_t w0 = vcombine_s8(vld1_s8(w + i), vdup_n_s8(0));
        const int8x16_t w1 = vcombine_s8(vld1_s8(w + ws + i), vdup_n_s8(0));
        const int8x16_t w2 = vcombine_s8(vld1_s8(w + 2 * ws + i), vdup_n_s8(0));
        const int8x16_t w3 = vcombine_s8(vld1_s8(w + 3 * ws + i), vdup_n_s8(0));
        NNC_NEON_SDOT4_STEP(xv, w0, w1, w2, w3);
        i += 8;
    }
    out[0] = nnc_neon_usum_s32x4(a0);
    out[1] = nnc_neon_usum_s32x4(a1);
    out[2] = nnc_neon_usum_s32x4(a2);
    out[3] = nnc_neon_usum_s32x4(a3);
    if (ws_out) {
        ws_out[0] = nnc_neon_usum_s32x4(s0);
        ws_out[1] = nnc_neon_usum_s32x4(s1);
        ws_out[2] = nnc_neon_usum_s32x4(s2);
        ws_out[3] = nnc_neon_usum_s32x4(s3);
    }
    return i;
}

static inline void nnc_dot4_q7_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t *out)
{
    uint32_t s[4];
    int32_t j, i = nnc_neon_sdot4(x, w, ws, n, s, NULL);
    for (j = 0; j < 4; ++j) {
        out[j] = (int32_t)(s[j] + (uint32_t)nnc_dot_q7_i32(x + i, w + j * ws + i, n - i));
    }
}

static inline int32_t nnc_dot_s8o_i32(const int8_t *x, const int8_t *w, int32_t n, int32_t off)
{
    const int8x16_t ones = vdupq_n_s8(1);
    int32x4_t a = vdupq_n_s32(0), sw = a;
    uint32_t acc;
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const int8x16_t wv = vld1q_s8(w + i);
        a = vdotq_s32(a, vld1q_s8(x + i), wv);
        sw = vdotq_s32(sw, ones, wv);
    }
    acc = nnc_neon_usum_s32x4(a) + (uint32_t)off * nnc_neon_usum_s32x4(sw);
    for (; i < n; ++i) {
        acc += (uint32_t)(((int32_t)x[i] + off) * w[i]);
    }
    return (int32_t)acc;
}

static inline void nnc_dot4_s8o_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t off,
                                    int32_t *out)
{
    uint32_t s[4], sw[4];
    int32_t j, i = nnc_neon_sdot4(x, w, ws, n, s, sw);
    for (j = 0; j < 4; ++j) {
        uint32_t acc = s[j] + (uint32_t)off * sw[j];
        int32_t k;
        for (k = i; k < n; ++k) {
            acc += (uint32_t)(((int32_t)x[k] + off) * w[j * ws + k]);
        }
        out[j] = (int32_t)acc;
    }
}
#endif

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
