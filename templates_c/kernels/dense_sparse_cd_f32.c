/* nncodegen kernels: sparse fully connected layer, float32, class-delta layout (see dense_sparse_cd_f32.h).
 * Each of a row's nine groups is one loop adding into one sum (the eight class sums, then the row's sum after their
 * tree), so the sums stay in registers: per entry a delta load, the input's address, the input and value loads, a
 * multiply and an add (every product rounded before its addition, as in dense_f32).
 * ARM with single-precision VFP and the DSP path (Cortex-M4 / M7 hard float), with __OPTIMIZE__: each group one asm
 * loop of eight entries a pass (LDRB, ADD, VLDR, VLDMIA, VMUL, VADD: 6 instructions an entry, 2 a pass), the first
 * pass entered by TBB at the entry that leaves a multiple of eight; the same operations in the same order as the C
 * loop (VMUL then VADD: no fused or chained multiply-add). */
#include "dense_sparse_cd_f32.h"

#include "nnc_simd.h"

#include "epilogue_f32.inc"

#if defined(NNC_SIMD_DSP) && defined(__ARM_FP) && (__ARM_FP & 4) && defined(__thumb2__) && defined(__OPTIMIZE__)
#define NNC_CD_STEP                                                                                        \
    "ldrb %[q], [%[d]], #1\n\t"                                                                           \
    "add %[xa], %[xa], %[q], lsl %[sh]\n\t"                                                               \
    "vldr %[t0], [%[xa]]\n\t"                                                                             \
    "vldmia %[v]!, {%[t1]}\n\t"                                                                           \
    "vmul.f32 %[t0], %[t0], %[t1]\n\t"                                                                    \
    "vadd.f32 %[s], %[s], %[t0]\n\t"
/* SUM + the products of a group's M >= 1 entries (XC: its first position's input before the first delta; ST, SH: the
 * inputs and the byte shift a delta of one moves), v and d moved past them */
#define NNC_CD_GROUP(SUM, XC, M, ST, SH)                                                                     \
    do {                                                                                                   \
        const float *xa_ = (XC);                                                                           \
        int32_t n_ = ((M) + 7) >> 3, q_;                                                                   \
        float t0_, t1_;                                                                                    \
        __asm__(NNC_ASM_LOOP8(NNC_CD_STEP)                                                                 \
                : [s] "+t"(SUM), [v] "+r"(v), [d] "+r"(d), [xa] "+r"(xa_), [n] "+r"(n_), [q] "=&r"(q_),        \
                  [t0] "=&t"(t0_), [t1] "=&t"(t1_)                                                         \
                : [r] "r"((M) & 7), [sh] "n"(SH)                                                           \
                : "cc", "memory");                                                                         \
    } while (0)
#else
#define NNC_CD_GROUP(SUM, XC, M, ST, SH)                                                                     \
    do {                                                                                                   \
        const float *xa_ = (XC);                                                                           \
        int32_t j_;                                                                                        \
        for (j_ = (M); j_ > 0; --j_) {                                                                     \
            xa_ += (ST) * *d++;                                                                            \
            SUM += *xa_ * *v++;                                                                              \
        }                                                                                                  \
    } while (0)
#endif
/* group C of the row: class C (a delta of one = 8 inputs) into SUM */
#define NNC_CD_CLASS(SUM, C)                                                                                 \
    do {                                                                                                   \
        const int32_t m_ = cn[C];                                                                          \
        if (m_ != 0) {                                                                                     \
            NNC_CD_GROUP(SUM, x + (C), m_, 8, 5);                                                            \
        }                                                                                                  \
    } while (0)

void dense_sparse_cd_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const uint16_t *count,
                         const float *values, const uint8_t *delta, const float *bias, int32_t split, float *output)
{
    const int32_t k = g->in_features;
    int32_t b, o;
    for (b = 0; b < g->batch; ++b) {
        const float *x = input + b * k, *v = values;
        const uint8_t *d = delta;
        const uint16_t *cn = count;
        float *y = output + b * g->out_features;
        for (o = 0; o < g->out_features; ++o, cn += 9) {
            float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f, s4 = 0.0f, s5 = 0.0f, s6 = 0.0f, s7 = 0.0f, acc;
            NNC_CD_CLASS(s0, 0);
            NNC_CD_CLASS(s1, 1);
            NNC_CD_CLASS(s2, 2);
            NNC_CD_CLASS(s3, 3);
            NNC_CD_CLASS(s4, 4);
            NNC_CD_CLASS(s5, 5);
            NNC_CD_CLASS(s6, 6);
            NNC_CD_CLASS(s7, 7);
            acc = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
            if (cn[8] != 0) { /* the positions from split, one by one */
                NNC_CD_GROUP(acc, x + split, cn[8], 1, 2);
            }
            y[o] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[o] : acc);
        }
    }
}
