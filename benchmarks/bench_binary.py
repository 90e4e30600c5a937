"""Binary (XNOR/popcount) layers against the same layers in q7 and float C, on the host, in one run.

    python benchmarks/bench_binary.py [--quick] [--json benchmarks/results/binary.json]

1. One 3x3 convolution (stride 1, zero padding 1) at 64->64 and 256->256 channels on 14x14 and
   32x32 maps, timed as bconv2d_xnor_bits (threshold epilogue: bits in, bits out), conv2d_q7 and
   conv2d_f32.  Reported: binary MACs per second (one MAC = one +-1 multiply-add, i.e. one bit of
   XOR/popcount), the speed-up over q7 and float, and the fraction of the machine's popcount peak.
2. The popcount peak is measured in the same run (same build) by tight XOR-popcount loops over
   1,024 L1-resident words: the kernels' own nnc_xorpop (two streams, one sum; AVX-512 / AVX2 /
   NEON / SWAR), a plain 64-bit __builtin_popcountll loop (POPCNT builds; the compiler may
   vectorize it), 16 independent 32-bit lanes of counts (the compiler vectorizes it with whatever
   the build offers, e.g. SSE2 SWAR in a portable build), and one stream against a key held in
   registers (one load per count, as in a convolution that keeps weights in registers; AVX-512 /
   AVX2 intrinsics or the lane loop).  The peak is the fastest of the four, in bits per second.
3. Every build variant is timed: portable (-O2, SWAR popcount), popcnt (-O2 -mpopcnt), avx2
   (-O2 -mavx2 -mpopcnt) and native (-O3 -march=native); q7 and float are compiled with the same
   flags as the binary kernel they are compared with.
4. Whole-model latency of the shipped binarized CNN (examples/bnn_digits/bnn_cnn.onnx) against a
   q7 CNN of the same shape (same layers, float weights, quantized with the example's calibration
   images), both through `nncodegen bench` (-O2, generic target).

Layer figures are the fastest of --reps timings (the median is kept in the JSON too): on a shared
machine the fastest run is the one least disturbed by other processes.  Compare ratios.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nncodegen  # noqa: E402
from nncodegen.harness.bench import bench_outdir  # noqa: E402
from nncodegen.harness.cbuild import find_cc  # noqa: E402
from nncodegen.paths import include_dir, kernels_dir  # noqa: E402

DRIVER = r"""
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nnc_types.h"
#include "bconv2d_xnor.h"
#include "conv2d_q7.h"
#include "conv2d_f32.h"
#include "bin_popcount.inc"

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint32_t rng_state = 12345u;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* fastest and median ns of `reps` timings of `inner` calls each */
#define TIME(label, inner, reps, call) do {                                   \
        double t[64]; int r, k = 0;                                            \
        call;                                                                  \
        for (r = 0; r < (reps); r++) {                                         \
            double t0 = now_ns();                                              \
            for (k = 0; k < (inner); k++) { call; }                            \
            t[r] = (now_ns() - t0) / (inner);                                  \
        }                                                                      \
        qsort(t, (size_t)(reps), sizeof t[0], cmp);                            \
        printf("\"%s\": %.1f,\n\"%s_median\": %.1f,\n", label, t[0], label,      \
               t[(reps) / 2]);                                                 \
    } while (0)

static volatile int32_t sink;
static uint32_t pa[1024], pb[1024];

/* popcount(pa ^ pb) over 1,024 words as 16 independent lanes (64 rows of 16 words) */
static int32_t xorpop_lanes(void)
{
    int32_t t[16], r0, r, l, s = 0;
    for (l = 0; l < 16; l++) {
        t[l] = 0;
    }
    for (r0 = 0; r0 < 64; r0 += 31) {         /* SWAR byte counters: at most 31 * 8 per byte */
        const int32_t r1 = r0 + 31 < 64 ? r0 + 31 : 64;
#if defined(__POPCNT__) || defined(__AVX512VPOPCNTDQ__)
        for (r = r0; r < r1; r++) {
            for (l = 0; l < 16; l++) {
                t[l] += (int32_t)__builtin_popcount(pa[r * 16 + l] ^ pb[r * 16 + l]);
            }
        }
#else
        uint32_t c[16];
        for (l = 0; l < 16; l++) {
            c[l] = 0;
        }
        for (r = r0; r < r1; r++) {
            for (l = 0; l < 16; l++) {
                c[l] += nnc_bytecounts(pa[r * 16 + l] ^ pb[r * 16 + l]);
            }
        }
        for (l = 0; l < 16; l++) {
            t[l] += nnc_fold_bytes(c[l]);
        }
#endif
    }
    for (l = 0; l < 16; l++) {
        s += t[l];
    }
    return s;
}

/* popcount(pa ^ key) over 1,024 words, the key (16 words) held in registers: one load per count,
 * like a convolution that keeps its weights in registers */
static int32_t xorpop_key(const uint32_t *key)
{
#if defined(NNC_BIN_AVX512)
    const __m512i k0 = _mm512_loadu_si512((const void *)key);
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    int32_t i;
    for (i = 0; i < 1024; i += 64) {
        a0 = _mm512_add_epi32(a0, _mm512_popcnt_epi32(_mm512_xor_si512(_mm512_loadu_si512((const void *)(pa + i)), k0)));
        a1 = _mm512_add_epi32(a1, _mm512_popcnt_epi32(_mm512_xor_si512(_mm512_loadu_si512((const void *)(pa + i + 16)), k0)));
        a2 = _mm512_add_epi32(a2, _mm512_popcnt_epi32(_mm512_xor_si512(_mm512_loadu_si512((const void *)(pa + i + 32)), k0)));
        a3 = _mm512_add_epi32(a3, _mm512_popcnt_epi32(_mm512_xor_si512(_mm512_loadu_si512((const void *)(pa + i + 48)), k0)));
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)));
#elif defined(__AVX2__)
    const __m256i k0 = _mm256_loadu_si256((const __m256i *)(const void *)key), z = _mm256_setzero_si256();
    __m256i acc = z;
    int32_t i, j;
    for (i = 0; i < 1024; i += 256) {       /* byte counts of 16 vectors (<= 128), two chains */
        __m256i c0 = z, c1 = z;
        for (j = i; j < i + 256; j += 16) {
            c0 = _mm256_add_epi8(c0, nnc_pop256_bytes(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(pa + j)), k0)));
            c1 = _mm256_add_epi8(c1, nnc_pop256_bytes(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(pa + j + 8)), k0)));
        }
        acc = _mm256_add_epi64(acc, _mm256_add_epi64(_mm256_sad_epu8(c0, z), _mm256_sad_epu8(c1, z)));
    }
    return nnc_hsum256_u64(acc);
#else
    int32_t t[16], r0, r, l, s = 0;
    for (l = 0; l < 16; l++) {
        t[l] = 0;
    }
    for (r0 = 0; r0 < 64; r0 += 31) {
        const int32_t r1 = r0 + 31 < 64 ? r0 + 31 : 64;
#if defined(__POPCNT__)
        for (r = r0; r < r1; r++) {
            for (l = 0; l < 16; l++) {
                t[l] += (int32_t)__builtin_popcount(pa[r * 16 + l] ^ key[l]);
            }
        }
#else
        uint32_t c[16];
        for (l = 0; l < 16; l++) {
            c[l] = 0;
        }
        for (r = r0; r < r1; r++) {
            for (l = 0; l < 16; l++) {
                c[l] += nnc_bytecounts(pa[r * 16 + l] ^ key[l]);
            }
        }
        for (l = 0; l < 16; l++) {
            t[l] += nnc_fold_bytes(c[l]);
        }
#endif
    }
    for (l = 0; l < 16; l++) {
        s += t[l];
    }
    return s;
#endif
}

/* ns per pass of a tight popcount loop over 1,024 L1-resident words; one word changes per pass,
 * so the compiler cannot hoist the work out of the loop */
static double peak_ns(int kind, int32_t passes)
{
    int32_t k, i, s = 0;
    double t0 = now_ns();
    for (k = 0; k < passes; k++) {
        pa[k & 1023] += 1u;
        if (kind == 0) {
            s += nnc_xorpop(pa, pb, 1024);
        } else if (kind == 2) {
            s += xorpop_lanes();
        } else if (kind == 3) {
            s += xorpop_key(pb + (k & 1008));
        } else {
            for (i = 0; i < 1024; i += 2) {
#if defined(__POPCNT__)
                uint64_t x, y;
                memcpy(&x, pa + i, 8);
                memcpy(&y, pb + i, 8);
                s += (int32_t)__builtin_popcountll(x ^ y);
#else
                s += nnc_xorpop(pa + i, pb + i, 2);
#endif
            }
        }
    }
    sink = s;
    return (now_ns() - t0) / passes;
}

int main(int argc, char **argv)
{
    int32_t hw = atoi(argv[1]), c = atoi(argv[2]), reps = atoi(argv[3]);
    int32_t inner_b = atoi(argv[4]), inner_q = atoi(argv[5]);
    int32_t wpp = (c + 31) / 32, i;
    nnc_conv_geom g;
    size_t nin = (size_t)hw * hw * c, nw = (size_t)c * 9 * c;
    uint32_t *bx = malloc(nin / 32 * 4 + 64), *bw = malloc(nw / 32 * 4 + 64), *by = malloc(nin / 32 * 4 + 64);
    int32_t *thr = malloc((size_t)c * 4);
    int8_t *qx = malloc(nin), *qw = malloc(nw), *qy = malloc(nin), *shift = malloc((size_t)c);
    int32_t *qb = malloc((size_t)c * 4);
    float *fx = malloc(nin * 4), *fw = malloc(nw * 4), *fy = malloc(nin * 4), *fb = malloc((size_t)c * 4);
    nnc_bconv bp;
    nnc_requant rq;
    nnc_act_f32 act;
    memset(&g, 0, sizeof g);
    g.batch = 1; g.in_h = g.in_w = g.out_h = g.out_w = hw; g.in_c = g.out_c = c;
    g.k_h = g.k_w = 3; g.stride_h = g.stride_w = 1; g.pad_top = g.pad_left = 1;
    g.dil_h = g.dil_w = 1; g.groups = 1;
    for (i = 0; i < (int32_t)(nin / 32); i++) bx[i] = rnd();
    for (i = 0; i < (int32_t)(nw / 32); i++) bw[i] = rnd();
    for (i = 0; i < c; i++) { thr[i] = (int32_t)(rnd() % 9) - 4; shift[i] = 9; qb[i] = 0; fb[i] = 0.0f; }
    for (i = 0; i < (int32_t)nin; i++) { qx[i] = (int8_t)(rnd() >> 24); fx[i] = (float)(int8_t)(rnd() >> 24) / 64.0f; }
    for (i = 0; i < (int32_t)nw; i++) { qw[i] = (int8_t)(rnd() >> 24); fw[i] = (float)(int8_t)(rnd() >> 24) / 512.0f; }
    for (i = 0; i < 1024; i++) { pa[i] = rnd(); pb[i] = rnd(); }
    memset(&bp, 0, sizeof bp);
    bp.pad_kind = 0; bp.epi.thr = thr;
    rq.shift = shift; rq.out_min = -128; rq.out_max = 127; rq.leaky_q15 = 32768;
    act.out_min = -3.0e38f; act.out_max = 3.0e38f; act.leaky = 1.0f;
    (void)wpp;
    printf("{\n");
    TIME("bconv2d_xnor_bits_ns", inner_b, reps, bconv2d_xnor_bits(&g, &bp, bx, bw, by));
    TIME("conv2d_q7_ns", inner_q, reps, conv2d_q7(&g, &rq, qx, qw, qb, qy));
    TIME("conv2d_f32_ns", inner_q, reps, conv2d_f32(&g, &act, fx, fw, fb, fy));
    {
        double best[4] = {1e30, 1e30, 1e30, 1e30}, t;
        int r, kind;
        for (r = 0; r < reps; r++) {
            for (kind = 0; kind < 4; kind++) {
                t = peak_ns(kind, 20000);
                best[kind] = t < best[kind] ? t : best[kind];
            }
        }
        printf("\"xorpop_1024w_ns\": %.2f,\n\"popcnt64_512_ns\": %.2f,\n\"lanes_1024w_ns\": %.2f,\n"
               "\"key_1024w_ns\": %.2f,\n", best[0], best[1], best[2], best[3]);
    }
    printf("\"ok\": 1\n}\n");
    free(bx); free(bw); free(by); free(thr); free(qx); free(qw); free(qy); free(shift); free(qb);
    free(fx); free(fw); free(fy); free(fb);
    return 0;
}
"""

VARIANTS = {"portable": ["-O2"], "popcnt": ["-O2", "-mpopcnt"], "avx2": ["-O2", "-mavx2", "-mpopcnt"],
            "native": ["-O3", "-march=native"]}
SHAPES = [(14, 64), (32, 64), (14, 256), (32, 256)]


def build(tmp: Path, flags):
    kd, inc = kernels_dir(), include_dir()
    src = tmp / "bench_bin.c"
    src.write_text(DRIVER)
    exe = tmp / ("bench_bin_" + "_".join(f.strip("-").replace("=", "") for f in flags))
    srcs = [kd / "bconv2d_xnor.c", kd / "conv2d_q7.c", kd / "conv2d_f32.c"]
    cmd = [find_cc(), "-std=c99", *flags, f"-I{inc}", f"-I{kd}", str(src), *map(str, srcs), "-o", str(exe), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"build failed: {' '.join(cmd)}\n{r.stderr}")
    return exe


def run_layer(exe, hw, c, reps, quick):
    macs = hw * hw * c * 9 * c
    inner_b = max(2, int(2e8 // macs))
    inner_q = max(1, int(1e6 // macs))
    r = subprocess.run([str(exe), str(hw), str(c), str(reps), str(inner_b), str(inner_q)], capture_output=True,
                       text=True, timeout=1800)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    t = json.loads(r.stdout)
    loops = {"nnc_xorpop": 1024 * 32 / t["xorpop_1024w_ns"], "popcount64": 512 * 64 / t["popcnt64_512_ns"],
             "lanes16": 1024 * 32 / t["lanes_1024w_ns"], "key_in_registers": 1024 * 32 / t["key_1024w_ns"]}
    peak_loop = max(loops, key=loops.get)
    peak_bits_per_ns = loops[peak_loop]
    b = t["bconv2d_xnor_bits_ns"]
    return {"hw": hw, "c_in": c, "c_out": c, "binary_macs": macs,
            "binary_ns": b, "q7_ns": t["conv2d_q7_ns"], "f32_ns": t["conv2d_f32_ns"],
            "binary_ns_median": t["bconv2d_xnor_bits_ns_median"], "q7_ns_median": t["conv2d_q7_ns_median"],
            "f32_ns_median": t["conv2d_f32_ns_median"],
            "binary_gmacs_per_s": macs / b, "q7_gmacs_per_s": macs / t["conv2d_q7_ns"],
            "f32_gmacs_per_s": macs / t["conv2d_f32_ns"],
            "speedup_vs_q7": t["conv2d_q7_ns"] / b, "speedup_vs_f32": t["conv2d_f32_ns"] / b,
            "popcount_peak_gbits_per_s": peak_bits_per_ns, "popcount_peak_loop": peak_loop,
            "popcount_loops_gbits_per_s": loops,
            "fraction_of_popcount_peak": (macs / b) / peak_bits_per_ns}


def q7_twin_cnn(calib):
    """A float CNN with bnn_cnn's shapes (hardtanh where the BNN has sign), quantized to q7."""
    rng = np.random.default_rng(0)
    b = nncodegen.GraphBuilder("cnn_q7")
    x = b.input((1, 8, 8, 1))
    y = b.conv2d(x, rng.normal(size=(16, 3, 3, 1)) / 3, rng.normal(size=16) * .1, pads=(1, 1, 1, 1), act="clip",
                 act_min=-1.0, act_max=1.0)
    y = b.conv2d(y, rng.normal(size=(24, 3, 3, 16)) / 12, rng.normal(size=24) * .1, pads=(1, 1, 1, 1), act="clip",
                 act_min=-1.0, act_max=1.0)
    y = b.maxpool(y, kernel=(2, 2), strides=(2, 2))
    y = b.conv2d(y, rng.normal(size=(40, 3, 3, 24)) / 15, rng.normal(size=40) * .1, act="clip", act_min=-1.0,
                 act_max=1.0)
    y = b.reshape(y, shape=(1, 160))
    y = b.dense(y, rng.normal(size=(10, 160)) / 13, rng.normal(size=10) * .1)
    return nncodegen.quantize(b.finish(y), calib, "q7")


def whole_model(tmp: Path, runs: int):
    d = ROOT / "examples" / "bnn_digits"
    if not (d / "bnn_cnn.onnx").exists():
        return None
    calib = np.load(d / "calib.npy")
    gb = nncodegen.load(d / "bnn_cnn.onnx")
    ob = nncodegen.generate(gb, tmp / "bnn_cnn", name="bnn_cnn")
    oq = nncodegen.generate(q7_twin_cnn(calib), tmp / "cnn_q7", name="cnn_q7")
    rb, rq = bench_outdir(ob, runs=runs), bench_outdir(oq, runs=runs)
    return {"bnn_cnn_median_us": rb["median_ns"] / 1e3, "q7_same_shape_median_us": rq["median_ns"] / 1e3,
            "speedup": rq["median_ns"] / rb["median_ns"],
            "bnn_layers_us": {l["name"]: l["mean_ns"] / 1e3 for l in rb["layers"]},
            "q7_layers_us": {l["name"]: l["mean_ns"] / 1e3 for l in rq["layers"]}}


def table(res):
    lines = ["| build | map | ch | binary GMAC/s | q7 GMAC/s | f32 GMAC/s | vs q7 | vs f32 | popcount peak Gbit/s | "
             "% of peak |", "|" + "---|" * 10]
    for v, rows in res["layers"].items():
        for r in rows:
            lines.append(f"| {v} | {r['hw']}x{r['hw']} | {r['c_in']}->{r['c_out']} | {r['binary_gmacs_per_s']:.1f} | "
                         f"{r['q7_gmacs_per_s']:.2f} | {r['f32_gmacs_per_s']:.2f} | {r['speedup_vs_q7']:.1f}x | "
                         f"{r['speedup_vs_f32']:.1f}x | {r['popcount_peak_gbits_per_s']:.0f} ({r['popcount_peak_loop']}) | "
                         f"{100 * r['fraction_of_popcount_peak']:.0f}% |")
    wm = res.get("whole_model")
    if wm:
        lines += ["", f"bnn_cnn (binary) {wm['bnn_cnn_median_us']:.2f} us vs the same-shape q7 CNN "
                      f"{wm['q7_same_shape_median_us']:.2f} us per inference: {wm['speedup']:.1f}x"]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="64-channel shapes and the native build only")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "binary.json"))
    a = ap.parse_args(argv)
    res = {"machine": {"platform": platform.platform(), "processor": platform.processor(),
                       "cc": find_cc()}, "layers": {}}
    variants = {"native": VARIANTS["native"]} if a.quick else VARIANTS
    shapes = SHAPES[:2] if a.quick else SHAPES
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        for v, flags in variants.items():
            exe = build(tmp, flags)
            res["layers"][v] = []
            for hw, c in shapes:
                print(f"timing {v} {hw}x{hw} {c}->{c}", file=sys.stderr, flush=True)
                res["layers"][v].append(run_layer(exe, hw, c, a.reps, a.quick))
        print("timing whole models", file=sys.stderr, flush=True)
        res["whole_model"] = whole_model(tmp, 200)
    print(table(res))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
