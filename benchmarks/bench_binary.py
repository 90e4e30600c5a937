"""Binary (XNOR/popcount) layers against the same layers in q7 and float C, on the host, in one run.

    python benchmarks/bench_binary.py [--quick] [--json benchmarks/results/binary.json]

1. One 3x3 convolution (stride 1, zero padding 1) at 64->64 and 256->256 channels on 14x14 and
   32x32 maps, timed as bconv2d_xnor_bits (threshold epilogue: bits in, bits out), conv2d_q7 and
   conv2d_f32.  Reported: binary MACs per second (one MAC = one +-1 multiply-add, i.e. one bit of
   XOR/popcount), the speed-up over q7 and float, and the fraction of the machine's popcount peak.
2. The popcount peak is measured in the same run by tight loops over L1-resident data: the
   kernels' own nnc_xorpop over 1,024 words, and a scalar 64-bit POPCNT loop; the peak is the
   faster one (in bits per second).
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
        double best0 = 1e30, best1 = 1e30, t;
        int r;
        for (r = 0; r < reps; r++) {
            t = peak_ns(0, 20000);
            best0 = t < best0 ? t : best0;
            t = peak_ns(1, 20000);
            best1 = t < best1 ? t : best1;
        }
        printf("\"xorpop_1024w_ns\": %.2f,\n\"popcnt64_512_ns\": %.2f,\n", best0, best1);
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
    peak_bits_per_ns = 1024 * 32 / t["xorpop_1024w_ns"]
    b = t["bconv2d_xnor_bits_ns"]
    return {"hw": hw, "c_in": c, "c_out": c, "binary_macs": macs,
            "binary_ns": b, "q7_ns": t["conv2d_q7_ns"], "f32_ns": t["conv2d_f32_ns"],
            "binary_ns_median": t["bconv2d_xnor_bits_ns_median"], "q7_ns_median": t["conv2d_q7_ns_median"],
            "f32_ns_median": t["conv2d_f32_ns_median"],
            "binary_gmacs_per_s": macs / b, "q7_gmacs_per_s": macs / t["conv2d_q7_ns"],
            "f32_gmacs_per_s": macs / t["conv2d_f32_ns"],
            "speedup_vs_q7": t["conv2d_q7_ns"] / b, "speedup_vs_f32": t["conv2d_f32_ns"] / b,
            "popcount_peak_gbits_per_s": peak_bits_per_ns,
            "scalar_popcnt64_loop_gbits_per_s": 512 * 64 / t["popcnt64_512_ns"],
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
                         f"{r['speedup_vs_f32']:.1f}x | {r['popcount_peak_gbits_per_s']:.1f} | "
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
