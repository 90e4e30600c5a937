/* nnc_simd.h on a target: every SIMD dot product against its portable definition.
 * Built by tests/test_cross.py for each ARM target and run under qemu; exit 0 when all agree,
 * else prints the first mismatch and exits 1.  Prints the SIMD path first ("path neon").
 *
 * Data: lengths 0..300 at every alignment 0..7 of both vectors, random and extreme values
 * (-128 / -32768 everywhere, which gives the largest products), and long vectors for the
 * 64-bit variants (past NEON's 4096-element int32 blocks).  The 32-bit variants get values
 * whose absolute sum of products fits int32, as the kernels guarantee. */
#include <stdint.h>
#include <stdio.h>

#include "nnc_simd.h"

#define MAXN 300
#define LONGN 20000

static int8_t x8[LONGN + 8], w8[LONGN + 8];
static int16_t x16[LONGN + 8], w16[LONGN + 8];
static uint32_t rng = 12345u;

static int32_t next(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (int32_t)(rng >> 8);
}

static int fill(int mode, int32_t n, int32_t limit16)
{
    int32_t i;
    for (i = 0; i < n + 8; ++i) {
        if (mode == 0) {
            x8[i] = (int8_t)(next() % 256 - 128);
            w8[i] = (int8_t)(next() % 256 - 128);
            x16[i] = (int16_t)(next() % (2 * limit16 + 1) - limit16);
            w16[i] = (int16_t)(next() % (2 * limit16 + 1) - limit16);
        } else {
            x8[i] = w8[i] = -128;
            x16[i] = w16[i] = (int16_t)(mode == 1 ? -limit16 : limit16);
        }
    }
    return 0;
}

static int failures;

static void check64(const char *what, int64_t got, int64_t want, int32_t n, int32_t ox, int32_t ow)
{
    if (got != want && failures++ == 0) {
        printf("MISMATCH %s n=%ld offsets %ld/%ld: %lld vs portable %lld\n", what, (long)n, (long)ox, (long)ow,
               (long long)got, (long long)want);
    }
}

int main(void)
{
    int32_t n, ox, ow, mode;
    long cases = 0;
    printf("path %s\n", nnc_simd_path());
    for (mode = 0; mode < 3; ++mode) {
        fill(mode, MAXN, mode == 0 ? 2000 : 2000);
        for (n = 0; n <= MAXN; ++n) {
            for (ox = 0; ox < 8; ++ox) {
                for (ow = 0; ow < 8; ow += (n > 64 ? 3 : 1)) {
                    check64("q7_i32", nnc_dot_q7_i32(x8 + ox, w8 + ow, n),
                            nnc_dot_q7_i32_portable(x8 + ox, w8 + ow, n), n, ox, ow);
                    check64("q7_i64", nnc_dot_q7_i64(x8 + ox, w8 + ow, n),
                            nnc_dot_q7_i64_portable(x8 + ox, w8 + ow, n), n, ox, ow);
                    check64("q15_i32", nnc_dot_q15_i32(x16 + ox, w16 + ow, n),
                            nnc_dot_q15_i32_portable(x16 + ox, w16 + ow, n), n, ox, ow);
                    cases += 3;
                }
            }
        }
        /* full int16 range for the 64-bit variant */
        fill(mode, MAXN, 32768 - (mode == 2));
        for (n = 0; n <= MAXN; ++n) {
            for (ox = 0; ox < 8; ++ox) {
                check64("q15_i64", nnc_dot_q15_i64(x16 + ox, w16 + 7 - ox, n),
                        nnc_dot_q15_i64_portable(x16 + ox, w16 + 7 - ox, n), n, ox, 7 - ox);
                cases += 1;
            }
        }
        /* long vectors: 64-bit variants past the 32-bit lane limits */
        fill(mode, LONGN, 32768 - (mode == 2));
        for (n = LONGN - 9; n <= LONGN; ++n) {
            check64("q7_i64 long", nnc_dot_q7_i64(x8 + 1, w8 + 3, n), nnc_dot_q7_i64_portable(x8 + 1, w8 + 3, n),
                    n, 1, 3);
            check64("q15_i64 long", nnc_dot_q15_i64(x16 + 2, w16, n), nnc_dot_q15_i64_portable(x16 + 2, w16, n),
                    n, 2, 0);
            cases += 2;
        }
    }
    printf("%ld cases, %d mismatches\n", cases, failures);
    return failures ? 1 : 0;
}
