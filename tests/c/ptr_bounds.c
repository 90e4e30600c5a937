/* Bounds of the SIMD loads of the per-pixel depthwise and pooling paths: conv2d_s8's depthwise path
 * (conv2d_s8_dw512.inc, any channel count), conv2d_dw_q7's per-pixel and pixel-run paths (AVX-512, AVX2),
 * global_avgpool_q7's channel sums (pool_q7.c), maxpool_s8 / avgpool_s8 (pool_s8.c).  The kernel source (chosen
 * with -DPB_KERNEL=1..5) is included after <immintrin.h> with its byte loads wrapped: a load whose pointer lies
 * in buf (the input sits inside it, with room on both sides) must have its pointer in [input, input + size] and
 * the bytes its mask selects in [input, input + size); loads from other objects (weights, shifts, the kernels'
 * local vectors) are not in buf and not checked.  Random layers with padding on every side, strides 1 / 2,
 * dilation, batch 2.  Prints the count of input loads checked and of bad ones; exit status 1 when one was bad. */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int8_t buf[1 << 16];
static uintptr_t pb_lo, pb_hi;
static long pb_n, pb_bad;

static const void *pb_check(const void *p, uint64_t lanes, int32_t width)
{
    const uintptr_t a = (uintptr_t)p, b0 = (uintptr_t)buf, b1 = (uintptr_t)(buf + sizeof buf);
    int32_t j;
    if (a < b0 || a >= b1) {
        return p; /* another object */
    }
    ++pb_n;
    if (a < pb_lo || a > pb_hi) {
        ++pb_bad;
        return p;
    }
    for (j = 0; j < width; ++j) {
        if (((lanes >> j) & 1u) && a + (uintptr_t)j >= pb_hi) {
            ++pb_bad;
            break;
        }
    }
    return p;
}

#define PB_ALL ~(uint64_t)0
#if defined(__AVX512BW__) && defined(__AVX512VL__)
#define _mm_maskz_loadu_epi8(m, p) (_mm_maskz_loadu_epi8)((m), pb_check((p), (uint64_t)(m), 16))
#define _mm512_maskz_loadu_epi8(m, p) (_mm512_maskz_loadu_epi8)((m), pb_check((p), (uint64_t)(m), 64))
#endif
#define _mm_loadu_si128(p) (_mm_loadu_si128)((const __m128i *)pb_check((p), PB_ALL, 16))
#define _mm_loadl_epi64(p) (_mm_loadl_epi64)((const __m128i *)pb_check((p), PB_ALL, 8))

#if PB_KERNEL == 1
#include "conv2d_s8.c"
#include "bounds_rq_s8.h"
#elif PB_KERNEL == 2
#include "conv2d_dw_q7.c"
#elif PB_KERNEL == 3
#include "pool_q7.c"
#elif PB_KERNEL == 4 || PB_KERNEL == 5
#include "pool_s8.c"
#endif

static int32_t pb_rand(int32_t lo, int32_t hi)
{
    return lo + rand() % (hi - lo + 1);
}

int main(void)
{
    static const int32_t cs[] = {1, 2, 3, 4, 5, 8, 12, 16, 17, 24, 31, 40, 64, 70};
    static int8_t out[1 << 16], w[3 * 49 * 16 + 64];
    static int32_t b[128];
    static int8_t sh8[128];
    int32_t it, j;
    srand(7);
    for (j = 0; j < (int32_t)sizeof buf; ++j) {
        buf[j] = (int8_t)(rand() & 0xFF);
    }
    for (j = 0; j < (int32_t)sizeof w; ++j) {
        w[j] = (int8_t)(rand() % 7 - 3);
    }
    for (j = 0; j < 128; ++j) {
        b[j] = j;
        sh8[j] = 3;
    }
    for (it = 0; it < 3000; ++it) {
        nnc_conv_geom g;
        const int32_t c = cs[rand() % (int32_t)(sizeof cs / sizeof cs[0])], k = pb_rand(1, 7);
        const int32_t dh = PB_KERNEL >= 3 ? 1 : pb_rand(1, 2), dw = PB_KERNEL >= 3 ? 1 : pb_rand(1, 2);
        int32_t pbot, pr;
        g.batch = pb_rand(1, 2);
        g.in_c = g.out_c = g.groups = c;
        g.k_h = pb_rand(1, k);
        g.k_w = k;
        g.stride_h = pb_rand(1, 2);
        g.stride_w = pb_rand(1, 2);
        g.dil_h = dh;
        g.dil_w = dw;
        g.pad_top = rand() % g.k_h;
        g.pad_left = rand() % k;
        pbot = rand() % g.k_h;
        pr = rand() % k;
        g.in_h = (g.k_h - 1) * dh + 1 + pb_rand(0, 5);
        g.in_w = (k - 1) * dw + 1 + pb_rand(0, 20);
        if (PB_KERNEL == 3) { /* global pooling: the window is the input */
            g.in_h = pb_rand(1, 9);
            g.in_w = pb_rand(1, 9);
            g.k_h = g.in_h;
            g.k_w = g.in_w;
            g.stride_h = g.stride_w = 1;
            g.pad_top = g.pad_left = pbot = pr = 0;
        }
        g.out_h = (g.in_h + g.pad_top + pbot - (g.k_h - 1) * dh - 1) / g.stride_h + 1;
        g.out_w = (g.in_w + g.pad_left + pr - (g.k_w - 1) * dw - 1) / g.stride_w + 1;
        if (g.batch * g.in_h * g.in_w * c > (1 << 15) || g.batch * g.out_h * g.out_w * c > (1 << 16)) {
            continue;
        }
        /* the input at an odd place inside buf, room on both sides */
        pb_lo = (uintptr_t)(buf + 8192 + rand() % 64);
        pb_hi = pb_lo + (uintptr_t)(g.batch * g.in_h * g.in_w * c);
#if PB_KERNEL == 1
        {
            static int32_t shs[128], muls[128];
            nnc_requant_s8 rq;
            for (j = 0; j < 128; ++j) {
                muls[j] = 1 << 30;
                shs[j] = -3;
            }
            rq = bounds_rq_s8(muls, shs);
            conv2d_s8(&g, &rq, (const int8_t *)pb_lo, w, b, out);
        }
#elif PB_KERNEL == 2
        {
            nnc_requant rq;
            if ((c + 15) / 16 * g.k_h * g.k_w * 16 > (int32_t)sizeof w) {
                continue;
            }
            rq.shift = sh8;
            rq.out_min = -128;
            rq.out_max = 127;
            rq.leaky_q15 = rand() % 2 ? 32768 : 16384;
            conv2d_dw_q7(&g, &rq, (const int8_t *)pb_lo, w, b, out);
        }
#elif PB_KERNEL == 3
        global_avgpool_q7(&g, (const int8_t *)pb_lo, out);
#elif PB_KERNEL == 4
        g.dil_h = g.dil_w = 1;
        maxpool_s8(&g, (const int8_t *)pb_lo, out);
#elif PB_KERNEL == 5
        {
            nnc_pool_s8 p;
            g.dil_h = g.dil_w = 1;
            p.count_include_pad = rand() % 2;
            p.zero_point = rand() % 256 - 128;
            p.out_min = -128;
            p.out_max = 127;
            p.half_even = rand() % 2;
            avgpool_s8(&g, &p, (const int8_t *)pb_lo, out);
        }
#endif
    }
    (void)pb_check; /* builds without a wrapped load in the chosen kernel */
    (void)b;
    (void)sh8;
    printf("%ld loads, %ld outside the input\n", pb_n, pb_bad);
    return pb_bad != 0;
}
