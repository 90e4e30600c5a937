/* Bounds of the loads of the few-channel depthwise row paths (conv2d_dwrow512.inc, conv2d_s8_dwrow256.inc).
 * The kernel source is included after <immintrin.h> with its byte loads wrapped: every pointer a load is given
 * must lie in [input, input + size] (C forms no pointer outside an array), and every byte the load reads (the
 * lanes of its mask) in [input, input + size).  Random depthwise layers of 1, 2, 4, 8 channels with horizontal
 * stride 1, padding and dilation, through conv2d_s8 or (with -DDWB_Q7) conv2d_dw_q7.  Prints the count of loads
 * checked and of bad ones; exit status 1 when a load was bad. */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uintptr_t dwb_lo, dwb_hi;
static long dwb_n, dwb_bad;

static const void *dwb_check(const void *p, uint32_t lanes)
{
    const uintptr_t a = (uintptr_t)p;
    uint32_t j;
    ++dwb_n;
    if (a < dwb_lo || a > dwb_hi) {
        ++dwb_bad;
        return p;
    }
    for (j = 0; j < 32; ++j) {
        if (((lanes >> j) & 1u) && a + j >= dwb_hi) {
            ++dwb_bad;
            break;
        }
    }
    return p;
}

#if defined(__AVX512BW__) && defined(__AVX512VL__)
#define _mm256_mask_loadu_epi8(f, m, p) (_mm256_mask_loadu_epi8)((f), (m), dwb_check((p), (uint32_t)(m)))
#endif
#if !defined(DWB_Q7) /* conv2d_s8_dwrow256.inc (conv2d_dw_q7's AVX2 path loads its weights so too) */
#define _mm_loadl_epi64(p) (_mm_loadl_epi64)((const __m128i *)dwb_check((p), 0xFFu))
#endif

#if defined(DWB_Q7)
#include "conv2d_dw_q7.c"
#else
#include "conv2d_s8.c"
#include "bounds_rq_s8.h"
#endif

int main(void)
{
    static const int32_t cs[4] = {1, 2, 4, 8};
    static int8_t buf[1 << 15], out[1 << 15], w[16 * 49];
    int32_t b[8], it, j;
    srand(1);
    for (j = 0; j < (int32_t)sizeof buf; ++j) {
        buf[j] = (int8_t)(rand() & 0xFF);
    }
    for (j = 0; j < 16 * 49; ++j) {
        w[j] = (int8_t)(rand() & 0xFF);
    }
    for (j = 0; j < 8; ++j) {
        b[j] = j;
    }
    for (it = 0; it < 2000; ++it) {
        nnc_conv_geom g;
        const int32_t c = cs[rand() % 4], k = 1 + rand() % 7, d = 1 + rand() % 2;
        g.batch = 1 + rand() % 2;
        g.in_c = g.out_c = g.groups = c;
        g.k_h = 1 + rand() % k;
        g.k_w = k;
        g.stride_h = 1 + rand() % 2;
        g.stride_w = 1;
        g.dil_h = g.dil_w = d;
        g.pad_top = rand() % g.k_h;
        g.pad_left = rand() % k;
        g.in_h = (g.k_h - 1) * d + 1 + rand() % 5;
        g.in_w = (k - 1) * d + 1 + rand() % 40;
        g.out_h = (g.in_h + g.pad_top + rand() % g.k_h - (g.k_h - 1) * d - 1) / g.stride_h + 1;
        g.out_w = g.in_w + g.pad_left + rand() % k - (k - 1) * d;
        /* the input at an odd place inside buf: any pointer outside it is counted */
        dwb_lo = (uintptr_t)(buf + 4096 + rand() % 64);
        dwb_hi = dwb_lo + (uintptr_t)(g.batch * g.in_h * g.in_w * c);
#if defined(DWB_Q7)
        {
            static const int8_t sh[8] = {3, 3, 3, 3, 3, 3, 3, 3};
            nnc_requant rq;
            rq.shift = sh;
            rq.out_min = -128;
            rq.out_max = 127;
            rq.leaky_q15 = 32768;
            conv2d_dw_q7(&g, &rq, (const int8_t *)dwb_lo, w, b, out);
        }
#else
        {
            static const int32_t mul[8] = {1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30};
            static const int32_t sh[8] = {-3, -3, -3, -3, -3, -3, -3, -3};
            const nnc_requant_s8 rq = bounds_rq_s8(mul, sh);
            conv2d_s8(&g, &rq, (const int8_t *)dwb_lo, w, b, out);
        }
#endif
    }
    printf("%ld loads, %ld outside the input\n", dwb_n, dwb_bad);
    return dwb_bad != 0;
}
