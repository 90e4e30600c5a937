/* nncodegen kernels: add, sub, mul, affine int8 (TFLite reference_integer_ops
 * add.h and mul.h).  add / sub: each operand plus its offset (|.| <= 255) is
 * shifted left by left_shift (<= 22: |.| < 2^30), scaled by its multiplier
 * (< 1), summed (|.| < 2^31) and requantized; mul: the product of the offset
 * operands (|.| <= 2^16) is requantized. */
#include "eltwise_s8.h"
#include "nnc_affine.h"
#include "nnc_simd.h"

static int8_t eltwise_s8_one(const nnc_eltwise_s8 *p, int32_t op, int32_t a, int32_t b)
{
    int32_t v;
    a += p->a_offset;
    b += p->b_offset;
    if (p->rounding == NNC_ROUND_ORT) { /* onnxruntime's QLinearAdd (see nnc_eltwise_s8); add only */
        const uint32_t t = p->ort_table[b - p->b_offset + 128];
        v = nnc_sf_rint(nnc_sf_fma(nnc_sf_from_i32(a), (uint32_t)p->a_multiplier, t));
        v = (v < 0 ? 0 : (v > 255 ? 255 : v)) + p->out_offset;
        return (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
    }
    if (op == 2) {
        v = nnc_mbqm(a * b, p->out_multiplier, p->out_shift, p->rounding);
    } else {
        const int32_t sa = nnc_mbqm(a * (1 << p->left_shift), p->a_multiplier, p->a_shift, p->rounding);
        const int32_t sb = nnc_mbqm(b * (1 << p->left_shift), p->b_multiplier, p->b_shift, p->rounding);
        const int32_t raw = nnc_sat32(op == 0 ? (int64_t)sa + sb : (int64_t)sa - sb);
        v = nnc_mbqm(raw, p->out_multiplier, p->out_shift, p->rounding);
    }
    v += p->out_offset;
    return (int8_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : v));
}

#if defined(NNC_HAVE_REQUANT8_S8)
/* Eight contiguous elements of eltwise_s8_one (rounding double or single) with nnc_simd.h's block
 * requantization, which is nnc_mbqm lane by lane: the same integers.  m holds the eight-lane copies
 * of the multipliers and shifts: [a mult][a shift][b mult][b shift][out mult][out shift]. */
static void eltwise_s8_eight(const nnc_eltwise_s8 *p, int32_t op, const int32_t *m, const int8_t *a,
                             const int8_t *b, int8_t *y)
{
    int32_t va[8], vb[8], v[8], j;
    for (j = 0; j < 8; ++j) {
        va[j] = a[j] + p->a_offset;
        vb[j] = b[j] + p->b_offset;
    }
    if (op == 2) {
        for (j = 0; j < 8; ++j) {
            va[j] *= vb[j]; /* |.| <= 2^16 */
        }
    } else {
        for (j = 0; j < 8; ++j) {
            va[j] *= 1 << p->left_shift; /* |.| < 2^30 */
            vb[j] *= 1 << p->left_shift;
        }
        nnc_acc8_requant_s8(nnc_acc8_load(va), m, m + 8, p->rounding, 0, INT32_MIN, INT32_MAX, va);
        nnc_acc8_requant_s8(nnc_acc8_load(vb), m + 16, m + 24, p->rounding, 0, INT32_MIN, INT32_MAX, vb);
        for (j = 0; j < 8; ++j) { /* each scaled operand is below 2^30 in magnitude: no overflow */
            va[j] = op == 0 ? va[j] + vb[j] : va[j] - vb[j];
        }
    }
    nnc_acc8_requant_s8(nnc_acc8_load(va), m + 32, m + 40, p->rounding, p->out_offset, p->out_min, p->out_max, v);
    for (j = 0; j < 8; ++j) {
        y[j] = (int8_t)v[j];
    }
}
#endif

/* op: 0 add, 1 sub, 2 mul */
static void eltwise_s8_run(const nnc_eltwise_s8 *p, int32_t op, const int8_t *a, const int8_t *b, int8_t *output)
{
    const int32_t *sh = p->bc.shape;
    const int32_t *as = p->bc.a_stride;
    const int32_t *bs = p->bc.b_stride;
    int32_t i0, i1, i2, i3;
    int8_t *y = output;
#if defined(NNC_HAVE_REQUANT8_S8)
    const int blocks = p->rounding != NNC_ROUND_ORT && as[3] == 1 && bs[3] == 1;
    int32_t m[48];
    for (i3 = 0; i3 < 8; ++i3) {
        m[i3] = p->a_multiplier;
        m[8 + i3] = p->a_shift;
        m[16 + i3] = p->b_multiplier;
        m[24 + i3] = p->b_shift;
        m[32 + i3] = p->out_multiplier;
        m[40 + i3] = p->out_shift;
    }
#endif
    for (i0 = 0; i0 < sh[0]; ++i0) {
        for (i1 = 0; i1 < sh[1]; ++i1) {
            for (i2 = 0; i2 < sh[2]; ++i2) {
                const int8_t *pa = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int8_t *pb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                i3 = 0;
#if defined(NNC_HAVE_REQUANT8_S8)
                if (blocks) {
                    for (; i3 + 8 <= sh[3]; i3 += 8, y += 8) {
                        eltwise_s8_eight(p, op, m, pa + i3, pb + i3, y);
                    }
                }
#endif
                for (; i3 < sh[3]; ++i3) {
                    *y++ = eltwise_s8_one(p, op, pa[i3 * as[3]], pb[i3 * bs[3]]);
                }
            }
        }
    }
}

void add_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    eltwise_s8_run(p, 0, a, b, output);
}

void sub_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    eltwise_s8_run(p, 1, a, b, output);
}

void mul_s8(const nnc_eltwise_s8 *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    eltwise_s8_run(p, 2, a, b, output);
}
