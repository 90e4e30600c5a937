/* One input of a float concat: strided copy into the output. */
#include "concat_f32.h"

void concat_part_f32(const nnc_rescale *p, const float *input, float *output)
{
    int32_t o, i;
    for (o = 0; o < p->outer; ++o) {
        const float *ip = input + o * p->inner;
        float *op = output + o * p->out_inner + p->offset;
        for (i = 0; i < p->inner; ++i) {
            op[i] = ip[i];
        }
    }
}
