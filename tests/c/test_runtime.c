/* Hand-checkable C-level tests of the runtime: rounding rules and a few
 * kernels on inputs small enough to work out on paper.  Run by ctest. */
#include <stdio.h>

#include "nnc_fixed.h"
#include "conv2d_q7.h"
#include "dense_q7.h"
#include "pool_q7.h"
#include "conv2d_f32.h"

static int failures = 0;

#define CHECK_EQ(got, want) do { \
    long long g_ = (long long)(got), w_ = (long long)(want); \
    if (g_ != w_) { printf("FAIL %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); failures++; } \
} while (0)

static void test_rounding(void)
{
    /* round half up: 2.5 -> 3, -2.5 -> -2, 1.75 -> 2, -1.75 -> -2 */
    CHECK_EQ(nnc_shift_round(5, 1), 3);
    CHECK_EQ(nnc_shift_round(-5, 1), -2);
    CHECK_EQ(nnc_shift_round(7, 2), 2);
    CHECK_EQ(nnc_shift_round(-7, 2), -2);
    CHECK_EQ(nnc_shift_round(-3, 0), -3);
    CHECK_EQ(nnc_shift_round(-3, -2), -12);   /* left shift by multiplication */
    CHECK_EQ(nnc_sat(200, -128, 127), 127);
    CHECK_EQ(nnc_sat(-129, -128, 127), -128);
    CHECK_EQ(nnc_div_round(7, 2), 4);         /* 3.5 -> 4 */
    CHECK_EQ(nnc_div_round(-7, 2), -3);       /* -3.5 -> -3 */
    CHECK_EQ(nnc_div_round(-8, 3), -3);       /* -2.67 -> -3 */
    CHECK_EQ(nnc_leaky(-100, 16384), -50);    /* slope 0.5 */
    CHECK_EQ(nnc_leaky(-3, 16384), -1);       /* -1.5 rounds half up to -1 */
    CHECK_EQ(nnc_leaky(100, 16384), 100);
}

static void test_lut(void)
{
    int32_t t[257];
    nnc_lut lut;
    int i;
    for (i = 0; i < 257; i++) {
        t[i] = 4 * i;           /* a straight line: interpolation must be exact */
    }
    lut.table = t;
    lut.x_min = -512;
    lut.shift = 2;              /* 4 inputs per segment */
    CHECK_EQ(nnc_lut_eval(&lut, -512), 0);
    CHECK_EQ(nnc_lut_eval(&lut, -511), 1);
    CHECK_EQ(nnc_lut_eval(&lut, 0), 512);
    CHECK_EQ(nnc_lut_eval(&lut, 511), 1023);
    CHECK_EQ(nnc_lut_eval(&lut, -1000), 0);   /* below the domain: first entry */
    CHECK_EQ(nnc_lut_eval(&lut, 5000), 1024); /* above: last entry */
}

/* Per-channel shifts to the whole int8 range, no leaky slope. */
static nnc_requant requant_q7(const int8_t *shift)
{
    nnc_requant rq;
    rq.shift = shift;
    rq.out_min = -128;
    rq.out_max = 127;
    rq.leaky_q15 = 32768;
    return rq;
}

static void test_conv_1x1_q7(void)
{
    /* 1x2 image, 2 channels -> 2 output channels, 1x1 kernel.
     * pixel0 = (10, -4), pixel1 = (3, 5); w0 = (2, 1), w1 = (-1, 3); bias (1, 0); shift (1, 0)
     * acc0 = 10*2 - 4*1 + 1 = 17 -> (17+1)>>1 = 9;   acc1 = -10 - 12 = -22 -> -22
     * acc0' = 6 + 5 + 1 = 12 -> 6;                  acc1' = -3 + 15 = 12 -> relu bound keeps 12 */
    const int8_t in[4] = {10, -4, 3, 5};
    const int8_t w[4] = {2, 1, -1, 3};
    const int32_t b[2] = {1, 0};
    const int8_t shift[2] = {1, 0};
    int8_t out[4];
    nnc_conv_geom g = {1, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1};
    nnc_requant rq = requant_q7(shift);
    conv2d_q7(&g, &rq, in, w, b, out);
    CHECK_EQ(out[0], 9);
    CHECK_EQ(out[1], -22);
    CHECK_EQ(out[2], 6);
    CHECK_EQ(out[3], 12);
    rq.out_min = 0;             /* fused ReLU */
    conv2d_q7(&g, &rq, in, w, b, out);
    CHECK_EQ(out[1], 0);
}

static void test_dense_q7(void)
{
    /* y = W x + b with W = [[1, 2, 3]], x = (4, -5, 6), b = 7: 4 - 10 + 18 + 7 = 19, shift 2 -> 5 (4.75) */
    const int8_t x[3] = {4, -5, 6};
    const int8_t w[3] = {1, 2, 3};
    const int32_t b[1] = {7};
    const int8_t shift[1] = {2};
    int8_t y[1];
    nnc_dense_geom g = {1, 3, 1};
    nnc_requant rq = requant_q7(shift);
    dense_q7(&g, &rq, x, w, b, y);
    CHECK_EQ(y[0], 5);
}

static void test_maxpool_q7(void)
{
    /* 2x2 single-channel map, 2x2 window with one row of top padding: pads are ignored */
    const int8_t in[4] = {-7, -3, -9, -100};
    int8_t out[2];
    nnc_conv_geom g = {1, 2, 2, 1, 2, 1, 1, 2, 2, 1, 2, 1, 0, 1, 1, 1};
    maxpool_q7(&g, in, out);
    CHECK_EQ(out[0], -3);    /* rows -1..0: only row 0 is real */
    CHECK_EQ(out[1], -3);    /* rows 0..1 */
}

static void test_conv_f32(void)
{
    /* 3x3 input of ones, 3x3 kernel of ones, pad 1: corners see 4, edges 6, centre 9 */
    float in[9], w[9], out[9];
    int i;
    nnc_conv_geom g = {1, 3, 3, 1, 3, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1};
    nnc_act_f32 act;
    act.out_min = -1e30f;
    act.out_max = 1e30f;
    act.leaky = 1.0f;
    for (i = 0; i < 9; i++) {
        in[i] = 1.0f;
        w[i] = 1.0f;
    }
    conv2d_f32(&g, &act, in, w, 0, out);
    CHECK_EQ(out[0], 4);
    CHECK_EQ(out[1], 6);
    CHECK_EQ(out[4], 9);
}

int main(void)
{
    test_rounding();
    test_lut();
    test_conv_1x1_q7();
    test_dense_q7();
    test_maxpool_q7();
    test_conv_f32();
    if (failures) {
        printf("%d check(s) failed\n", failures);
        return 1;
    }
    printf("all runtime checks passed\n");
    return 0;
}
