"""`nncodegen run / verify / report / bench / compress`: each calls the Python API."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .cli_common import EXIT_CHECK, EXIT_OK, UsageError, _check_target, load_array, progress
from .codegen.sanitize import term, term_lines


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
