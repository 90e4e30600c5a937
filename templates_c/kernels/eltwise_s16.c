/* nncodegen kernels: add, sub, TFLite 16x8 (reference add.h / sub.h, int16 path): each operand plus its
 * offset (|.| <= 65535) times 2^left_shift (<= 15: |.| < 2^31) is scaled by its multiplier (< 1), the two
 * are added or subtracted (|.| < 2^31) and requantized. */
#include "eltwise_s16.h"
#include "nnc_s16.h"

static int16_t eltwise_s16_one(const nnc_eltwise_s16 *p, int32_t sub, int32_t a, int32_t b)
{
    const int32_t sa = nnc_mbqm((a + p->a_offset) * (1 << p->left_shift), p->a_multiplier, p->a_shift, p->rounding);
    const int32_t sb = nnc_mbqm((b + p->b_offset) * (1 << p->left_shift), p->b_multiplier, p->b_shift, p->rounding);
    const int32_t raw = nnc_sat32(sub ? (int64_t)sa - sb : (int64_t)sa + sb);
    const int64_t v = (int64_t)nnc_mbqm(raw, p->out_multiplier, p->out_shift, p->rounding) + p->out_offset;
    return (int16_t)(v < p->out_min ? p->out_min : (v > p->out_max ? p->out_max : (int32_t)v));
}

static void eltwise_s16_run(const nnc_eltwise_s16 *p, int32_t sub, const int16_t *a, const int16_t *b,
                            int16_t *output)
{
    const int32_t *sh = p->bc.shape;
    const int32_t *as = p->bc.a_stride;
    const int32_t *bs = p->bc.b_stride;
    int32_t i0, i1, i2, i3;
    int16_t *y = output;
    for (i0 = 0; i0 < sh[0]; ++i0) {
        for (i1 = 0; i1 < sh[1]; ++i1) {
            for (i2 = 0; i2 < sh[2]; ++i2) {
                const int16_t *pa = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int16_t *pb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                for (i3 = 0; i3 < sh[3]; ++i3) {
                    *y++ = eltwise_s16_one(p, sub, pa[i3 * as[3]], pb[i3 * bs[3]]);
                }
            }
        }
    }
}

void add_s16(const nnc_eltwise_s16 *p, const int16_t *a, const int16_t *b, int16_t *output)
{
    eltwise_s16_run(p, 0, a, b, output);
}

void sub_s16(const nnc_eltwise_s16 *p, const int16_t *a, const int16_t *b, int16_t *output)
{
    eltwise_s16_run(p, 1, a, b, output);
}
