/* nncodegen kernels: add, sub, mul, affine int8 (TFLite reference_integer_ops
 * add.h and mul.h).  add / sub: each operand plus its offset (|.| <= 255) is
 * shifted left by left_shift (<= 22: |.| < 2^30), scaled by its multiplier
 * (< 1), summed (|.| < 2^31) and requantized; mul: the product of the offset
 * operands (|.| <= 2^16) is requantized. */
#include "eltwise_s8.h"
#include "nnc_affine.h"

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

/* op: 0 add, 1 sub, 2 mul */
static void eltwise_s8_run(const nnc_eltwise_s8 *p, int32_t op, const int8_t *a, const int8_t *b, int8_t *output)
{
    const int32_t *sh = p->bc.shape;
    const int32_t *as = p->bc.a_stride;
    const int32_t *bs = p->bc.b_stride;
    int32_t i0, i1, i2, i3;
    int8_t *y = output;
    for (i0 = 0; i0 < sh[0]; ++i0) {
        for (i1 = 0; i1 < sh[1]; ++i1) {
            for (i2 = 0; i2 < sh[2]; ++i2) {
                const int8_t *pa = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int8_t *pb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                for (i3 = 0; i3 < sh[3]; ++i3) {
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
