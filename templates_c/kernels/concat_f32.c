/* One input of a float concat: strided copy into the output.  With AVX-512 each row of inner floats moves
 * in 16-float vectors, the last one under a mask (a copy: the same bits as the plain loop). */
#include "concat_f32.h"

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#endif

void concat_part_f32(const nnc_rescale *p, const float *input, float *output)
{
    int32_t o, i;
#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
    const int32_t tail = p->inner % 16;
    const __mmask16 m = (__mmask16)((1u << tail) - 1u);
    for (o = 0; o < p->outer; ++o) {
        const float *ip = input + o * p->inner;
        float *op = output + o * p->out_inner + p->offset;
        for (i = 0; i + 16 <= p->inner; i += 16) {
            _mm512_storeu_ps(op + i, _mm512_loadu_ps(ip + i));
        }
        if (tail != 0) {
            _mm512_mask_storeu_ps(op + i, m, _mm512_maskz_loadu_ps(m, ip + i));
        }
    }
#else
    for (o = 0; o < p->outer; ++o) {
        const float *ip = input + o * p->inner;
        float *op = output + o * p->out_inner + p->offset;
        for (i = 0; i < p->inner; ++i) {
            op[i] = ip[i];
        }
    }
#endif
}
