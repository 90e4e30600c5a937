/* Float add / sub / mul with 4-D broadcast through strides and a fused activation. */
#include "eltwise_f32.h"

enum { ELTWISE_F32_ADD, ELTWISE_F32_SUB, ELTWISE_F32_MUL };

#include "epilogue_f32.inc"

static void eltwise_f32(int op, const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b,
                        float *output)
{
    const int32_t as3 = bc->a_stride[3];
    const int32_t bs3 = bc->b_stride[3];
    const int32_t n3 = bc->shape[3];
    int32_t i0, i1, i2, i3;
    float *out = output;
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
                default:
                    for (i3 = 0; i3 < n3; ++i3) {
                        out[i3] = nnc_act_f32_apply(act, pa[i3 * as3] * pb[i3 * bs3]);
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
