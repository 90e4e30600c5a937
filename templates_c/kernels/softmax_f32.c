/* Float softmax over rows, stable: exp of (x - row max), summed in float in order, then divided.
 * The output row holds the exponentials between the passes (in-place safe). */
#include <math.h>

#include "softmax_f32.h"

/* the largest value of a row (cols >= 1) */
static float softmax_f32_row_max(const float *x, int32_t cols)
{
    int32_t j;
    float m = x[0];
    for (j = 1; j < cols; ++j) {
        if (x[j] > m) {
            m = x[j];
        }
    }
    return m;
}

void softmax_f32(int32_t rows, int32_t cols, const float *input, float *output)
{
    int32_t r, j;
    for (r = 0; r < rows; ++r) {
        const float *ip = input + r * cols;
        float *op = output + r * cols;
        const float m = softmax_f32_row_max(ip, cols);
        float sum = 0.0f;
        for (j = 0; j < cols; ++j) {
            const float e = expf(ip[j] - m);
            op[j] = e;
            sum += e;
        }
        for (j = 0; j < cols; ++j) {
            op[j] /= sum;
        }
    }
}

void log_softmax_f32(int32_t rows, int32_t cols, const float *input, float *output)
{
    int32_t r, j;
    for (r = 0; r < rows; ++r) {
        const float *ip = input + r * cols;
        float *op = output + r * cols;
        const float m = softmax_f32_row_max(ip, cols);
        float sum = 0.0f;
        float lse;
        for (j = 0; j < cols; ++j) {
            sum += expf(ip[j] - m);
        }
        lse = logf(sum);
        for (j = 0; j < cols; ++j) {
            const float d = ip[j] - m;
            op[j] = d - lse;
        }
    }
}
