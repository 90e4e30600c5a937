"""The `nncodegen` command: thin; every subcommand calls the Python API.

Exit codes: 0 success, 1 a check failed, 2 bad usage or bad input (with a
one-line cause naming the file, node or field).

This module holds the argument parser and the error handling; the subcommands live in cli_compile.py
(compile) and cli_commands.py (run, verify, report, bench, compress), their shared helpers in cli_common.py.
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from .cli_commands import cmd_bench, cmd_compress, cmd_report, cmd_run, cmd_verify
from .cli_common import EXIT_CHECK, EXIT_INPUT, RUN_TARGET_HELP, UsageError
from .cli_compile import cmd_compile
from .codegen.sanitize import term, term_lines
from .ir.graph import GraphError

# re-exported: the names callers used to find here
from .cli_common import EXIT_OK, load_array, progress  # noqa: F401


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
    c.add_argument("--compress", choices=["auto", "none", "sparse", "codebook", "sparse_codebook", "huffman"],
                   help="weight storage of conv / dense layers (default auto: the smallest of dense, sparse "
                        "(pruned), codebook (shared values) and sparse_codebook (pruned and shared: the nonzeros' "
                        "relative positions and codebook indices) per layer; none: all dense; huffman: auto's "
                        "choice with the sparse_codebook streams stored Huffman-coded, decoded into the arena "
                        "at run time); config keys compress and compress_layers "
                        "{node: dense|sparse|codebook|sparse_codebook|sparse_codebook_huffman|auto}")
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
