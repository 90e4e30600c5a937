"""The compression survey's Table 1, measured by the compiler on real trained models.

    python benchmarks/bench_table1.py [--quick] [--no-icount] [--only TEXT] [--json benchmarks/results/table1.json]

Models: examples/deep_compression (LeNet-300-100 and LeNet-5 trained on 4,000 real MNIST digits,
then pruned and shared with Deep Compression's recipe; a HashedNets MLP of LeNet-300-100's shape;
a binarized LeNet-5), tested on the 1,000 test digits of
examples/mnist_cnn.  Every row is a C build made by `nncodegen compile`:

    float32          dense model, --quantize none, --compress none
    q7               dense model, --quantize q7 (calibration: examples/mnist_cnn/calib.npy), --compress none
    pruning          pruned model, q7, --compress auto (the compiler finds the zeros: sparse storage)
    pruning+sharing  pruned + shared model, q7, --compress auto (the smallest storage per layer: sparse +
                     codebook, Deep Compression's layout -- only the nonzeros, each a relative position and a
                     codebook index in a few bits -- wherever it is smallest; biases that fit as int16)
    + Huffman        the same build; bytes = the report's Huffman-coded size of what it stores (the
                     position, index and row-count streams Huffman-coded; Deep Compression's accounting:
                     no Huffman decoder runs in the C)
    + Huffman (stored) the same model compiled --compress huffman: the sparse + codebook streams stored Huffman-coded
                     (tables and codes) and decoded into the arena by huffman_decode_u8 before each such layer;
                     bytes = report.json weight_bytes (what the C stores)
    binary           the binarized LeNet-5 (QONNX, binary weights in every layer), formats of its own
    binary, 8-bit first / last layers: LeNet-5, and BinCNN (conv 3x3 1->16, pool, conv 3x3 16->32, pool,
                     fc 1568->256, fc 256->10; its float32 row is the same shape trained in float), QONNX with
                     8-bit weights in the first and last layers and binary ones between
    HashedNets       the HashedGemm model, q7, hashed storage (only the buckets are stored)

Columns, each against the float32 row of the same architecture (HashedNets: LeNet-300-100's):
weight bytes (report.json weight_bytes: weights and biases as the C stores them) and the ratio to the float32
model's 4 bytes a parameter (report.json float_weight_bytes; the float32 row's own C stores a little more where
its layers take padded packed layouts);
top-1 accuracy of the C on the 1,000 test digits and its difference in points; host latency
(`nncodegen bench` build, -O3 -march=native, median of --runs inferences, fastest of 3 repetitions,
all rows timed in this one run) and the ratio; executed instructions per inference on Cortex-M4 of the
model compiled for it (`nncodegen compile --target cortex-m4`; qemu-system-arm MPS2 AN386 with the project's
nnc_icount TCG plugin, `nncodegen bench --target cortex-m4`) and the ratio.
"""
from __future__ import annotations

import argparse
import gzip
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nncodegen.harness.bench import CLI_OPT, bench_outdir  # noqa: E402
from nncodegen.harness.cmodel import CModel  # noqa: E402

EX = ROOT / "examples" / "deep_compression"
MNIST = ROOT / "examples" / "mnist_cnn"

# (architecture, technique, model file, quantize, compress mode, bytes from)
ROWS = [
    ("LeNet-300-100", "float32", "lenet300_dense.onnx", "none", "none", "weight_bytes"),
    ("LeNet-300-100", "q7 (quantization)", "lenet300_dense.onnx", "q7", "none", "weight_bytes"),
    ("LeNet-300-100", "pruning", "lenet300_pruned.onnx.gz", "q7", "auto", "weight_bytes"),
    ("LeNet-300-100", "pruning + sharing", "lenet300_pruned_shared.onnx.gz", "q7", "auto", "weight_bytes"),
    ("LeNet-300-100", "pruning + sharing + Huffman", "lenet300_pruned_shared.onnx.gz", "q7", "auto", "huffman"),
    ("LeNet-300-100", "pruning + sharing + Huffman (stored)", "lenet300_pruned_shared.onnx.gz", "q7", "huffman",
     "weight_bytes"),
    ("LeNet-300-100", "HashedNets", "hashed_mlp.onnx", "q7", "auto", "weight_bytes"),
    ("LeNet-5", "float32", "lenet5_dense.onnx", "none", "none", "weight_bytes"),
    ("LeNet-5", "q7 (quantization)", "lenet5_dense.onnx", "q7", "none", "weight_bytes"),
    ("LeNet-5", "pruning", "lenet5_pruned.onnx.gz", "q7", "auto", "weight_bytes"),
    ("LeNet-5", "pruning + sharing", "lenet5_pruned_shared.onnx.gz", "q7", "auto", "weight_bytes"),
    ("LeNet-5", "pruning + sharing + Huffman", "lenet5_pruned_shared.onnx.gz", "q7", "auto", "huffman"),
    ("LeNet-5", "pruning + sharing + Huffman (stored)", "lenet5_pruned_shared.onnx.gz", "q7", "huffman", "weight_bytes"),
    ("LeNet-5", "binary (all layers; 8-bit input)", "lenet5_binary.onnx", "none", "none", "weight_bytes"),
    ("LeNet-5", "binary (8-bit first / last)", "lenet5_binary_w8.onnx", "none", "none", "weight_bytes"),
    ("BinCNN", "float32", "bincnn_float.onnx", "none", "none", "weight_bytes"),
    ("BinCNN", "binary (8-bit first / last)", "bincnn_binary_w8.onnx", "none", "none", "weight_bytes"),
]


def log(msg: str) -> None:
    print(f"[table1] {msg}", file=sys.stderr, flush=True)


def model_path(name: str, work: Path) -> Path:
    """The model file, gunzipped into ``work`` when shipped as .onnx.gz."""
    p = EX / name
    if name.endswith(".gz"):
        out = work / name[:-3]
        if not out.exists():
            with gzip.open(p, "rb") as f, open(out, "wb") as g:
                shutil.copyfileobj(f, g)
        return out
    return p


def compile_row(model: Path, out: Path, quant: str, mode: str, target: str = "generic") -> dict:
    cmd = [sys.executable, "-m", "nncodegen", "compile", str(model), "-o", str(out), "--compress", mode,
           "--target", target]
    if quant != "none":
        cmd += ["--quantize", quant, "--calib", str(MNIST / "calib.npy")]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
    if r.returncode != 0:
        err = [l for l in r.stderr.strip().splitlines() if "error" in l]
        raise RuntimeError((err or r.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads((out / "report.json").read_text())


def huffman_bytes(rep: dict) -> int:
    """Weight bytes with the conv / dense weights Huffman-coded (report.json's compression totals: what
    they store uncoded is replaced by its Huffman-coded size; biases and the rest stay as stored)."""
    tot = rep.get("compression_totals")
    if not tot:
        raise SystemExit("report.json has no compression_totals: is this nncodegen older than --compress?")
    return int(rep["weight_bytes"]) - int(tot["stored_weight_bytes"]) + int(tot["huffman_bytes"])


def measure(args) -> dict:
    x = np.load(MNIST / "test_images.npy")
    y = np.load(MNIST / "test_labels.npy")
    if args.quick:
        x, y = x[:200], y[:200]
    work = Path(tempfile.mkdtemp(prefix="table1_"))
    rows, builds = [], {}
    try:
        for arch, tech, fname, quant, mode, src in ROWS:
            if not (EX / fname).exists():
                log(f"{arch} / {tech}: {fname} not found, row skipped")
                continue
            key = (fname, quant, mode)
            if key not in builds:
                out = work / f"b{len(builds)}"
                log(f"compiling {fname} ({quant}, --compress {mode})")
                try:
                    rep = compile_row(model_path(fname, work), out, quant, mode)
                except RuntimeError as e:
                    log(f"  compile failed: {e}")
                    builds[key] = {"error": str(e)}
                else:
                    cm = CModel(out)
                    acc = float(np.mean(np.argmax(cm.run(x).reshape(len(x), -1), axis=1) == y))
                    builds[key] = {"out": out, "report": rep, "accuracy": acc}
            b = builds[key]
            row = {"architecture": arch, "technique": tech, "model": fname, "quantize": quant, "compress": mode,
                   "bytes_from": src}
            if "error" in b:
                rows.append(dict(row, error=b["error"]))
                continue
            rep = b["report"]
            nbytes = huffman_bytes(rep) if src == "huffman" else int(rep["weight_bytes"])
            rows.append(dict(row, weight_bytes=nbytes, float_weight_bytes=int(rep["float_weight_bytes"]),
                             accuracy=b["accuracy"], build=str(b["out"].name),
                             storage={l["name"]: l["compression"]["storage"] for l in rep["layers"]
                                      if l.get("compression")}))
        builds = {k: b for k, b in builds.items() if "error" not in b}
        # latency: every build timed in this one run, fastest of 3 repetitions
        for key, b in builds.items():
            log(f"timing {key[0]} ({key[1]}, {key[2]})")
            r = bench_outdir(b["out"], runs=args.runs, opt=CLI_OPT, repeat=3)
            b["latency_ns"] = float(r["median_ns"])
            b["simd_path"] = r.get("simd_path")
        if not args.no_icount:
            from nncodegen.harness.icount import count_on_target
            for key, b in builds.items():
                # the build a Cortex-M4 user makes: compiled for the target (its DSP kernels and layouts),
                # not the host build cross-compiled
                log(f"counting Cortex-M4 instructions of {key[0]} ({key[1]}, {key[2]}, --target cortex-m4)")
                out_m4 = b["out"].with_name(b["out"].name + "_m4")
                compile_row(model_path(key[0], work), out_m4, key[1], key[2], target="cortex-m4")
                b["instructions"] = int(count_on_target(out_m4, "cortex-m4")["instructions_per_inference"])
        for r in rows:
            if "error" in r:
                continue
            b = builds[(r["model"], r["quantize"], r["compress"])]
            r["latency_ns"] = b["latency_ns"]
            r["instructions_cortex_m4"] = b.get("instructions")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # ratios against the float32 row of the same architecture (HashedNets: LeNet-300-100's)
    base = {r["architecture"]: r for r in rows if r["technique"] == "float32"}
    for r in rows:
        f = base.get(r["architecture"])
        if f is None or "error" in r or "error" in f:
            continue
        # the float32 model's 4 bytes a parameter (its own C may store a little more: padded packed layouts)
        r["size_ratio_vs_float32"] = f["float_weight_bytes"] / r["weight_bytes"]
        r["accuracy_points_vs_float32"] = 100.0 * (r["accuracy"] - f["accuracy"])
        r["latency_ratio_vs_float32"] = r["latency_ns"] / f["latency_ns"]
        if r["instructions_cortex_m4"] and f["instructions_cortex_m4"]:
            r["instructions_ratio_vs_float32"] = r["instructions_cortex_m4"] / f["instructions_cortex_m4"]
    return {"machine": {"platform": platform.platform(), "python": platform.python_version()},
            "git": _git_state(),
            "test_samples": int(len(x)), "latency_opt": CLI_OPT, "runs": args.runs, "rows": rows,
            "date": time.strftime("%Y-%m-%d")}


def _git_state() -> dict:
    """The checkout measured: commit, and whether the kernels or the compiler had uncommitted edits."""
    def git(*args):
        r = subprocess.run(["git", *args], capture_output=True, text=True, cwd=str(ROOT))
        return r.stdout.strip() if r.returncode == 0 else None
    dirty = git("status", "--porcelain", "--", "nncodegen", "templates_c")
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted_compiler_edits": bool(dirty)}


def table(res: dict) -> str:
    head = ["model", "technique", "weight bytes", "vs float32", "accuracy", "vs float", "latency us",
            "vs dense", "M4 instr.", "vs dense"]
    out = [head]
    for r in res["rows"]:
        if "error" in r:
            out.append([r["architecture"], r["technique"], "does not compile: " + r["error"][:60]] + [""] * 7)
            continue
        ins = r.get("instructions_cortex_m4")
        out.append([r["architecture"], r["technique"], f"{r['weight_bytes']:,}",
                    f"{r.get('size_ratio_vs_float32', float('nan')):.1f}x",
                    f"{100 * r['accuracy']:.1f} %", f"{r.get('accuracy_points_vs_float32', float('nan')):+.1f}",
                    f"{r['latency_ns'] / 1e3:.1f}", f"{r.get('latency_ratio_vs_float32', float('nan')):.2f}",
                    f"{ins:,}" if ins else "-",
                    f"{r['instructions_ratio_vs_float32']:.2f}" if r.get("instructions_ratio_vs_float32") else "-"])
    w = [max(len(row[i]) for row in out) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(out[0])) + " |",
             "|" + "|".join("-" * (w[i] + 1) + (":" if i >= 2 else "-") for i in range(len(head))) + "|"]
    for row in out[1:]:
        lines.append("| " + " | ".join(c.ljust(w[i]) if i < 2 else c.rjust(w[i]) for i, c in enumerate(row)) + " |")
    return "\n".join(lines)


def main() -> None:
    global EX
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="200 test digits, 200 timed runs")
    ap.add_argument("--runs", type=int, default=None, help="timed inferences per build (default 2000, quick 200)")
    ap.add_argument("--no-icount", action="store_true", help="skip the Cortex-M4 instruction counts")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "table1.json"))
    ap.add_argument("--models", default=str(EX), help="folder of the models (default examples/deep_compression)")
    ap.add_argument("--only", action="append", metavar="TEXT",
                    help="only the rows whose model file contains TEXT (repeatable), with their architecture's "
                         "float32 row")
    a = ap.parse_args()
    EX = Path(a.models)
    if a.only:
        keep = [r for r in ROWS if any(t in r[2] for t in a.only)]
        archs = {r[0] for r in keep}
        ROWS[:] = [r for r in ROWS if r in keep or (r[0] in archs and r[1] == "float32")]
    a.runs = a.runs or (200 if a.quick else 2000)
    res = measure(a)
    print(table(res))
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(res, indent=1, default=lambda o: o.item()))  # numpy scalars
    log(f"wrote {a.json}")


if __name__ == "__main__":
    main()
