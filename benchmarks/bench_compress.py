"""Speed of the sparse kernels against the dense ones, in one build (host, cffi, --opt flags), as the
share of zero weights grows: a fully connected layer (q7 / q15 / int8 (s8) / float32, against the dense kernel
`nncodegen compile` emits for it on x86-64: dense_q7, dense_q15_acc32, dense_pk_s8, dense_f32) and a 3x3
convolution (q7 / s8 / float32, against conv2d_*; float: conv2d_f32's generic path sums per kernel row, the
sparse kernel in plain order, so those outputs differ in the last bits).

Prints a table of median times and dense / sparse speed-ups and writes
benchmarks/results/compress_speed.json.  Ratios come from one run (both kernels timed back to back,
interleaved, --runs times; the speed-up is the ratio of the fastest runs, which a machine shared with
other work disturbs least; the medians are in the JSON too); wall-clock is never asserted in tests.

    python benchmarks/bench_compress.py [--runs 30] [--opt "-O3 -march=native"] [--only dense|conv]
    python benchmarks/bench_compress.py --target cortex-m4 [--size 512]   # instructions under qemu
"""
from __future__ import annotations

import argparse
import json
import platform
import shlex
import time
from pathlib import Path

import numpy as np

from nncodegen.compress import sparse_f32
from nncodegen.compress.storage import encode_sparse, encode_sparse_sliced, sliced_wsum
from nncodegen.ref import kernels_pk_s8 as kpk
from nncodegen.harness.cbuild import build_cffi
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.lower import lower_compress as lc
from nncodegen.lower.params import ActF32, ConvGeom, DenseGeom, Requant, RequantS8, to_cffi
from nncodegen.paths import include_dir, kernels_dir

DENSITIES = (1.0, 0.75, 0.5, 0.25, 0.1, 0.05)
CT = {np.dtype(np.int8): "int8_t", np.dtype(np.int16): "int16_t", np.dtype(np.int32): "int32_t",
      np.dtype(np.uint8): "uint8_t", np.dtype(np.float32): "float"}
# The kernels `nncodegen compile` emits for the layer on an x86-64 target, dense and sparse (the weights below
# keep every int32 accumulator bound, so the int32 variants; K = 1024 > NNC_PKF_K takes dense_f32, whose order
# dense_sparse_sl_f32 then follows with split = K - K % 8).
DENSE_KERNEL = {"q7": "dense_q7", "q15": "dense_q15_acc32", "s8": "dense_pk_s8", "f32": "dense_f32"}
SPARSE_KERNEL = {"q7": "dense_sparse_q7", "q15": "dense_sparse_q15_acc32", "s8": "dense_sparse_s8",
                 "f32": "dense_sparse_sl_f32"}
FORMATS = {"dense": ("q7", "q15", "s8", "f32"), "conv": ("q7", "s8", "f32")}


def build(opt: str):
    kd = kernels_dir()
    stems = [f"{f}_{v}" for f in ("dense", "conv2d") for v in ("q7", "q15", "s8", "f32")]
    stems += [f"{f}_sparse_{v}" for f in ("dense", "conv2d") for v in ("q7", "q15", "s8", "f32")]
    stems += ["dense_sparse_sl_f32", "conv2d_pk_s8", "conv2d_pk_f32"]
    sources = [kd / f"{s}.c" for s in stems]
    headers = [s.with_suffix(".h") for s in sources]
    incs = [include_dir(), kd]
    return build_cffi("bench_compress", sources, cdef_from_headers(headers, incs), include_dirs=incs,
                      header="".join(f'#include "{h.name}"\n' for h in headers), opt=shlex.split(opt)[0],
                      extra_flags=shlex.split(opt)[1:], libraries=["m"])


def aligned(arr: np.ndarray, align: int) -> np.ndarray:
    """A copy of ``arr`` whose data starts at a multiple of ``align`` bytes (``arr`` itself for align 0)."""
    if not align:
        return arr
    arr = np.ascontiguousarray(arr)
    buf = np.empty(arr.nbytes + align, np.uint8)
    off = (-buf.ctypes.data) % align
    out = buf[off:off + arr.nbytes].view(arr.dtype).reshape(arr.shape)
    out[...] = arr
    return out


def median_pair(f_dense, f_sparse, runs: int, inner: int):
    td, ts = [], []
    for _ in range(runs):
        for f, acc in ((f_dense, td), (f_sparse, ts)):
            t0 = time.perf_counter()
            for _ in range(inner):
                f()
            acc.append((time.perf_counter() - t0) / inner)
    return float(np.min(td)), float(np.min(ts)), float(np.median(td)), float(np.median(ts))


def target_counts(target: str, n: int, densities, fmts, out_json: str) -> int:
    """Executed instructions of one n x n fully connected layer, dense vs sparse, on an ARM target under
    qemu (harness/icount.py): a one-Gemm ONNX model pruned to each density, compiled with --compress
    none and sparse (q7, q15, int8 with calibration; f32 as it is)."""
    import tempfile

    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import nncodegen
    from nncodegen.harness.icount import count_on_target
    from nncodegen.passes.compress_weights import compress_weights
    rng = np.random.default_rng(0)
    calib = rng.uniform(-1, 1, (16, n)).astype(np.float32)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for dens in densities:
            w = rng.uniform(-1, 1, (n, n)).astype(np.float32)
            w = np.where(rng.random(w.shape) < dens, w, 0).astype(np.float32)
            graph = helper.make_graph(
                [helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1)], "fc",
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])], [numpy_helper.from_array(w, "w")])
            onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), tmp / "fc.onnx")
            g = nncodegen.load(tmp / "fc.onnx")
            for fmt in fmts:
                scheme = {"q7": "q7", "q15": "q15", "s8": "int8", "f32": None}[fmt]
                gq = g if scheme is None else nncodegen.quantize(g, calib, scheme)
                counts = {}
                for mode in ("none", "sparse"):
                    d = nncodegen.generate(compress_weights(gq, mode), tmp / f"{fmt}_{mode}_{dens}", name="fc",
                                           target=target)
                    res = count_on_target(d, target)
                    counts[mode] = next(l["instructions"] for l in res["layers"] if l["op"] == "dense")
                rows.append({"target": target, "layer": f"dense {n}x{n}", "format": fmt, "density": dens,
                             "dense_instructions": counts["none"], "sparse_instructions": counts["sparse"],
                             "ratio": counts["none"] / counts["sparse"]})
                print(f"{target} dense {n}x{n} {fmt:4s} density {dens:5.2f}  dense {counts['none']:10d} instr  "
                      f"sparse {counts['sparse']:10d} instr  x{counts['none'] / counts['sparse']:6.2f}", flush=True)
    Path(out_json).parent.mkdir(parents=True, exist_ok=True)
    Path(out_json).write_text(json.dumps({"target": target, "rows": rows}, indent=2))
    print(f"wrote {out_json}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--opt", default="-O3 -march=native")
    ap.add_argument("--json", default=str(Path(__file__).resolve().parent / "results" / "compress_speed.json"))
    ap.add_argument("--only", choices=("dense", "conv"), help="time one of the two layers")
    ap.add_argument("--target", help="count instructions on this ARM target under qemu instead (e.g. cortex-m4)")
    ap.add_argument("--size", type=int, default=512, help="--target: the layer's in = out features")
    ap.add_argument("--align", type=int, default=64,
                    help="start every array the kernels read or write at a multiple of this many bytes (both "
                         "kernels alike); 0: where numpy put it, which moves from run to run (the sparse float32 "
                         "kernel's 64-byte value loads cost up to ~10 %% more when split across cache lines)")
    a = ap.parse_args(argv)
    if a.target:
        out = str(Path(__file__).resolve().parent / "results" / f"compress_icount_{a.target}.json")
        return target_counts(a.target, a.size, (1.0, 0.5, 0.25, 0.1), ("q7", "q15", "s8", "f32"), out)
    ffi, lib = build(a.opt)
    keep = []

    def p(arr):
        if a.align and arr.ctypes.data % a.align:
            arr = aligned(arr, a.align)
            keep.append(arr)
        return ffi.from_buffer(CT[arr.dtype] + "[]", arr)

    s = lambda obj: to_cffi(ffi, obj, keep)  # noqa: E731
    rng = np.random.default_rng(0)
    layers = {
        "dense 1024x1024": (DenseGeom(1, 1024, 1024), None),
        "conv 3x3 32->32 on 16x16": (ConvGeom(1, 16, 16, 32, 16, 16, 32, 3, 3, 1, 1, 1, 1), None),
    }
    rows = []
    for lname, (g, _) in layers.items():
        if a.only and not lname.startswith(a.only):
            continue
        conv = isinstance(g, ConvGeom)
        out_c = g.out_c if conv else g.out_features
        kk = g.k_h * g.k_w * g.in_c if conv else g.in_features
        xshape = (1, g.in_h, g.in_w, g.in_c) if conv else (1, g.in_features)
        yshape = (1, g.out_h, g.out_w, g.out_c) if conv else (1, g.out_features)
        for fmt in FORMATS["conv" if conv else "dense"]:
            dt = {"q7": np.int8, "q15": np.int16, "s8": np.int8, "f32": np.float32}[fmt]
            x = (rng.standard_normal(xshape).astype(np.float32) if fmt == "f32"
                 else rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1, size=xshape).astype(dt))
            w_full = (rng.standard_normal((out_c, kk)).astype(np.float32) if fmt == "f32"
                      else rng.integers(-2, 3, size=(out_c, kk)).astype(dt))
            w_full[w_full == 0] = 1
            b = (np.zeros(out_c, np.float32) if fmt == "f32" else np.zeros(out_c, np.int32))
            if fmt in ("q7", "q15"):
                rqo = Requant(tuple([8] * out_c), int(np.iinfo(dt).min), int(np.iinfo(dt).max))
            elif fmt == "s8":
                rqo = RequantS8(tuple([1 << 30] * out_c), tuple([-8] * out_c), 3, 0, -128, 127, 0)
            else:
                rqo = ActF32()
            epi = s(rqo)
            y = aligned(np.zeros(yshape, dt), a.align)   # written by both kernels: aligned here, not copied by p
            scratch = np.zeros(max(1, lc.conv_scratch_bytes(g, 4)), np.float32).view(dt) if conv else None
            split = kk - kk % 8
            for dens in DENSITIES:
                w = np.where(rng.random(w_full.shape) < dens, w_full, 0).astype(dt)
                gs = s(g)
                if conv:
                    dname = f"conv2d_{fmt}"
                    dense_fn, sparse_fn = getattr(lib, dname), getattr(lib, f"conv2d_sparse_{fmt}")
                    enc = encode_sparse(w)
                    args_d = [gs, epi, p(x), p(w), p(b), p(y)]
                    extra = ([lc.f32_seq_channels(g)] if fmt == "f32" else []) + [p(scratch)]
                    args_s = [gs, epi, p(x)] + [p(a) for a in enc] + [p(b)] + extra + [p(y)]
                else:
                    dname = DENSE_KERNEL[fmt]
                    dense_fn, sparse_fn = getattr(lib, dname), getattr(lib, SPARSE_KERNEL[fmt])
                    if fmt == "s8":
                        wpk = kpk.pack_pk_s8(w).astype(np.int8)
                        bu = kpk.pk_bias_s8(w, b, rqo.input_offset).astype(np.int32)
                        keep.extend([wpk, bu])
                        args_d = [gs, epi, p(x), p(wpk), p(bu), p(y)]
                    else:
                        args_d = [gs, epi, p(x), p(w), p(b), p(y)]
                    if fmt == "f32":
                        enc = sparse_f32.encode(w, split)   # steps, index, values, rows
                        xt = np.zeros(max(1, sparse_f32.scratch_floats(split)), np.float32)
                        keep.append(xt)
                        args_s = [gs, epi, p(x)] + [p(a) for a in enc] + [p(b), split, p(xt), p(y)]
                    else:
                        enc = list(encode_sparse_sliced(w)) + [sliced_wsum(w)]
                        args_s = [gs, epi, p(x)] + [p(a) for a in enc] + [p(b), p(y)]
                keep.extend(enc)
                dense_fn(*args_d)
                y_d = y.copy()
                sparse_fn(*args_s)
                same = bool(np.array_equal(y, y_d))
                inner = 20 if conv else 50
                td, ts, md, ms = median_pair(lambda: dense_fn(*args_d), lambda: sparse_fn(*args_s), a.runs, inner)
                rows.append({"layer": lname, "format": fmt, "density": dens,
                             "dense_kernel": dname,
                             "dense_us": td * 1e6,
                             "sparse_us": ts * 1e6, "speedup": td / ts, "dense_us_median": md * 1e6,
                             "sparse_us_median": ms * 1e6, "speedup_median": md / ms, "outputs_equal": same})
                print(f"{lname:26s} {fmt:4s} density {dens:5.2f}  dense {td * 1e6:9.1f} us  sparse {ts * 1e6:9.1f} us"
                      f"  x{td / ts:6.2f}  {'equal' if same else 'DIFFERENT'}", flush=True)
    res = {"opt": a.opt, "machine": platform.machine(), "processor": platform.processor(), "runs": a.runs,
           "align": a.align, "rows": rows}
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(res, indent=2))
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
