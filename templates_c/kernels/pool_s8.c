/* nncodegen kernels: pooling, affine int8 (TFLite reference_integer_ops
 * pooling.h: the average is rounded half away from zero; max and average keep
 * the input's format; sums are int32: a window holds at most k_h * k_w <
 * 2^23 values of magnitude <= 128). */
#include <string.h>

#include "pool_s8.h"
#include "nnc_affine.h"

#if defined(__AVX512BW__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#define NNC_POOL_S8_BW 1 /* maxpool_s8 with in_c <= 64: one masked load and VPMAXSB per window tap; with VL, */
                         /* global_avgpool_s8's sums 16 bytes a step (global_avgpool_s8_sums) */
#endif

static void pool_s8_clip(int32_t start, int32_t k, int32_t size, int32_t *lo, int32_t *hi)
{
    *lo = start < 0 ? 0 : start;
    *hi = start + k > size ? size : start + k;
}

void maxpool_s8(const nnc_conv_geom *g, const int8_t *input, int8_t *output)
{
    const int32_t c_n = g->in_c;
    int32_t n, oy, ox, c, c0, iy, ix, y_lo, y_hi, x_lo, x_hi;
#if defined(NNC_POOL_S8_BW)
    if (c_n <= 64) { /* the pixel's channels in one register (max is exact and order-free: the same bytes) */
        const __mmask64 mk = c_n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << c_n) - 1);
        for (n = 0; n < g->batch; ++n) {
            for (oy = 0; oy < g->out_h; ++oy) {
                pool_s8_clip(oy * g->stride_h - g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
                for (ox = 0; ox < g->out_w; ++ox) {
                    __m512i m = _mm512_set1_epi8((char)INT8_MIN);
                    pool_s8_clip(ox * g->stride_w - g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
                    for (iy = y_lo; iy < y_hi; ++iy) {
                        for (ix = x_lo; ix < x_hi; ++ix) {
                            m = _mm512_max_epi8(
                                m, _mm512_maskz_loadu_epi8(mk, input + ((n * g->in_h + iy) * g->in_w + ix) * c_n));
                        }
                    }
                    _mm512_mask_storeu_epi8(output + ((n * g->out_h + oy) * g->out_w + ox) * c_n, mk, m);
                }
            }
        }
        return;
    }
#endif
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            pool_s8_clip(oy * g->stride_h - g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
            for (ox = 0; ox < g->out_w; ++ox) {
                int8_t *y = output + ((n * g->out_h + oy) * g->out_w + ox) * c_n;
                pool_s8_clip(ox * g->stride_w - g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
                /* blocks of 64 channels innermost, the running maxima in a local array (no aliasing,
                 * so the loop vectorizes); max is order-free */
                for (c0 = 0; c0 < c_n; c0 += 64) {
                    const int32_t cb = c_n - c0 < 64 ? c_n - c0 : 64;
                    int8_t m[64];
                    for (c = 0; c < 64; ++c) {
                        m[c] = INT8_MIN;
                    }
                    for (iy = y_lo; iy < y_hi; ++iy) {
                        for (ix = x_lo; ix < x_hi; ++ix) {
                            const int8_t *x = input + ((n * g->in_h + iy) * g->in_w + ix) * c_n + c0;
                            for (c = 0; c < cb; ++c) {
                                m[c] = x[c] > m[c] ? x[c] : m[c];
                            }
                        }
                    }
                    memcpy(y + c0, m, (size_t)cb);
                }
            }
        }
    }
}

#if defined(NNC_POOL_S8_BW) && defined(__AVX512VL__)
#define NNC_AVGPOOL_S8_512 1
#define NNC_AVG_FLOOR (_MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
/* avgpool_s8's bytes for the channels of mask mk (16 from x, the window's first tap, whose rows are xs bytes
 * apart and taps c_n bytes) of a window of nh x nw real taps and count > 0: the int32 sums of the scalar loop,
 * then n / count through float64 (|n| < 2^31 and count < 2^23: the correctly rounded quotient has the exact
 * quotient's floor, n / count being an integer or at least 1 / count from the next one), q = that floor and
 * r = n - q * count in [0, count), and the scalar roundings from (q, r):
 *   half_even (n = sum - count * zero_point): q + 1 where 2r > count, or 2r == count and q is odd
 *     (nnc_div_round_even), plus zero_point;
 *   TFLite (n = sum): q + 1 where r >= count - count / 2 (sum > 0: floor((sum + count / 2) / count)) or
 *     r > count / 2 (sum <= 0: (sum - count / 2) / count truncated toward zero) (nnc_avg_round);
 * clamped to out_min .. out_max. */
static void avgpool_s8_16(const nnc_pool_s8 *p, const int8_t *x, int32_t xs, int32_t c_n, int32_t nh, int32_t nw,
                          int32_t count, int32_t real, __mmask16 mk, int8_t *y)
{
    __m512i sum = _mm512_set1_epi32((count - real) * p->zero_point), n, q, r, r2, up;
    __m512d d = _mm512_set1_pd((double)count);
    const __m512i cnt = _mm512_set1_epi32(count), one = _mm512_set1_epi32(1);
    int32_t iy, ix;
    for (iy = 0; iy < nh; ++iy) {
        for (ix = 0; ix < nw; ++ix) {
            sum = _mm512_add_epi32(sum, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mk, x + iy * xs + ix * c_n)));
        }
    }
    n = p->half_even ? _mm512_sub_epi32(sum, _mm512_set1_epi32(count * p->zero_point)) : sum;
    {
        const __m256i q0 = _mm512_cvtpd_epi32(
            _mm512_roundscale_pd(_mm512_div_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(n)), d), NNC_AVG_FLOOR));
        const __m256i q1 = _mm512_cvtpd_epi32(
            _mm512_roundscale_pd(_mm512_div_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(n, 1)), d), NNC_AVG_FLOOR));
        q = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
    }
    r = _mm512_sub_epi32(n, _mm512_mullo_epi32(q, cnt));
    r2 = _mm512_add_epi32(r, r);
    if (p->half_even) {
        const __mmask16 odd = _mm512_test_epi32_mask(q, one);
        const __mmask16 inc = (__mmask16)(_mm512_cmpgt_epi32_mask(r2, cnt) |
                                          (_mm512_cmpeq_epi32_mask(r2, cnt) & odd));
        up = _mm512_add_epi32(_mm512_mask_add_epi32(q, inc, q, one), _mm512_set1_epi32(p->zero_point));
    } else {
        const __mmask16 pos = _mm512_cmpgt_epi32_mask(sum, _mm512_setzero_si512());
        const __mmask16 inc = (__mmask16)((pos & _mm512_cmpge_epi32_mask(r, _mm512_set1_epi32(count - count / 2))) |
                                          (~pos & _mm512_cmpgt_epi32_mask(r, _mm512_set1_epi32(count / 2))));
        up = _mm512_mask_add_epi32(q, inc, q, one);
    }
    up = _mm512_min_epi32(_mm512_max_epi32(up, _mm512_set1_epi32(p->out_min)), _mm512_set1_epi32(p->out_max));
    _mm_mask_storeu_epi8(y, mk, _mm512_cvtepi32_epi8(up));
}
#endif

void avgpool_s8(const nnc_conv_geom *g, const nnc_pool_s8 *p, const int8_t *input, int8_t *output)
{
    const int32_t c_n = g->in_c;
    int32_t n, oy, ox, c, iy, ix, y_lo, y_hi, x_lo, x_hi;
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            pool_s8_clip(oy * g->stride_h - g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
            for (ox = 0; ox < g->out_w; ++ox) {
                int8_t *y = output + ((n * g->out_h + oy) * g->out_w + ox) * c_n;
                int32_t real, count;
                pool_s8_clip(ox * g->stride_w - g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
                real = (y_hi > y_lo && x_hi > x_lo) ? (y_hi - y_lo) * (x_hi - x_lo) : 0;
                /* with count_include_pad: the whole window (it lies inside the padded
                 * input, whose bottom/right padding is what out_h / out_w need) */
                count = p->count_include_pad ? g->k_h * g->k_w : real;
                c = 0;
#if defined(NNC_AVGPOOL_S8_512)
                for (; count > 0 && real > 0 && c < c_n; c += 16) {
                    const __mmask16 mk = (__mmask16)(c_n - c >= 16 ? 0xFFFFu : (1u << (c_n - c)) - 1u);
                    avgpool_s8_16(p, input + ((n * g->in_h + y_lo) * g->in_w + x_lo) * c_n + c, g->in_w * c_n, c_n,
                                  y_hi - y_lo, x_hi - x_lo, count, real, mk, y + c);
                }
#endif
                for (; c < c_n; ++c) {
                    int32_t sum = (count - real) * p->zero_point;
                    int32_t v;
                    for (iy = y_lo; iy < y_hi; ++iy) {
                        for (ix = x_lo; ix < x_hi; ++ix) {
                            sum += input[((n * g->in_h + iy) * g->in_w + ix) * c_n + c];
                        }
                    }
                    if (count == 0) {
                        v = 0;
                    } else if (p->half_even) {
                        v = nnc_div_round_even(sum - count * p->zero_point, count) + p->zero_point;
                    } else {
                        v = nnc_avg_round(sum, count);
                    }
                    y[c] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
                }
            }
        }
    }
}

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#define NNC_POOL_ORT_HW 1
/* avgpool_ort_s8 with the float32 steps on the CPU's own IEEE binary32 instructions, 16 channels per AVX-512
 * vector (table entries gathered, the window summed in the same order) and the rest one channel at a time in
 * SSE scalar registers: the same operations in the same order as nnc_sf_add / nnc_sf_div on the same operands,
 * so the same bits, provided MXCSR holds the default environment (round to nearest even, no flush-to-zero or
 * denormals-are-zero), which the caller checks.  nnc_sf_rint's value is then clamped to 0..255: the quotient
 * is clamped to [-1, 256] first (finite: table entries, count and scale are finite, the scale positive), then
 * rounded by VCVTSS2SI / VCVTPS2DQ (nearest even); rint is monotone, so the clamped results agree. */
static void avgpool_ort_hw(const nnc_conv_geom *g, const nnc_pool_ort_s8 *p, const int8_t *input, int8_t *output)
{
    const int32_t c_n = g->in_c;
    const float *table = (const float *)(const void *)p->table;
    float oscale, zpf;
    int32_t n, oy, ox, c, iy, ix, y_lo, y_hi, x_lo, x_hi;
    memcpy(&oscale, &p->out_scale, 4);
    zpf = (float)p->out_zero_point; /* exact: |zero point| <= 255 */
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            pool_s8_clip(oy * g->stride_h - g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
            for (ox = 0; ox < g->out_w; ++ox) {
                int8_t *y = output + ((n * g->out_h + oy) * g->out_w + ox) * c_n;
                int32_t real, count;
                pool_s8_clip(ox * g->stride_w - g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
                real = (y_hi > y_lo && x_hi > x_lo) ? (y_hi - y_lo) * (x_hi - x_lo) : 0;
                count = p->count_include_pad ? g->k_h * g->k_w : real;
                for (c = 0; c + 16 <= c_n && count != 0; c += 16) {
                    const __m512 fc = _mm512_cvtepi32_ps(_mm512_set1_epi32(count));
                    __m512 acc = _mm512_setzero_ps();
                    __m512i v;
                    for (iy = y_lo; iy < y_hi; ++iy) {
                        for (ix = x_lo; ix < x_hi; ++ix) {
                            const __m128i q = _mm_loadu_si128(
                                (const __m128i *)(const void *)(input + ((n * g->in_h + iy) * g->in_w + ix) * c_n + c));
                            const __m512i idx = _mm512_add_epi32(_mm512_cvtepi8_epi32(q), _mm512_set1_epi32(128));
                            acc = _mm512_add_ps(acc, _mm512_i32gather_ps(idx, (const void *)table, 4));
                        }
                    }
                    acc = _mm512_div_ps(_mm512_div_ps(acc, fc), _mm512_set1_ps(oscale));
                    acc = _mm512_add_ps(acc, _mm512_set1_ps(zpf));
                    acc = _mm512_min_ps(_mm512_max_ps(acc, _mm512_set1_ps(-1.0f)), _mm512_set1_ps(256.0f));
                    v = _mm512_cvtps_epi32(acc);
                    v = _mm512_sub_epi32(_mm512_min_epi32(_mm512_max_epi32(v, _mm512_setzero_si512()),
                                                          _mm512_set1_epi32(255)), _mm512_set1_epi32(128));
                    v = _mm512_min_epi32(_mm512_max_epi32(v, _mm512_set1_epi32(p->out_min)),
                                         _mm512_set1_epi32(p->out_max));
                    _mm_storeu_si128((__m128i *)(void *)(y + c), _mm512_cvtepi32_epi8(v));
                }
                for (; c < c_n; ++c) {
                    __m128 acc = _mm_setzero_ps();
                    int32_t v;
                    for (iy = y_lo; iy < y_hi; ++iy) {
                        for (ix = x_lo; ix < x_hi; ++ix) {
                            acc = _mm_add_ss(acc, _mm_load_ss(table + input[((n * g->in_h + iy) * g->in_w + ix) * c_n + c] + 128));
                        }
                    }
                    if (count == 0) {
                        v = p->out_zero_point;
                    } else {
                        acc = _mm_div_ss(_mm_div_ss(acc, _mm_cvtsi32_ss(_mm_setzero_ps(), count)), _mm_set_ss(oscale));
                        acc = _mm_add_ss(acc, _mm_set_ss(zpf));
                        acc = _mm_min_ss(_mm_max_ss(acc, _mm_set_ss(-1.0f)), _mm_set_ss(256.0f));
                        v = _mm_cvtss_si32(acc);
                    }
                    v = (v < 0 ? 0 : (v > 255 ? 255 : v)) - 128;
                    y[c] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
                }
            }
        }
    }
}
#endif

void avgpool_ort_s8(const nnc_conv_geom *g, const nnc_pool_ort_s8 *p, const int8_t *input, int8_t *output)
{
    const int32_t c_n = g->in_c;
    int32_t n, oy, ox, c, iy, ix, y_lo, y_hi, x_lo, x_hi;
#if defined(NNC_POOL_ORT_HW)
    if ((_mm_getcsr() & 0xFFC0u) == 0x1F80u) { /* all exceptions masked, nearest even, no FTZ / DAZ */
        avgpool_ort_hw(g, p, input, output);
        return;
    }
#endif
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            pool_s8_clip(oy * g->stride_h - g->pad_top, g->k_h, g->in_h, &y_lo, &y_hi);
            for (ox = 0; ox < g->out_w; ++ox) {
                int8_t *y = output + ((n * g->out_h + oy) * g->out_w + ox) * c_n;
                int32_t real, count;
                uint32_t fcount;
                pool_s8_clip(ox * g->stride_w - g->pad_left, g->k_w, g->in_w, &x_lo, &x_hi);
                real = (y_hi > y_lo && x_hi > x_lo) ? (y_hi - y_lo) * (x_hi - x_lo) : 0;
                count = p->count_include_pad ? g->k_h * g->k_w : real;
                fcount = nnc_sf_from_i32(count);
                for (c = 0; c < c_n; ++c) {
                    uint32_t acc = 0u; /* +0.0f */
                    int32_t v;
                    for (iy = y_lo; iy < y_hi; ++iy) {
                        for (ix = x_lo; ix < x_hi; ++ix) {
                            acc = nnc_sf_add(acc, p->table[input[((n * g->in_h + iy) * g->in_w + ix) * c_n + c] + 128]);
                        }
                    }
                    if (count == 0) {
                        v = p->out_zero_point;
                    } else {
                        acc = nnc_sf_div(nnc_sf_div(acc, fcount), p->out_scale);
                        v = nnc_sf_rint(nnc_sf_add(acc, nnc_sf_from_i32(p->out_zero_point)));
                    }
                    v = (v < 0 ? 0 : (v > 255 ? 255 : v)) - 128;
                    y[c] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
                }
            }
        }
    }
}

#if defined(NNC_POOL_S8_BW) && defined(__AVX512VL__)
#define NNC_GAVG_S8_512 1
#define NNC_GAVG_VECS 64 /* 16-lane accumulators: lcm(in_c, 16) / 16 = in_c / gcd(in_c, 16) of them */
/* The per-channel sums of global_avgpool_s8 (without the offset) for in_c <= 64: the image's bytes in steps of
 * 16, step j added to the 16 int32 accumulators j % V (V = in_c / gcd(in_c, 16)), so that lane l of
 * accumulator v holds bytes of channel (16 v + l) % in_c only; the last partial step masked.  Integer sums:
 * any order gives the same total. */
static void global_avgpool_s8_sums(const int8_t *x, int32_t pixels, int32_t c_n, int32_t *sum)
{
    __m512i acc[NNC_GAVG_VECS];
    int32_t lanes[NNC_GAVG_VECS * 16];
    int32_t v = c_n, t = 16, j, k;
    const int32_t total = pixels * c_n;
    while (t) { /* v = c_n / gcd(c_n, 16) */
        const int32_t r = v % t;
        v = t;
        t = r;
    }
    v = c_n / v;
    for (j = 0; j < v; ++j) {
        acc[j] = _mm512_setzero_si512();
    }
    k = 0;
    if (v == 1) { /* c_n divides 16: four accumulators in registers, 64 bytes a step, then the steps of 16 below */
        __m512i a1 = acc[0], a2 = acc[0], a3 = acc[0];
        for (; k + 64 <= total; k += 64) {
            const __m512i b = _mm512_loadu_si512((const void *)(x + k));
            acc[0] = _mm512_add_epi32(acc[0], _mm512_cvtepi8_epi32(_mm512_castsi512_si128(b)));
            a1 = _mm512_add_epi32(a1, _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(b, 1)));
            a2 = _mm512_add_epi32(a2, _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(b, 2)));
            a3 = _mm512_add_epi32(a3, _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(b, 3)));
        }
        acc[0] = _mm512_add_epi32(_mm512_add_epi32(acc[0], a1), _mm512_add_epi32(a2, a3));
    }
    for (j = 0; k < total; k += 16) {
        const __mmask16 m = total - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (total - k)) - 1u);
        acc[j] = _mm512_add_epi32(acc[j], _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, (const void *)(x + k))));
        if (++j == v) {
            j = 0;
        }
    }
    for (j = 0; j < v; ++j) {
        _mm512_storeu_si512((void *)(lanes + 16 * j), acc[j]);
    }
    for (k = 0; k < c_n; ++k) {
        sum[k] = 0;
    }
    for (j = 0, k = 0; j < 16 * v; ++j) { /* k = j % c_n */
        sum[k] = (int32_t)((uint32_t)sum[k] + (uint32_t)lanes[j]);
        if (++k == c_n) {
            k = 0;
        }
    }
}
#endif

void global_avgpool_s8(const nnc_conv_geom *g, const nnc_gavg_s8 *p, const int8_t *input, int8_t *output)
{
    const int32_t c_n = g->in_c;
    const int32_t pixels = g->in_h * g->in_w;
    int32_t n, i, c;
    for (n = 0; n < g->batch; ++n) {
        const int8_t *x = input + n * pixels * c_n;
#if defined(NNC_GAVG_S8_512)
        if (c_n <= NNC_GAVG_VECS) {
            int32_t sums[NNC_GAVG_VECS];
            global_avgpool_s8_sums(x, pixels, c_n, sums);
            for (c = 0; c < c_n; ++c) {
                const int32_t sum = (int32_t)((uint32_t)sums[c] + (uint32_t)pixels * (uint32_t)p->input_offset);
                const int32_t v = nnc_mbqm(sum, p->multiplier, p->shift, p->rounding) + p->output_offset;
                output[n * c_n + c] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
            }
            continue;
        }
#endif
        for (c = 0; c < c_n; ++c) {
            int32_t sum = 0;
            int32_t v;
            for (i = 0; i < pixels; ++i) {
                sum += (int32_t)x[i * c_n + c] + p->input_offset;
            }
            v = nnc_mbqm(sum, p->multiplier, p->shift, p->rounding) + p->output_offset;
            output[n * c_n + c] = (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
        }
    }
}

void global_maxpool_s8(const nnc_conv_geom *g, const int8_t *input, int8_t *output)
{
    const int32_t c_n = g->in_c;
    const int32_t pixels = g->in_h * g->in_w;
    int32_t n, i, c;
    for (n = 0; n < g->batch; ++n) {
        const int8_t *x = input + n * pixels * c_n;
        for (c = 0; c < c_n; ++c) {
            int8_t m = INT8_MIN;
            for (i = 0; i < pixels; ++i) {
                if (x[i * c_n + c] > m) {
                    m = x[i * c_n + c];
                }
            }
            output[n * c_n + c] = m;
        }
    }
}

/* maxpool_inplace_s8: maxpool_s8 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME maxpool_inplace_s8
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const int8_t *input
#define NNC_IP_CALL(s, x, y) maxpool_s8(s, x, y)
#include "inplace_rows.inc"
