/* nncodegen runtime: dot products, the inner loop of the MAC kernels (conv2d, conv_transpose2d,
 * dense), with SIMD paths behind the standard feature macros.
 *
 *   nnc_dot_q7_i32(x, w, n)    sum x[i] * w[i], int8 inputs, in int32
 *   nnc_dot_q7_i64(x, w, n)    the same in int64 (any n)
 *   nnc_dot_q15_i32(x, w, n)   int16 inputs, in int32
 *   nnc_dot_q15_i64(x, w, n)   int16 inputs, in int64 (any n)
 *   nnc_dot_s8o_i32(x, w, n, off)  sum (x[i] + off) * w[i], int8 inputs, |off| <= 255 (affine int8:
 *                              off = -zero point), in int32
 *   nnc_dot_f32(x, w, n)       float, in the fixed order defined below
 *   nnc_dot4_<v>(x, w, ws, n, out)  four of them at once, sharing x: out[j] = nnc_dot_<v>(x, w + j * ws, n)
 *                              for j < 4 (four rows of a weight matrix with row stride ws); the s8o
 *                              variant takes off before out.
 *
 * Paths (NNC_SIMD_PATH names the one this build uses; define NNC_NO_SIMD for the portable one):
 *   "neon"     __ARM_NEON (AArch64, ARMv7-A): VMULL.S8 + VPADAL.S16 (q7), VMLAL.S16 (q15 int32),
 *              VMULL.S16 + VPADAL.S32 (q15 int64); with __ARM_FEATURE_DOTPROD (ARMv8.2-A: Cortex-A55 ...)
 *              SDOT for q7 and its dot4 form, and s8o as SDOT(x, w) + off * SDOT(1, w)
 *   "arm-dsp"  __ARM_FEATURE_DSP with __ARM_FEATURE_SIMD32 (Cortex-M4/M7, ARMv7E-M): SXTB16 splits
 *              four int8 into two int16 pairs, SMLAD / SMLALD multiply-accumulate two pairs at once;
 *              s8o: SXTAB16 widens the inputs and adds the offset in one instruction
 *   "avx2"     __AVX2__ (x86-64-v3): VPMOVSXBW widens 16 int8 to int16, VPMADDWD multiplies and adds
 *              pairs into 8 int32 lanes; float in 8 AVX lanes
 *   "sse4.1"   __SSE4_1__ (x86-64-v2), "sse2" (__SSE2__, every x86-64): the same in 128-bit registers
 *              (PMOVSXBW, or PUNPCKLBW + PSRAW without SSE4.1, then PMADDWD)
 *   "portable" plain C loops, the definition the others must equal
 *   NEON and DSP builds take the f32 dot products and the other dot4 forms from the portable
 *   definitions, written over their own single dot products; a path file that has its own s8o or
 *   dot4 q7 forms says so with NNC_HAVE_DOT_S8O / NNC_HAVE_DOT4_Q7.
 *
 * Why the integer results are bit-identical to the portable loops: every product is exact (|int8 x
 * int8| <= 2^14 fits int16, |int16 x int16| <= 2^30 fits int32, |(x + off) * w| <= 2^15) and integer
 * addition is associative, so only overflow could tell orders apart.
 *   - _i64: no overflow at all.  NEON q7 sums at most 2^12 elements in each int32 lane (below 2^25)
 *     before widening; NEON q15 widens every product pair to int64 (VPADAL.S32); DSP uses SMLALD,
 *     a 64-bit accumulate.  x86 q7 runs the int32 dot product on chunks of 2^16 elements, whose
 *     exact sum is below 2^30; x86 q15: a PMADDWD pair sum lies in [-2^31 + 2^16, 2^31], so after
 *     subtracting 2^16 (modulo 2^32) it is exact in int32; it is widened to int64 lanes and the 2^16
 *     added back per pair at the end.
 *   - _i32: the kernels call these only where the compiler proved |bias| + sum |w| * max|x| < 2^31
 *     (s8o: |bias| + sum |x + off| * |w| < 2^31), so the exact total fits int32.  The SIMD paths add
 *     modulo 2^32 (lanes, SMLAD, PMADDWD), which gives the exact total whenever it fits, whatever
 *     the intermediate values.
 * Float (nnc_dot_f32): the order is part of the definition, so that every path and target gives the
 * same bits.  Eight partial sums s[j] accumulate x[i] * w[i] for i = 8 b + j over the whole blocks b
 * of eight, in order; they are added as ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)); the
 * remaining n % 8 products follow one by one.  Below eight elements this is the plain loop.  Every
 * product is rounded to float before its addition: FMA contraction is off (gcc in ISO C mode, the
 * STDC FP_CONTRACT pragma below for clang).
 * Unaligned data is fine: the DSP path loads through memcpy (one LDR on ARMv7E-M), NEON VLD1 and the
 * x86 loads (MOVDQU, MOVQ, VMOVUPS) have no alignment requirement.
 *
 * Files: this header detects the path and includes its file, then the portable one:
 *   nnc_simd_sse.h      SSE2 / SSE4.1 (NNC_SIMD_X86): the x86 helpers, the 128-bit dot product loops (every
 *                       x86 build), the 128-bit accumulator blocks
 *   nnc_simd_avx2.h     AVX2 (NNC_SIMD_AVX2): 256-bit dot products, accumulator and eight-row blocks;
 *   nnc_simd_avx2_rq.h  its block requantization of affine int8
 *   nnc_simd_avx512.h   AVX-512 in AVX2 builds: VNNI eight-row blocks (NNC_SIMD_VNNI), 16-channel requantization
 *   nnc_simd_neon.h     NEON (NNC_SIMD_NEON)
 *   nnc_simd_dsp.h      ARMv7E-M DSP (NNC_SIMD_DSP)
 *   nnc_simd_portable.h the reference loops (nnc_*_portable) and every form the path file does
 *                       not define (from the portable definitions or over its single dot products)
 */
#ifndef NNC_SIMD_H
#define NNC_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__clang__)
/* clang contracts a * b + c into an FMA by default when the target has one; the float dot products
 * (and the float kernels that include this header) round every product, like gcc with -std=c99 */
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(NNC_NO_SIMD)
#define NNC_SIMD_PATH "portable"
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#define NNC_SIMD_NEON 1
#define NNC_SIMD_PATH "neon"
#elif defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#define NNC_SIMD_DSP 1
#define NNC_HAVE_MAC2 1
#define NNC_SIMD_PATH "arm-dsp"
#elif defined(__AVX2__)
#include <immintrin.h>
#define NNC_SIMD_X86 1
#define NNC_SIMD_AVX2 1
#define NNC_HAVE_MAC2 1
#define NNC_SIMD_PATH "avx2"
#if defined(__AVX512VNNI__) && defined(__AVX512VL__) && defined(__AVX512F__) && !defined(NNC_NO_VNNI)
#define NNC_SIMD_VNNI 1 /* VPDPBUSD in nnc_dot8_s8o_i32 (nnc_simd_avx512.h) */
#endif
#elif defined(__SSE4_1__)
#include <smmintrin.h>
#define NNC_SIMD_X86 1
#define NNC_HAVE_MAC2 1
#define NNC_SIMD_PATH "sse4.1"
#elif defined(__SSE2__)
#include <emmintrin.h>
#define NNC_SIMD_X86 1
#define NNC_HAVE_MAC2 1
#define NNC_SIMD_PATH "sse2"
#else
#define NNC_SIMD_PATH "portable"
#endif

/* Keeps a kernel's alternative loop structures (its "paths") out of each other's stack frames:
 * inlined into one function, their local blocks would add up on a small MCU stack. */
#if defined(__GNUC__)
#define NNC_NOINLINE __attribute__((noinline))
#else
#define NNC_NOINLINE
#endif

/* A parenthesized list without its parentheses: how the path files' function templates take extra parameters
 * and arguments, e.g. PS = (, int32_t off) spliced in as "int32_t n NNC_ID PS". */
#define NNC_ID(...) __VA_ARGS__

/* Thumb-2 asm text of a loop of eight STEPs a pass, entered by TBB at the step that leaves a multiple of eight
 * (operand %[r] = steps % 8: 0 runs all eight, 7 the last seven, ...), %[n] = passes (steps + 7) / 8, counted
 * down: the Cortex-M sparse loops (dense_sparse_qn.inc, dense_sparse_pr_s8.c, dense_sparse_cd_f32.c). */
#define NNC_ASM_LOOP8(STEP)                                                                                  \
    "tbb [pc, %[r]]\n"                                                                                       \
    "0:\n\t"                                                                                                 \
    ".byte (1f - 0b) / 2, (8f - 0b) / 2, (7f - 0b) / 2, (6f - 0b) / 2\n\t"                                   \
    ".byte (5f - 0b) / 2, (4f - 0b) / 2, (3f - 0b) / 2, (2f - 0b) / 2\n"                                     \
    "1:\n\t" STEP "2:\n\t" STEP "3:\n\t" STEP "4:\n\t" STEP                                                  \
    "5:\n\t" STEP "6:\n\t" STEP "7:\n\t" STEP "8:\n\t" STEP                                                  \
    "subs %[n], %[n], #1\n\t"                                                                               \
    "bne 1b\n\t"

/* The path this translation unit was compiled with, for reports. */
static inline const char *nnc_simd_path(void)
{
    return NNC_SIMD_PATH;
}

#if defined(NNC_SIMD_X86)
#include "nnc_simd_sse.h"
#if defined(NNC_SIMD_AVX2)
#include "nnc_simd_avx2.h"
#include "nnc_simd_avx2_rq.h"
#if defined(__AVX512F__)
#include "nnc_simd_avx512.h"
#endif
#endif
#elif defined(NNC_SIMD_NEON)
#include "nnc_simd_neon.h"
#elif defined(NNC_SIMD_DSP)
#include "nnc_simd_dsp.h"
#endif
#include "nnc_simd_portable.h"

#endif /* NNC_SIMD_H */
