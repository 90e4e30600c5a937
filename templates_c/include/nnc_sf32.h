/* nncodegen runtime: IEEE-754 binary32 arithmetic in integers.
 *
 * onnxruntime's int8 kernels (QLinearAveragePool, QLinearSoftmax, QLinearAdd,
 * the float requantization of QLinearConv / QGemm / QLinearGlobalAveragePool)
 * compute in float32.  To give the same integers without any float in the
 * generated C (targets without an FPU, integer-only builds), the kernels of
 * the "onnxruntime" rounding mode do those float32 operations here, on the
 * bit patterns, with round-to-nearest-even, subnormals and signed zeros as
 * IEEE-754 defines them: the result is the float32 the FPU would give,
 * bit for bit.  Inputs are finite; results that would overflow become
 * infinities (the compiler proves they cannot for the values a layer sees).
 *
 * A value is handled as (-1)^neg * m * 2^e with an integer m.  The numpy twin
 * is nncodegen/ref/sf32.py (plain float32 arithmetic, and an exact fused
 * multiply-add); tests/test_sf32.py compares the two bit for bit.
 */
#ifndef NNC_SF32_H
#define NNC_SF32_H

#include <stdint.h>

#define NNC_SF_ONE 0x3F800000u

/* number of significant bits of m (0 for 0) */
static inline int32_t nnc_sf_bitlen(uint64_t m)
{
#if defined(__GNUC__) || defined(__clang__)
    return m ? 64 - __builtin_clzll(m) : 0; /* one instruction (CLZ / LZCNT / BSR) */
#else
    int32_t n = 0;
    if (m >> 32) { n += 32; m >>= 32; }
    if (m >> 16) { n += 16; m >>= 16; }
    if (m >> 8) { n += 8; m >>= 8; }
    if (m >> 4) { n += 4; m >>= 4; }
    if (m >> 2) { n += 2; m >>= 2; }
    if (m >> 1) { n += 1; m >>= 1; }
    return n + (int32_t)m;
#endif
}

/* m >> s for 0 <= s, with every shifted-out bit ORed into bit 0 ("jamming"): the
 * result rounds like m itself as long as two or more bits are dropped later. */
static inline uint64_t nnc_sf_shift_jam(uint64_t m, int32_t s)
{
    if (s <= 0) {
        return m;
    }
    if (s >= 64) {
        return m != 0;
    }
    return (m >> s) | ((m & (((uint64_t)1 << s) - 1)) != 0);
}

/* the float32 nearest to (-1)^neg * m * 2^e (ties to even) */
static inline uint32_t nnc_sf_pack(int32_t neg, uint64_t m, int32_t e)
{
    const uint32_t sign = neg ? 0x80000000u : 0u;
    int32_t n, s, exp;
    uint64_t q;
    if (m == 0) {
        return sign;
    }
    n = nnc_sf_bitlen(m);
    s = n - 24;                 /* keep 24 significant bits */
    if (e + s < -149) {         /* below the smallest normal exponent: subnormal */
        s = -149 - e;
    }
    if (s >= 64) {              /* m < 2^64: at most half of the smallest subnormal step */
        q = (s == 64 && m > ((uint64_t)1 << 63)) ? 1u : 0u;
    } else if (s > 0) {
        uint64_t rem, half;
        q = m >> s;
        rem = m & (((uint64_t)1 << s) - 1);
        half = (uint64_t)1 << (s - 1);
        if (rem > half || (rem == half && (q & 1u))) {
            q += 1;
        }
    } else {
        q = m << -s;
    }
    exp = e + s;
    if (q >> 24) {              /* rounding carried into a 25th bit */
        q >>= 1;
        exp += 1;
    }
    if (q < 0x800000u) {        /* subnormal (exp == -149) or zero */
        return sign | (uint32_t)q;
    }
    if (exp + 150 >= 255) {
        return sign | 0x7F800000u;
    }
    return sign | ((uint32_t)(exp + 150) << 23) | ((uint32_t)q & 0x7FFFFFu);
}

/* sign, integer significand and exponent of a finite float32 */
static inline void nnc_sf_unpack(uint32_t f, int32_t *neg, uint64_t *m, int32_t *e)
{
    const uint32_t ex = (f >> 23) & 0xFFu;
    *neg = (int32_t)(f >> 31);
    if (ex == 0) {
        *m = f & 0x7FFFFFu;
        *e = -149;
    } else {
        *m = (f & 0x7FFFFFu) | 0x800000u;
        *e = (int32_t)ex - 150;
    }
}

/* (float)x */
static inline uint32_t nnc_sf_from_i32(int32_t x)
{
    const int32_t neg = x < 0;
    const uint64_t m = neg ? (uint64_t)(-(int64_t)x) : (uint64_t)x;
    return nnc_sf_pack(neg, m, 0);
}

/* exact sum of (-1)^na ma 2^ea and (-1)^nb mb 2^eb (ma, mb < 2^50), rounded once */
static inline uint32_t nnc_sf_add_exact(int32_t na, uint64_t ma, int32_t ea, int32_t nb, uint64_t mb, int32_t eb)
{
    int64_t sa, sb, sum;
    int32_t d, e;
    if (ma == 0 && mb == 0) {
        return (na && nb) ? 0x80000000u : 0u;
    }
    if (ma == 0) {
        return nnc_sf_pack(nb, mb, eb);
    }
    if (mb == 0) {
        return nnc_sf_pack(na, ma, ea);
    }
    /* normalize both to 50 significant bits, then give the larger exponent 12 more */
    d = 50 - nnc_sf_bitlen(ma);
    ma <<= d;
    ea -= d;
    d = 50 - nnc_sf_bitlen(mb);
    mb <<= d;
    eb -= d;
    if (eb > ea) { /* swap: a has the larger exponent */
        uint64_t tm = ma; int32_t te = ea, tn = na;
        ma = mb; ea = eb; na = nb;
        mb = tm; eb = te; nb = tn;
    }
    ma <<= 12;
    e = ea - 12;
    d = e - eb;                 /* >= -12 */
    mb = d >= 0 ? nnc_sf_shift_jam(mb, d) : mb << -d;
    sa = na ? -(int64_t)ma : (int64_t)ma;
    sb = nb ? -(int64_t)mb : (int64_t)mb;
    sum = sa + sb;              /* |sa|, |sb| < 2^62 */
    if (sum == 0) {
        return 0u;              /* x + (-x) = +0 when rounding to nearest */
    }
    return sum < 0 ? nnc_sf_pack(1, (uint64_t)(-sum), e) : nnc_sf_pack(0, (uint64_t)sum, e);
}

/* a + b */
static inline uint32_t nnc_sf_add(uint32_t a, uint32_t b)
{
    int32_t na, nb, ea, eb;
    uint64_t ma, mb;
    nnc_sf_unpack(a, &na, &ma, &ea);
    nnc_sf_unpack(b, &nb, &mb, &eb);
    return nnc_sf_add_exact(na, ma, ea, nb, mb, eb);
}

/* a * b */
static inline uint32_t nnc_sf_mul(uint32_t a, uint32_t b)
{
    int32_t na, nb, ea, eb;
    uint64_t ma, mb;
    nnc_sf_unpack(a, &na, &ma, &ea);
    nnc_sf_unpack(b, &nb, &mb, &eb);
    return nnc_sf_pack(na ^ nb, ma * mb, ea + eb);
}

/* a * b + c with one rounding (the FMA instruction) */
static inline uint32_t nnc_sf_fma(uint32_t a, uint32_t b, uint32_t c)
{
    int32_t na, nb, nc, ea, eb, ec;
    uint64_t ma, mb, mc, p;
    nnc_sf_unpack(a, &na, &ma, &ea);
    nnc_sf_unpack(b, &nb, &mb, &eb);
    nnc_sf_unpack(c, &nc, &mc, &ec);
    p = ma * mb;                /* < 2^48 */
    if (p == 0) {               /* (+-0) + c: c, except -0 + +0 = +0 */
        return (mc == 0 && (na ^ nb) != nc) ? 0u : (mc == 0 ? (uint32_t)(nc ? 0x80000000u : 0u) : c);
    }
    return nnc_sf_add_exact(na ^ nb, p, ea + eb, nc, mc, ec);
}

/* a / b (b != 0) */
static inline uint32_t nnc_sf_div(uint32_t a, uint32_t b)
{
    int32_t na, nb, ea, eb, d;
    uint64_t ma, mb, q, r;
    nnc_sf_unpack(a, &na, &ma, &ea);
    nnc_sf_unpack(b, &nb, &mb, &eb);
    if (ma == 0) {
        return (uint32_t)(na ^ nb) << 31;
    }
    if (mb == 0) {
        return ((uint32_t)(na ^ nb) << 31) | 0x7F800000u;
    }
    d = 24 - nnc_sf_bitlen(ma); /* both significands to 24 bits */
    ma <<= d;
    ea -= d;
    d = 24 - nnc_sf_bitlen(mb);
    mb <<= d;
    eb -= d;
    q = (ma << 40) / mb;        /* 2^39 < q < 2^41 */
    r = (ma << 40) - q * mb;
    return nnc_sf_pack(na ^ nb, (q << 1) | (r != 0), ea - eb - 41);
}

/* nearbyintf(a) as int32 (ties to even), saturated to the int32 range */
static inline int32_t nnc_sf_rint(uint32_t a)
{
    int32_t neg, e, s;
    uint64_t m, q;
    nnc_sf_unpack(a, &neg, &m, &e);
    if (e >= 0) {
        q = e >= 8 ? ((uint64_t)1 << 32) : (m << e);
    } else {
        s = -e;
        if (s > 40) {
            q = 0;
        } else {
            const uint64_t rem = m & (((uint64_t)1 << s) - 1);
            const uint64_t half = (uint64_t)1 << (s - 1);
            q = m >> s;
            if (rem > half || (rem == half && (q & 1u))) {
                q += 1;
            }
        }
    }
    if (neg) {
        return q >= ((uint64_t)1 << 31) ? INT32_MIN : -(int32_t)q;
    }
    return q > (uint64_t)INT32_MAX ? INT32_MAX : (int32_t)q;
}

/* nearbyintf((float)x * M) for a positive normal float32 M (bits mbits), as int32 saturated:
 * onnxruntime's requantization (MlasRequantizeOutput), the same result as
 * nnc_sf_rint(nnc_sf_mul(nnc_sf_from_i32(x), mbits)) in fewer steps: the exact product
 * |x| * mantissa(M) (< 2^55) rounded to 24 significant bits, then to an integer. */
static inline int32_t nnc_sf_requant(int32_t x, uint32_t mbits)
{
    const int32_t neg = x < 0;
    uint64_t ax = neg ? (uint64_t)(-(int64_t)x) : (uint64_t)x;
    const uint64_t mm = (uint64_t)((mbits & 0x7FFFFFu) | 0x800000u);
    int32_t e = (int32_t)((mbits >> 23) & 0xFFu) - 150; /* M = mm * 2^e */
    uint64_t p, q;
    int32_t n, s, k;
    if (ax == 0) {
        return 0;
    }
    n = nnc_sf_bitlen(ax);
    if (n > 24) { /* (float)x rounds first */
        const int32_t sx = n - 24;
        const uint64_t rem = ax & (((uint64_t)1 << sx) - 1), half = (uint64_t)1 << (sx - 1);
        ax >>= sx;
        if (rem > half || (rem == half && (ax & 1u))) {
            ax += 1;
        }
        e += sx;
    }
    p = ax * mm; /* exact, < 2^49 */
    n = nnc_sf_bitlen(p);
    s = n - 24;
    if (s > 0) { /* the product rounds to 24 bits (no subnormal: |x| >= 1, M normal) */
        const uint64_t rem = p & (((uint64_t)1 << s) - 1), half = (uint64_t)1 << (s - 1);
        q = p >> s;
        if (rem > half || (rem == half && (q & 1u))) {
            q += 1;
        }
        e += s;
    } else {
        q = p;
    }
    k = -e; /* value = q * 2^-k */
    if (k <= 0) { /* q < 2^24: shifted by 39 or less it stays below 2^63 */
        q = (-k >= 39 || (q << -k) > (uint64_t)INT32_MAX) ? (uint64_t)1 << 32 : (q << -k);
    } else if (k > 60) {
        q = 0;
    } else {
        const uint64_t rem = q & (((uint64_t)1 << k) - 1), half = (uint64_t)1 << (k - 1);
        q >>= k;
        if (rem > half || (rem == half && (q & 1u))) {
            q += 1;
        }
    }
    if (neg) {
        return q >= ((uint64_t)1 << 31) ? INT32_MIN : -(int32_t)q;
    }
    return q > (uint64_t)INT32_MAX ? INT32_MAX : (int32_t)q;
}

#endif /* NNC_SF32_H */
