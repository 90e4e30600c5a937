/* nnc_simd.h on a target: every SIMD dot product against its portable definition.
 * Built by tests/test_cross.py for each ARM target and run under qemu, and by
 * tests/test_kernels_q.py on the host for each x86 path; exit 0 when all agree,
 * else prints the first mismatch and exits 1.  Prints the SIMD path first ("path neon").
 *
 * Data: lengths 0..300 at every alignment 0..7 of both vectors, random and extreme values
 * (-128 / -32768 everywhere, which gives the largest products), and long vectors for the
 * 64-bit variants (past NEON's 4096-element int32 blocks and x86's 65536-element q7 chunks).
 * The 32-bit variants get values whose absolute sum of products fits int32, as the kernels
 * guarantee.  The four-row forms (dot4) use row strides at and beyond n; the float dot products
 * must give the same bits (their summation order is part of their definition).  The eight-lane
 * requantization of the Q formats must equal the int64 rounding shift, and the accumulator blocks
 * the plain arithmetic (floats: bit for bit).  With AVX2, the
 * eight-lane affine int8 requantization must equal nnc_affine.h's scalar one (both rounding modes,
 * every shift, edge multipliers and accumulators). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nnc_simd.h"
#include "nnc_affine.h"

#define MAXN 300
#define LONGN 70000
#define ROWS (4 * (MAXN + 3) + 16)

static int8_t x8[LONGN + 8], w8[LONGN + 8];
static int16_t x16[LONGN + 8], w16[LONGN + 8];
static float xf[ROWS], wf[ROWS];
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

/* floats of mixed signs and magnitudes (2^-20 .. 2^20), so that the summation order shows */
static void fill_float(int mode)
{
    int32_t i;
    for (i = 0; i < ROWS; ++i) {
        const float m = (float)(next() % 2000001 - 1000000) / 1000000.0f;
        const int32_t e = mode == 0 ? next() % 41 - 20 : 0;
        float scale = 1.0f;
        int32_t k;
        for (k = 0; k < (e < 0 ? -e : e); ++k) {
            scale = e < 0 ? scale * 0.5f : scale * 2.0f;
        }
        xf[i] = m * scale;
        wf[i] = mode == 2 ? -xf[i] : (float)(next() % 2001 - 1000) / 999.0f;
    }
}

static int failures;

static void check64(const char *what, int64_t got, int64_t want, int32_t n, int32_t ox, int32_t ow)
{
    if (got != want && failures++ == 0) {
        printf("MISMATCH %s n=%ld offsets %ld/%ld: %lld vs portable %lld\n", what, (long)n, (long)ox, (long)ow,
               (long long)got, (long long)want);
    }
}

static void checkf(const char *what, float got, float want, int32_t n, int32_t ox, int32_t ow)
{
    if (memcmp(&got, &want, sizeof got) != 0 && failures++ == 0) {
        printf("MISMATCH %s n=%ld offsets %ld/%ld: %.9g vs portable %.9g\n", what, (long)n, (long)ox, (long)ow,
               (double)got, (double)want);
    }
}

/* the four-row forms for one n, one alignment pair and one row stride */
static long check_dot4(int32_t n, int32_t ox, int32_t ow, int32_t ws)
{
    int32_t g32[4], p32[4], j;
    int64_t g64[4], p64[4];
    const int32_t off = (int32_t)(next() % 511) - 255;
    nnc_dot4_q7_i32(x8 + ox, w8 + ow, ws, n, g32);
    nnc_dot4_q7_i32_portable(x8 + ox, w8 + ow, ws, n, p32);
    for (j = 0; j < 4; ++j) {
        check64("dot4_q7_i32", g32[j], p32[j], n, ox, ow);
    }
    nnc_dot4_q7_i64(x8 + ox, w8 + ow, ws, n, g64);
    nnc_dot4_q7_i64_portable(x8 + ox, w8 + ow, ws, n, p64);
    for (j = 0; j < 4; ++j) {
        check64("dot4_q7_i64", g64[j], p64[j], n, ox, ow);
    }
    nnc_dot4_s8o_i32(x8 + ox, w8 + ow, ws, n, off, g32);
    nnc_dot4_s8o_i32_portable(x8 + ox, w8 + ow, ws, n, off, p32);
    for (j = 0; j < 4; ++j) {
        check64("dot4_s8o_i32", g32[j], p32[j], n, ox, ow);
    }
    check64("s8o_i32", nnc_dot_s8o_i32(x8 + ox, w8 + ow, n, off), nnc_dot_s8o_i32_portable(x8 + ox, w8 + ow, n, off),
            n, ox, ow);
    nnc_dot4_q15_i32(x16 + ox, w16 + ow, ws, n, g32);
    nnc_dot4_q15_i32_portable(x16 + ox, w16 + ow, ws, n, p32);
    for (j = 0; j < 4; ++j) {
        check64("dot4_q15_i32", g32[j], p32[j], n, ox, ow);
    }
    return 13;
}

static long check_float(int32_t n, int32_t ox, int32_t ow, int32_t ws)
{
    float g[4], p[4];
    int32_t j;
    checkf("f32", nnc_dot_f32(xf + ox, wf + ow, n), nnc_dot_f32_portable(xf + ox, wf + ow, n), n, ox, ow);
    nnc_dot4_f32(xf + ox, wf + ow, ws, n, g);
    nnc_dot4_f32_portable(xf + ox, wf + ow, ws, n, p);
    for (j = 0; j < 4; ++j) {
        checkf("dot4_f32", g[j], p[j], n, ox, ow);
    }
    return 5;
}

#if defined(NNC_HAVE_REQUANT8_S8)
static long check_requant_s8(void)
{
    static const int32_t edge_acc[] = {0, 1, -1, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30, -(1 << 30), 12345, -99999};
    static const int32_t edge_mult[] = {0, 1 << 30, INT32_MAX, (1 << 30) + 1, 1, INT32_MIN, -(1 << 30), 1518500250};
    long cases = 0;
    int32_t it, j, rounding;
    for (rounding = 0; rounding < 2; ++rounding) {
        for (it = 0; it < 20000; ++it) {
            int32_t acc[8], mult[8], shift[8], got[8];
            const int32_t off = next() % 256 - 128, lo = -128 + next() % 64, hi = 127 - next() % 64;
            for (j = 0; j < 8; ++j) {
                const int32_t r = next();
                acc[j] = it % 3 == 0 ? edge_acc[(uint32_t)r % 10] : (it % 3 == 1 ? r % 200001 - 100000 : (int32_t)((uint32_t)r * 2654435761u));
                mult[j] = it % 5 == 0 ? edge_mult[(uint32_t)next() % 8] : (int32_t)(0x40000000u + (uint32_t)next() % 0x40000000u);
                shift[j] = rounding == 1 ? next() % 62 - 31 : next() % 63 - 31;
                if (it % 4 == 0) {
                    shift[j] = rounding == 1 ? -31 + (j % 2) * 61 : -31 + (j % 2) * 62; /* the extremes */
                }
            }
            nnc_acc8_requant_s8(nnc_acc8_load(acc), mult, shift, rounding, off, lo, hi, got);
            for (j = 0; j < 8; ++j) {
                /* the kernels add the offset in int32, which cannot overflow for real requantizations;
                 * lanes where it would (a saturated product) are not compared */
                const int64_t v = (int64_t)nnc_mbqm(acc[j], mult[j], shift[j], rounding) + off;
                const int32_t want = v < lo ? lo : (v > hi ? hi : (int32_t)v);
                if (v > INT32_MAX || v < INT32_MIN) {
                    continue;
                }
                if (got[j] != want && failures++ == 0) {
                    printf("MISMATCH requant_s8 rounding %ld acc %ld mult %ld shift %ld: %ld vs %ld\n", (long)rounding,
                           (long)acc[j], (long)mult[j], (long)shift[j], (long)got[j], (long)want);
                }
                ++cases;
            }
        }
    }
    return cases;
}
#endif

/* the accumulator blocks (nnc_acc8, nnc_acc8w, nnc_accf8) against the plain arithmetic */
static long check_blocks(void)
{
    long cases = 0;
    int32_t it, j, k;
    for (it = 0; it < 4000; ++it) {
        int32_t start[8], ref[8], got[8], x0 = next() % 511 - 255, x1 = next() % 32769 - 16384, off;
        int64_t refw[8], gotw[8];
        int8_t xs8[8];
        int16_t xs16[8], w[16];
        float fx[8], fw[8], reff[8], gotf[8];
        nnc_acc8 a;
        nnc_acc8w aw;
        nnc_accf8 af = nnc_accf8_zero();
        off = next() % 511 - 255;
        for (j = 0; j < 8; ++j) {
            start[j] = next() % 2000001 - 1000000;
            xs8[j] = (int8_t)(next() % 256 - 128);
            xs16[j] = (int16_t)(next() % 65536 - 32768);
            fx[j] = (float)(next() % 20001 - 10000) / 977.0f;
            fw[j] = (float)(next() % 20001 - 10000) / 331.0f;
            reff[j] = 0.0f;
        }
        for (j = 0; j < 16; ++j) {
            w[j] = (int16_t)(it % 3 == 0 ? -32768 : next() % 65536 - 32768);
        }
        if (it % 3 == 0) {
            x1 = -16384; /* with w = -32768: the largest products whose sums stay in int32 */
        }
        /* int32: sums modulo 2^32 (the kernels' bound keeps them exact) */
        a = nnc_acc8_load(start);
        a = nnc_acc8_mac_s8(a, xs8, off, w);
        a = nnc_acc8_mac_s16(a, xs16, w + 8);
        a = nnc_acc8_mac_bcast(a, x0, w + 4);
        a = nnc_acc8_mac2_bcast(a, x0, x1, w);
        nnc_acc8_store(a, got);
        aw = nnc_acc8w_load(start);
        aw = nnc_acc8w_mac_s8(aw, xs8, off, w);
        aw = nnc_acc8w_mac_s16(aw, xs16, w + 8);
        aw = nnc_acc8w_mac_bcast(aw, x0, w + 4);
        nnc_acc8w_store(aw, gotw);
        for (j = 0; j < 8; ++j) {
            uint32_t r = (uint32_t)start[j];
            r += (uint32_t)(((int32_t)xs8[j] + off) * w[j]);
            r += (uint32_t)((int32_t)xs16[j] * w[8 + j]);
            r += (uint32_t)(x0 * w[4 + j]);
            r += (uint32_t)(x0 * w[2 * j]) + (uint32_t)(x1 * w[2 * j + 1]);
            ref[j] = (int32_t)r;
            refw[j] = (int64_t)start[j] + ((int32_t)xs8[j] + off) * w[j] + (int32_t)xs16[j] * w[8 + j] + x0 * w[4 + j];
            check64("acc8 blocks", got[j], ref[j], 8, it, j);
            check64("acc8w blocks", gotw[j], refw[j], 8, it, j);
        }
        /* float: the same operations in the same order give the same bits */
        for (k = 0; k < 3; ++k) {
            af = nnc_accf8_mac(af, fx, fw);
            af = nnc_accf8_mac_bcast(af, fx[k], fw);
            for (j = 0; j < 8; ++j) {
                reff[j] += fx[j] * fw[j];
                reff[j] += fx[k] * fw[j];
            }
        }
        nnc_accf8_store(af, gotf);
        for (j = 0; j < 8; ++j) {
            checkf("accf8 blocks", gotf[j], reff[j], 8, it, j);
        }
        cases += 24;
    }
    return cases;
}

/* the block requantization (nnc_acc8_requant, every path) against nnc_requantize's arithmetic */
static long check_requant_q(void)
{
    long cases = 0;
    int32_t it, j;
    for (it = 0; it < 20000; ++it) {
        int32_t acc[8], got[8];
        int8_t shift[8];
        const int32_t lo = it % 7 == 0 ? INT32_MIN : -(next() % 40000), hi = it % 7 == 0 ? INT32_MAX : next() % 40000;
        for (j = 0; j < 8; ++j) {
            const int32_t r = next();
            acc[j] = it % 3 == 0 ? (int32_t)((uint32_t)r * 2654435761u) : r % 2000001 - 1000000;
            if (it % 11 == 0) {
                acc[j] = j % 2 ? INT32_MAX - j : INT32_MIN + j;
            }
            shift[j] = (int8_t)(it % 5 == 0 ? (j % 2 ? 1 : 31) : 1 + next() % 31);
        }
        nnc_acc8_requant(nnc_acc8_load(acc), shift, lo, hi, got);
        for (j = 0; j < 8; ++j) {
            const int64_t r = ((int64_t)acc[j] + ((int64_t)1 << (shift[j] - 1))) >> shift[j];
            const int32_t want = r < lo ? lo : (r > hi ? hi : (int32_t)r);
            if (got[j] != want && failures++ == 0) {
                printf("MISMATCH requant acc %ld shift %d: %ld vs %ld\n", (long)acc[j], (int)shift[j], (long)got[j],
                       (long)want);
            }
            ++cases;
        }
    }
    return cases;
}

int main(void)
{
    int32_t n, ox, ow, mode, j;
    long cases = 0;
    printf("path %s\n", nnc_simd_path());
    for (mode = 0; mode < 3; ++mode) {
        fill(mode, ROWS, mode == 0 ? 2000 : 2000);
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
            for (ox = 0; ox < 8; ox += (n > 64 ? 3 : 1)) {
                cases += check_dot4(n, ox, 7 - ox, n);
                cases += check_dot4(n, ox, (ox + 3) % 8, n + 1 + ox % 3);
            }
        }
        /* full int16 range for the 64-bit variant */
        fill(mode, ROWS, 32768 - (mode == 2));
        for (n = 0; n <= MAXN; ++n) {
            for (ox = 0; ox < 8; ++ox) {
                int64_t g[4], p[4];
                check64("q15_i64", nnc_dot_q15_i64(x16 + ox, w16 + 7 - ox, n),
                        nnc_dot_q15_i64_portable(x16 + ox, w16 + 7 - ox, n), n, ox, 7 - ox);
                nnc_dot4_q15_i64(x16 + ox, w16 + 7 - ox, n + ox % 2, n, g);
                nnc_dot4_q15_i64_portable(x16 + ox, w16 + 7 - ox, n + ox % 2, n, p);
                for (j = 0; j < 4; ++j) {
                    check64("dot4_q15_i64", g[j], p[j], n, ox, 7 - ox);
                }
                cases += 5;
            }
        }
        /* float: same bits */
        fill_float(mode);
        for (n = 0; n <= MAXN; ++n) {
            for (ox = 0; ox < 8; ox += (n > 64 ? 3 : 1)) {
                cases += check_float(n, ox, 7 - ox, n);
                cases += check_float(n, ox, (ox + 5) % 8, n + 2);
            }
        }
        /* long vectors: 64-bit variants past the 32-bit lane and chunk limits (rows overlap: ws = 1) */
        fill(mode, LONGN, 32768 - (mode == 2));
        for (n = LONGN - 9; n <= LONGN - 3; ++n) {
            int64_t g[4], p[4];
            check64("q7_i64 long", nnc_dot_q7_i64(x8 + 1, w8 + 3, n), nnc_dot_q7_i64_portable(x8 + 1, w8 + 3, n),
                    n, 1, 3);
            check64("q15_i64 long", nnc_dot_q15_i64(x16 + 2, w16, n), nnc_dot_q15_i64_portable(x16 + 2, w16, n),
                    n, 2, 0);
            nnc_dot4_q7_i64(x8 + 1, w8, 1, n, g);
            nnc_dot4_q7_i64_portable(x8 + 1, w8, 1, n, p);
            for (j = 0; j < 4; ++j) {
                check64("dot4_q7_i64 long", g[j], p[j], n, 1, j);
            }
            nnc_dot4_q15_i64(x16 + 3, w16, 1, n, g);
            nnc_dot4_q15_i64_portable(x16 + 3, w16, 1, n, p);
            for (j = 0; j < 4; ++j) {
                check64("dot4_q15_i64 long", g[j], p[j], n, 3, j);
            }
            cases += 10;
        }
    }
    cases += check_blocks();
    cases += check_requant_q();
#if defined(NNC_HAVE_REQUANT8_S8)
    cases += check_requant_s8();
#endif
    printf("%ld cases, %d mismatches\n", cases, failures);
    return failures ? 1 : 0;
}
