/* Float add / sub / mul / maximum / minimum with 4-D broadcast through strides and a fused activation. */
#include "eltwise_f32.h"

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#define NNC_ELTF_AVX512 1
#endif

enum { ELTWISE_F32_ADD, ELTWISE_F32_SUB, ELTWISE_F32_MUL, ELTWISE_F32_MAX, ELTWISE_F32_MIN };

/* maximum / minimum as TFLite's std::max / std::min: (a < b) ? b : a and (b < a) ? b : a (equal operands,
 * -0.0 against +0.0 included, and a NaN in b give a; a NaN in a gives a) */
static float nnc_max_f32(float a, float b)
{
    return a < b ? b : a;
}

static float nnc_min_f32(float a, float b)
{
    return b < a ? b : a;
}

#include "epilogue_f32.inc"

#if defined(NNC_ELTF_AVX512)
/* Whether operand strides st walk the output shape densely (axes of extent 1 ignored): element i of the
 * operand is element i of the output. */
static int eltwise_f32_dense(const int32_t *shape, const int32_t *st)
{
    int32_t ax, size = 1;
    for (ax = 3; ax >= 0; --ax) {
        if (shape[ax] != 1 && st[ax] != size) {
            return 0;
        }
        size *= shape[ax];
    }
    return 1;
}

/* Both operands dense: 16 elements a vector (a masked tail), the operation, then the activation as
 * conv2d_pk_f32's vector epilogue (y < 0 ? y * leaky : y, VMAXPS(out_min, y), VMINPS(out_max, y): the scalar
 * comparisons' results, NaN and -0.0 included).  Each element's operations are the scalar loop's. */
static void eltwise_f32_512(int op, int32_t n, const nnc_act_f32 *act, const float *a, const float *b, float *out)
{
    const __m512 lk = _mm512_set1_ps(act != 0 ? act->leaky : 1.0f);
    const __m512 lo = _mm512_set1_ps(act != 0 ? act->out_min : 0.0f);
    const __m512 hi = _mm512_set1_ps(act != 0 ? act->out_max : 0.0f);
    int32_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 m = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        const __m512 x = _mm512_maskz_loadu_ps(m, a + i), y = _mm512_maskz_loadu_ps(m, b + i);
        /* VMAXPS / VMINPS (s1, s2) return s2 on equal operands and on NaN: with s1 = y, s2 = x they are
         * nnc_max_f32 / nnc_min_f32 */
        __m512 v = op == ELTWISE_F32_ADD ? _mm512_add_ps(x, y)
                   : op == ELTWISE_F32_SUB ? _mm512_sub_ps(x, y)
                   : op == ELTWISE_F32_MUL ? _mm512_mul_ps(x, y)
                   : op == ELTWISE_F32_MAX ? _mm512_max_ps(y, x) : _mm512_min_ps(y, x);
        if (act != 0) {
            v = nnc_act_f32_512(v, lk, lo, hi);
        }
        _mm512_mask_storeu_ps(out + i, m, v);
    }
}
#endif

static void eltwise_f32(int op, const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b,
                        float *output)
{
    const int32_t as3 = bc->a_stride[3];
    const int32_t bs3 = bc->b_stride[3];
    const int32_t n3 = bc->shape[3];
    int32_t i0, i1, i2, i3;
    float *out = output;
#if defined(NNC_ELTF_AVX512)
    if (eltwise_f32_dense(bc->shape, bc->a_stride) && eltwise_f32_dense(bc->shape, bc->b_stride)) {
        eltwise_f32_512(op, bc->shape[0] * bc->shape[1] * bc->shape[2] * bc->shape[3], act, a, b, output);
        return;
    }
#endif
    for (i0 = 0; i0 < bc->shape[0]; ++i0) {
        for (i1 = 0; i1 < bc->shape[1]; ++i1) {
            for (i2 = 0; i2 < bc->shape[2]; ++i2) {
                const float *pa = a + i0 * bc->a_stride[0] + i1 * bc->a_stride[1] + i2 * bc->a_stride[2];
                const float *pb = b + i0 * bc->b_stride[0] + i1 * bc->b_stride[1] + i2 * bc->b_stride[2];
                switch (op) {
                case ELTWISE_F32_ADD:
                    for (i3 = 0; i3 < n3; ++i3) {
                        out[i3] = nnc_act_f32_apply(act, pa[i3 * as3] + pb[i3 * bs3]);
                    }
                    break;
                case ELTWISE_F32_SUB:
                    for (i3 = 0; i3 < n3; ++i3) {
                        out[i3] = nnc_act_f32_apply(act, pa[i3 * as3] - pb[i3 * bs3]);
                    }
                    break;
                case ELTWISE_F32_MUL:
                    for (i3 = 0; i3 < n3; ++i3) {
                        out[i3] = nnc_act_f32_apply(act, pa[i3 * as3] * pb[i3 * bs3]);
                    }
                    break;
                case ELTWISE_F32_MAX:
                    for (i3 = 0; i3 < n3; ++i3) {
                        out[i3] = nnc_act_f32_apply(act, nnc_max_f32(pa[i3 * as3], pb[i3 * bs3]));
                    }
                    break;
                default:
                    for (i3 = 0; i3 < n3; ++i3) {
                        out[i3] = nnc_act_f32_apply(act, nnc_min_f32(pa[i3 * as3], pb[i3 * bs3]));
                    }
                    break;
                }
                out += n3;
            }
        }
    }
}

void add_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output)
{
    eltwise_f32(ELTWISE_F32_ADD, bc, act, a, b, output);
}

void sub_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output)
{
    eltwise_f32(ELTWISE_F32_SUB, bc, act, a, b, output);
}

void mul_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output)
{
    eltwise_f32(ELTWISE_F32_MUL, bc, act, a, b, output);
}

void maximum_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output)
{
    eltwise_f32(ELTWISE_F32_MAX, bc, act, a, b, output);
}

void minimum_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output)
{
    eltwise_f32(ELTWISE_F32_MIN, bc, act, a, b, output);
}
