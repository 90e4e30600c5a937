"""The `nncodegen` command: thin; every subcommand calls the Python API.

Exit codes: 0 success, 1 a check failed, 2 bad usage or bad input (with a
one-line cause naming the file, node or field).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np

from .codegen.sanitize import term, term_lines
from .ir.graph import GraphError

EXIT_OK, EXIT_CHECK, EXIT_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad input named by the message; exit code 2."""


def progress(msg: str) -> None:
    """A status line on stderr; model strings in it (node names...) cannot send terminal escapes."""
    print(f"nncodegen: {term(msg)}", file=sys.stderr, flush=True)


def load_array(path: str, what: str) -> np.ndarray:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} file {path}: no such file")
    try:
        if p.suffix == ".npz":
            z = np.load(p)
            if not z.files:
                raise UsageError(f"{what} file {path}: empty .npz")
            return z[z.files[0]]
        return np.load(p, allow_pickle=False)
    except UsageError:
        raise
    except Exception as e:  # numpy raises several kinds for bad files
        raise UsageError(f"{what} file {path}: not a readable .npy/.npz ({type(e).__name__}: {e})") from None


# ---------------------------------------------------------------- compile
def cmd_compile(a) -> int:
    cfg = {}
    if a.config:
        try:
            cfg = json.loads(Path(a.config).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise UsageError(f"config file {a.config}: {e}") from None
        if not isinstance(cfg, dict):
            raise UsageError(f"config file {a.config}: a JSON object is expected")
    limits = cfg.get("limits", {})
    if not isinstance(limits, dict):
        raise UsageError(f"config file {a.config}: limits must be an object (e.g. {{\"max_tensor_elements\": 268435456}})")
    from .ir.limits import use_limits
    with use_limits(**limits):
        return _compile(a, cfg)


def _compile(a, cfg) -> int:
    from . import api
    quant = a.quantize or cfg.get("quantize", "none")
    rounding = a.rounding or cfg.get("rounding")
    target = a.target or cfg.get("target", "generic")
    calib_path = a.calib or cfg.get("calib")
    name = a.name or cfg.get("name") or Path(a.model).stem
    from .codegen.targets import target_info
    target_info(target)
    if quant not in ("none", "q7", "q15", "int8"):
        raise UsageError(f"--quantize {quant}: choose none, q7, q15 or int8")
    if rounding not in (None, "double", "single", "onnxruntime"):
        raise UsageError(f"rounding {rounding!r}: choose double, single or onnxruntime")
    calib = frames = None
    cam = _camera_options(a, cfg)
    if quant in ("q7", "q15", "int8") and calib_path:
        calib = load_array(calib_path, "calibration")
        if cam and calib.dtype == np.uint8:  # camera frames as calibration data: normalized first
            from .lower.lower_camera import normalize_frames
            frames = calib
            calib = normalize_frames(calib, *_camera_channels(cam, calib.shape[-1]))
    progress(f"loading {a.model}")
    g = api.load(a.model)
    if quant in ("q7", "q15", "int8") and not g.is_quantized and calib is None:
        raise UsageError(f"--quantize {quant} needs calibration data: pass --calib FILE (.npy/.npz, float (N,H,W,C))")
    if g.is_quantized and quant not in ("none",) and calib is not None:
        progress(f"{a.model} is already quantized: keeping its own formats (--quantize {quant} ignored)")
    if calib is not None and not g.is_quantized:
        from .harness.cmodel import check_input_array
        calib = check_input_array(calib, list(g.tensors[g.inputs[0]].shape), f"calibration file {calib_path}")
        progress(f"quantizing to {quant} with {len(calib)} calibration samples")
        g.meta["compress"] = a.compress or cfg.get("compress", "auto")  # shared weights keep one frac per tensor
        g = api.quantize(g, calib, quant, **({"rounding": rounding} if rounding else {}))
    elif rounding and g.meta.get("quantization", {}).get("scheme") == "int8":
        from .frontends.onnx_qdq import set_int8_rounding
        set_int8_rounding(g, rounding)
    float_layers = g.meta.get("quantization", {}).get("float_layers") or []
    if float_layers and cfg.get("float_layers", "allow") == "error":
        raise UsageError(f"node {float_layers[0]} would run in float, and the config says float_layers: error")
    for f in float_layers:
        progress(f"runs in float: {f}")
    sample = None
    if calib is not None:
        tin = g.tensors[g.inputs[0]]
        sample = tin.fmt.quantize(calib[0]) if g.is_quantized else calib[0]
    if cam:
        from .passes.camera_input import add_camera_input
        tin = g.tensors[g.inputs[0]]
        progress(f"camera input: {cam['input_format']} frames, normalized as (q/255 - mean)/std into {tin.fmt}")
        g = add_camera_input(g, cam["input_format"], cam["mean"], cam["std"])
        if calib is not None:  # the first calibration sample as a frame, for main.c
            fmt = g.tensors[g.inputs[0]].fmt
            sample = frames[0] if frames is not None else fmt.quantize(
                (np.asarray(calib[0], np.float64) * np.asarray(fmt.std) + np.asarray(fmt.mean)) * 255.0)
    compress = a.compress or cfg.get("compress", "auto")
    from .passes.compress_weights import MODES, compress_weights
    if compress not in MODES:
        raise UsageError(f"--compress {compress}: choose {', '.join(MODES)}")
    g = compress_weights(g, compress, cfg.get("compress_layers"))
    progress(f"generating C for target {target} into {a.output}")
    out = api.generate(g, a.output, name=name, target=target, source=Path(a.model).name, sample=sample)
    rep = json.loads((out / "report.json").read_text())
    from .codegen.report import summary_lines
    for line in summary_lines(rep):
        print(term(line))
    name = json.loads((out / "nncodegen.json").read_text())["name"]  # the C identifier made from it
    print(term(f"wrote {out}/{name}.c, {name}.h, runtime/, CMakeLists.txt, report.json, report.md"))
    return EXIT_OK


def _camera_options(a, cfg) -> Optional[dict]:
    """--input-format / --mean / --std (or the config keys input_format, mean, std), or None."""
    fmt = a.input_format or cfg.get("input_format")
    mean = a.mean if a.mean is not None else cfg.get("mean")
    std = a.std if a.std is not None else cfg.get("std")
    if fmt in (None, "float"):
        if mean is not None or std is not None:
            raise UsageError("--mean / --std need --input-format uint8-hwc or uint8-gray")
        return None
    if fmt not in ("uint8-hwc", "uint8-gray"):
        raise UsageError(f"input format {fmt!r}: choose float, uint8-hwc or uint8-gray")
    def nums(v, what, default):
        v = default if v is None else v
        v = v if isinstance(v, list) else [v]
        try:
            return [float(x) for x in v]
        except (TypeError, ValueError):
            raise UsageError(f"{what} {v!r}: give numbers") from None
    return {"input_format": fmt, "mean": nums(mean, "mean", [0.0]), "std": nums(std, "std", [1.0])}


def _camera_channels(cam, channels: int):
    from .passes.camera_input import channel_values
    return channel_values(cam["mean"], channels, "mean"), channel_values(cam["std"], channels, "std")


# ---------------------------------------------------------------- run
RUN_TARGET_HELP = "host (default), aarch64-linux, armv7-linux, cortex-m4, cortex-m4-softfloat, cortex-m7"


def _check_target(target: Optional[str]) -> str:
    """'host' or a cross run target (harness/cross.py); a missing toolchain is bad input (exit 2)."""
    if target in (None, "host"):
        return "host"
    from .harness.cross import require_tools
    require_tools(target)  # unknown target or missing tools: GraphError naming the Debian packages
    return target


def cmd_run(a) -> int:
    from .harness.cmodel import CModel
    target = _check_target(a.target)
    x = load_array(a.inputs, "input")
    progress(f"building {a.outdir}")
    cm = CModel(a.outdir)
    if target == "host":
        y = cm.run(x)
    else:
        from .harness.cross import build_program, run_built
        progress(f"cross-compiling for {target}")
        b = build_program(a.outdir, target)
        progress(f"running on {target} (SIMD path {b.simd_path})")
        yr = run_built(b, a.outdir, cm.quantize_input(x))
        y = cm.out_fmt.dequantize(yr) if cm.quantized else yr.astype(np.float32)
    np.save(a.output, y)
    progress(f"wrote {a.output} {y.shape}")
    return EXIT_OK


# ---------------------------------------------------------------- verify
def cmd_verify(a) -> int:
    from .harness.verify import verify
    target = _check_target(a.target)
    x = load_array(a.inputs, "input")
    labels = load_array(a.labels, "labels") if a.labels else None
    res = verify(a.outdir, x, labels, progress=progress, target=target)
    print(term_lines(res.table()))
    out = res.to_json()
    lm = None
    if a.layer_samples != 0:  # per-layer figures (harness/layer_metrics.py), from the host trace build
        from .harness.layer_metrics import layer_table, verify_layers
        lm = verify_layers(a.outdir, x, a.layer_samples if a.layer_samples > 0 else len(x), progress)
        out.update({k: v for k, v in lm.items() if not k.startswith("_")})
        print()
        print(term_lines(f"per layer, C vs float reference ({lm['per_layer_samples']} samples):"))
        print(term_lines(layer_table(lm["layers"])))
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2))
    if a.html:
        if lm is None:
            raise UsageError("--html needs the per-layer trace: drop --layer-samples 0")
        from .harness.html_report import write_verify_html
        progress(f"drawing {a.html}")
        write_verify_html(a.html, a.outdir, out, lm, labels)
        progress(f"wrote {a.html}")
    return EXIT_OK if res.passed else EXIT_CHECK


# ---------------------------------------------------------------- report
def cmd_report(a) -> int:
    from .codegen.report import report_table, summary_lines
    p = Path(a.model)
    if p.is_dir():
        rp = p / "report.json"
        if not rp.exists():
            raise UsageError(f"{p}: no report.json (not an nncodegen output directory)")
        rep = json.loads(rp.read_text())
    else:
        from . import api
        from .codegen.report import build_report
        from .lower.lower import lower
        g = api.load(str(p))
        rep = build_report(g, lower(g))
    if a.target:
        from .harness.cross import require_tools, run_target
        if not p.is_dir():
            raise UsageError(f"report --target {a.target}: give a compiled output directory, not {p}")
        if run_target(a.target).kind != "baremetal":
            raise UsageError(f"report --target {a.target}: flash and RAM are measured on Cortex-M targets "
                             "(cortex-m4, cortex-m4-softfloat, cortex-m7)")
        require_tools(a.target)
    for line in summary_lines(rep):
        print(term(line))
    print(term_lines(report_table(rep)))
    if rep.get("compression_totals", {}).get("compressed_layers"):
        from .compress.accounting import compression_table
        print()
        print(term_lines(compression_table(rep)))
    if a.target:
        from .harness.target_size import format_size, measure_target_size
        progress(f"building a bare-metal image of the model for {a.target}")
        size = measure_target_size(p, a.target)
        print()
        print(format_size(size))
        rep = dict(rep, target_size=size)
    if a.json:
        Path(a.json).write_text(json.dumps(rep, indent=2))
    if a.html:
        from .harness.html_report import write_report_html
        if p.is_dir():
            from .ir.serialize import load_graph
            g = load_graph(p / "model.nnc")
        progress(f"drawing {a.html}")
        write_report_html(a.html, rep, g)
        progress(f"wrote {a.html}")
    return EXIT_OK


# ---------------------------------------------------------------- bench
def cmd_bench(a) -> int:
    if a.target:
        from .harness.cmodel import read_manifest
        from .harness.icount import count_on_host, count_on_target, format_counts
        read_manifest(a.outdir)
        target = _check_target(a.target)
        res = count_on_host(a.outdir, progress) if target == "host" else count_on_target(a.outdir, target, progress)
        print(term_lines(format_counts(res)))
    else:
        from .harness.bench import bench_outdir, format_bench
        res = bench_outdir(a.outdir, runs=a.runs, progress=progress, opt=a.opt)
        print(term_lines(format_bench(res)))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2))
    return EXIT_OK


# ---------------------------------------------------------------- compress
def cmd_compress(a) -> int:
    import onnx
    from .compress.tools import accuracy, compress_onnx, format_stats
    if not a.model.endswith(".onnx"):
        raise UsageError(f"{a.model}: compress takes a float .onnx model")
    if not a.output.endswith(".onnx"):
        raise UsageError(f"-o {a.output}: give a .onnx file to write")
    if (a.labels is None) != (a.inputs is None):
        raise UsageError("--inputs and --labels go together (accuracy before / after)")
    if a.calib and not a.inputs:
        raise UsageError("--calib needs --inputs and --labels (it quantizes both models to compare their accuracy)")
    x = load_array(a.inputs, "input") if a.inputs else None
    labels = load_array(a.labels, "labels") if a.labels else None
    calib = load_array(a.calib, "calibration") if a.calib else None
    if not Path(a.model).exists():
        raise UsageError(f"{a.model}: no such file")
    try:
        model = onnx.load(a.model)
    except Exception as e:  # noqa: BLE001 -- protobuf raises several kinds
        raise UsageError(f"{a.model}: not a readable ONNX model ({type(e).__name__})") from None
    res = compress_onnx(model, prune=a.prune, structured=a.structured, share=a.share, init=a.share_init,
                        seed=a.seed, path=a.model)
    print(term_lines(format_stats(res)))
    Path(a.output).parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, a.output)
    progress(f"wrote {a.output}")
    if x is not None:
        schemes = ["none"] + ([a.quantize] if calib is not None else [])
        for scheme in schemes:
            what = "float reference" if scheme == "none" else f"{scheme} simulator"
            progress(f"accuracy on {len(x)} inputs ({what})")
            before = accuracy(a.model, x, labels, scheme, calib)
            after = accuracy(a.output, x, labels, scheme, calib)
            print(term(f"accuracy ({what}): before {100 * before:.2f} %, after {100 * after:.2f} % "
                       f"({100 * (after - before):+.2f} points)"))
    return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nncodegen", description="Compile trained, compressed neural networks to "
                                "portable C99 and verify the C bit-exactly against a numpy simulator.")
    from .version import __version__
    p.add_argument("--version", action="version", version=f"nncodegen {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compile", help="model -> C project")
    c.add_argument("model", help=".onnx or .nnc model")
    c.add_argument("-o", "--output", required=True, help="output directory")
    c.add_argument("--name", help="C name of the model (default: the file's stem)")
    c.add_argument("--quantize", choices=["none", "q7", "q15", "int8"], help="number format (default none)")
    c.add_argument("--calib", help=".npy/.npz float inputs (N,H,W,C) that choose the Q formats")
    c.add_argument("--rounding", choices=["double", "single", "onnxruntime"],
                   help="int8 requantization: TFLite's double rounding (default for --quantize int8), single "
                        "rounding (the exact QDQ semantics), or onnxruntime (its CPU kernels' integers, done in "
                        "integer arithmetic; default for QDQ/QOperator ONNX models)")
    c.add_argument("--target", help="generic, x86-64, x86-64-v3, cortex-m4, cortex-m7, cortex-a53, cortex-a72, armv7-a")
    c.add_argument("--config", help="JSON file with any of: name, quantize, calib, target, rounding, "
                   "float_layers (allow|error: may an int8 model run a layer in float), input_format, mean, std, "
                        "limits (size limits for untrusted models: max_tensor_elements, max_dim, max_rank, max_nodes, "
                        "max_weight_bytes)")
    c.add_argument("--compress", choices=["auto", "none", "sparse", "codebook", "sparse_codebook"],
                   help="weight storage of conv / dense layers (default auto: the smallest of dense, sparse "
                        "(pruned), codebook (shared values) and sparse_codebook (pruned and shared: the nonzeros' "
                        "relative positions and codebook indices) per layer; none: all dense); config keys "
                        "compress and compress_layers {node: dense|sparse|codebook|sparse_codebook|auto}")
    c.add_argument("--input-format", choices=["float", "uint8-hwc", "uint8-gray"],
                   help="uint8-hwc / uint8-gray: NAME_run takes the camera frame (uint8, NHWC) as it is and "
                   "normalizes it, (q/255 - mean)/std per channel, into the model's input format (default float)")
    c.add_argument("--mean", type=float, nargs="+", metavar="M", help="per-channel mean of the normalization "
                   "(one value, or one per channel; default 0)")
    c.add_argument("--std", type=float, nargs="+", metavar="S", help="per-channel std of the normalization "
                   "(one value, or one per channel; default 1)")
    c.set_defaults(fn=cmd_compile)
    r = sub.add_parser("run", help="run the generated C on inputs")
    r.add_argument("outdir")
    r.add_argument("--inputs", required=True, help=".npy float32 (N,H,W,C) or (N,features)")
    r.add_argument("-o", "--output", required=True, help=".npy to write (float32, dequantized)")
    r.add_argument("--target", default="host", help=RUN_TARGET_HELP + " (ARM targets run under qemu)")
    r.set_defaults(fn=cmd_run)
    v = sub.add_parser("verify", help="C vs bit-exact simulator vs float reference")
    v.add_argument("outdir")
    v.add_argument("--inputs", required=True)
    v.add_argument("--labels", help=".npy of integer class labels, for accuracy")
    v.add_argument("--target", default="host", help=RUN_TARGET_HELP + " (ARM targets run under qemu and "
                   "are compared with the simulator and the host build)")
    v.add_argument("--json", help="write the result as JSON")
    v.add_argument("--html", help="write a self-contained HTML page: summary, per-layer errors, precision "
                   "profile, histograms, confusion matrix, memory plan")
    v.add_argument("--layer-samples", type=int, default=1000, metavar="N",
                   help="samples the per-layer comparison runs through the trace build (default %(default)s; "
                   "-1 all, 0 none)")
    v.set_defaults(fn=cmd_verify)
    rp = sub.add_parser("report", help="per-layer formats, sizes, MACs, memory")
    rp.add_argument("model", help="a model file or an output directory")
    rp.add_argument("--json")
    rp.add_argument("--html", help="write a self-contained HTML page: formats, weights against their formats' "
                    "ranges, precision profile, memory plan")
    rp.add_argument("--target", help="cortex-m4, cortex-m4-softfloat or cortex-m7: also build the model into a "
                    "bare-metal image and show flash and RAM measured from the ELF beside the prediction")
    rp.set_defaults(fn=cmd_report)
    b = sub.add_parser("bench", help="host latency per inference and per layer; with --target, executed "
                       "instructions per inference and per layer")
    b.add_argument("outdir")
    b.add_argument("--runs", type=int, default=100)
    b.add_argument("--opt", default="-O3 -march=native",
                   help="compiler flags of the timing build (default: %(default)s; e.g. -O2 for the generated "
                        "project's own flags, add -DNNC_NO_SIMD for the portable C loops); reported in the JSON")
    b.add_argument("--target", help="count executed instructions instead of timing: host (callgrind / perf), "
                   "aarch64-linux, armv7-linux, cortex-m4, cortex-m4-softfloat, cortex-m7 (qemu + the project's "
                   "TCG plugin)")
    b.add_argument("--json")
    b.set_defaults(fn=cmd_bench)
    cp = sub.add_parser("compress", help="prune and / or share the weights of a float ONNX model (writes float ONNX "
                        "whose zeros and shared values the compiler then finds)")
    cp.add_argument("model", help="float .onnx model")
    cp.add_argument("-o", "--output", required=True, help=".onnx file to write")
    cp.add_argument("--prune", type=float, metavar="FRAC", help="fraction in [0, 1) of every layer's weights set to "
                    "0, smallest magnitudes first (exact count per layer)")
    cp.add_argument("--structured", action="store_true", help="with --prune: remove that fraction of every layer's "
                    "output filters / neurons instead, smallest L1 norm first (weights, bias and a following batch "
                    "norm's channel set to 0); the last layers (the model's outputs) are kept")
    cp.add_argument("--share", type=int, metavar="K", help="weight sharing: per layer, k-means over the nonzero "
                    "weights, each replaced by its centroid (at most K distinct values per layer, 0 included)")
    cp.add_argument("--share-init", choices=["linear", "kmeans++"], default="linear",
                    help="k-means initialization (default linear, as Deep Compression)")
    cp.add_argument("--seed", type=int, default=0, help="seed of the kmeans++ initialization (default 0)")
    cp.add_argument("--inputs", help=".npy float inputs (N,H,W,C): print top-1 accuracy before and after")
    cp.add_argument("--labels", help=".npy integer labels of --inputs")
    cp.add_argument("--calib", help=".npy float calibration inputs: also compare the accuracy of both models "
                    "quantized (--quantize), through the bit-exact simulator")
    cp.add_argument("--quantize", choices=["q7", "q15", "int8"], default="q7",
                    help="number format of the --calib comparison (default q7)")
    cp.set_defaults(fn=cmd_compress)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    parser = make_parser()
    a = parser.parse_args(argv)
    try:
        return a.fn(a)
    except (UsageError, GraphError) as e:
        print(f"nncodegen {a.cmd}: error: {term(e, 2000)}", file=sys.stderr)
        return EXIT_INPUT
    except FileNotFoundError as e:
        print(f"nncodegen {a.cmd}: error: {term(e, 2000)}", file=sys.stderr)
        return EXIT_INPUT
    except RuntimeError as e:  # BuildError, CrossRunError: the C did not build or run
        from .harness.cbuild import BuildError
        from .harness.cross import CrossRunError
        if not isinstance(e, (BuildError, CrossRunError)):
            return _internal_error(a, e)
        print(f"nncodegen {a.cmd}: error: {term_lines(e)}", file=sys.stderr)
        return EXIT_CHECK
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 -- the last resort: one line, never a traceback
        return _internal_error(a, e)


def _internal_error(a, e: BaseException) -> int:
    """A bug in nncodegen (no check caught the input that triggered it): one line, exit 2;
    NNCODEGEN_DEBUG=1 shows the traceback."""
    import os
    if os.environ.get("NNCODEGEN_DEBUG"):
        raise e
    print(f"nncodegen {a.cmd}: internal error: {type(e).__name__}: {term(e, 300)} "
          f"(set NNCODEGEN_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
    return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
