"""`nncodegen bench`: host latency of a generated model, per inference and per layer.

A small C driver (templates_c/model/bench.c.j2) is compiled with the model
with the given optimization flags (``opt``: -O2 here, "-O3 -march=native" from
the command line, whose ``--opt`` changes it) and run as its own process; it
reports the median of ``runs`` inferences, each layer's mean time (from a trace
build's per-layer hook) and the SIMD path nnc_simd.h took.  The flags and the
path are part of the result.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
import shlex
from typing import Callable, Dict, Sequence

import jinja2

from ..codegen.sanitize import term
from ..paths import model_templates_dir
from .cbuild import BuildError, cache_root, find_cc
from .cmodel import read_manifest


CLI_OPT = "-O3 -march=native"  # default of `nncodegen bench --opt`


def build_bench(outdir, opt: str = "-O2", cc=None, defines: Sequence[str] = ()) -> Path:
    m = read_manifest(outdir)
    outdir = Path(outdir)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(model_templates_dir())),
                             undefined=jinja2.StrictUndefined)
    src = env.get_template("bench.c.j2").render(name=m["name"], quant=m["quantized"])
    bdir = Path(tempfile.mkdtemp(prefix="bench_", dir=str(_bench_dir())))
    (bdir / "bench.c").write_text(src)
    exe = bdir / "bench"
    cmd = [find_cc(cc), *shlex.split(opt), "-std=c99", "-DNNC_TRACE", *[f"-D{d}" for d in defines],
           f"-I{outdir}", f"-I{outdir / 'runtime'}",
           str(bdir / "bench.c")] + [str(outdir / s) for s in m["sources"]] + ["-o", str(exe), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError(f"building the bench driver failed:\n{r.stderr}")
    return exe


def _bench_dir() -> Path:
    d = cache_root() / "bench"
    d.mkdir(parents=True, exist_ok=True)
    return d


def bench_outdir(outdir, runs: int = 100, progress: Callable[[str], None] = lambda s: None, opt: str = "-O2",
                 defines: Sequence[str] = (), cc=None, repeat: int = 1) -> Dict:
    """Median latency of ``runs`` inferences and mean time per layer, built with ``opt`` (and ``-D`` each of
    ``defines``, e.g. NNC_NO_SIMD for the portable C loops).  With ``repeat`` > 1 the driver runs that many
    times and the fastest repetition (lowest median) is reported, all medians in ``medians_ns``: on a
    shared machine the slower ones measure the neighbours."""
    m = read_manifest(outdir)
    progress(f"building the bench driver for {m['name']} ({opt}{''.join(' -D' + d for d in defines)})")
    exe = build_bench(outdir, opt=opt, cc=cc, defines=defines)
    progress(f"timing {runs} runs" + (f", {repeat} times" if repeat > 1 else ""))
    results = []
    try:
        for _ in range(max(1, repeat)):
            r = subprocess.run([str(exe), str(runs)], capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                raise BuildError(f"bench driver failed: {r.stderr}")
            results.append(json.loads(r.stdout))
    finally:
        shutil.rmtree(exe.parent, ignore_errors=True)
    res = min(results, key=lambda x: x["median_ns"])
    if repeat > 1:
        res["medians_ns"] = [x["median_ns"] for x in results]
    res["name"] = m["name"]
    res["opt"] = " ".join([opt] + [f"-D{d}" for d in defines])
    res["layers"] = [{"name": l["name"], "op": l["op"], "mean_ns": t}
                     for l, t in zip(m["layers"], res.pop("layers_mean_ns"))]
    return res


def format_bench(res: Dict) -> str:
    lines = [f"{res['name']}: median {res['median_ns'] / 1e3:.2f} us per inference "
             f"(min {res['min_ns'] / 1e3:.2f} us, {res['runs']} runs)"]
    if "opt" in res:
        lines.append(f"built with {res['opt']}, SIMD path {res.get('simd_path', '?')}")
    lines.append("")
    total = sum(l["mean_ns"] for l in res["layers"]) or 1.0
    names = [term(l["name"], 60) for l in res["layers"]]  # model strings: one printable line each
    w = max([len(n) for n in names] + [5])
    lines.append(f"{'layer'.ljust(w)}  {'op':<16} {'mean us':>10} {'share':>7}")
    for n, l in zip(names, res["layers"]):
        lines.append(f"{n.ljust(w)}  {l['op']:<16} {l['mean_ns'] / 1e3:>10.2f} {100 * l['mean_ns'] / total:>6.1f}%")
    return "\n".join(lines)
