"""`nncodegen bench`: host latency of a generated model, per inference and per layer.

A small C driver (templates_c/model/bench.c.j2) is compiled with the model
at -O2 and run as its own process; it reports the median of ``runs``
inferences and each layer's mean time (from a trace build's per-layer hook).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Dict

import jinja2

from ..paths import model_templates_dir
from .cbuild import BuildError, cache_root, find_cc
from .cmodel import read_manifest


def build_bench(outdir, opt: str = "-O2", cc=None) -> Path:
    m = read_manifest(outdir)
    outdir = Path(outdir)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(model_templates_dir())),
                             undefined=jinja2.StrictUndefined)
    src = env.get_template("bench.c.j2").render(name=m["name"], quant=m["quantized"])
    bdir = Path(tempfile.mkdtemp(prefix="bench_", dir=str(_bench_dir())))
    (bdir / "bench.c").write_text(src)
    exe = bdir / "bench"
    cmd = [find_cc(cc), opt, "-std=c99", "-DNNC_TRACE", f"-I{outdir}", f"-I{outdir / 'runtime'}",
           str(bdir / "bench.c")] + [str(outdir / s) for s in m["sources"]] + ["-o", str(exe), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError(f"building the bench driver failed:\n{r.stderr}")
    return exe


def _bench_dir() -> Path:
    d = cache_root() / "bench"
    d.mkdir(parents=True, exist_ok=True)
    return d


def bench_outdir(outdir, runs: int = 100, progress: Callable[[str], None] = lambda s: None) -> Dict:
    m = read_manifest(outdir)
    progress(f"building the bench driver for {m['name']}")
    exe = build_bench(outdir)
    progress(f"timing {runs} runs")
    try:
        r = subprocess.run([str(exe), str(runs)], capture_output=True, text=True, timeout=600)
    finally:
        shutil.rmtree(exe.parent, ignore_errors=True)
    if r.returncode != 0:
        raise BuildError(f"bench driver failed: {r.stderr}")
    res = json.loads(r.stdout)
    res["name"] = m["name"]
    res["layers"] = [{"name": l["name"], "op": l["op"], "mean_ns": t}
                     for l, t in zip(m["layers"], res.pop("layers_mean_ns"))]
    return res


def format_bench(res: Dict) -> str:
    lines = [f"{res['name']}: median {res['median_ns'] / 1e3:.2f} us per inference "
             f"(min {res['min_ns'] / 1e3:.2f} us, {res['runs']} runs)", ""]
    total = sum(l["mean_ns"] for l in res["layers"]) or 1.0
    w = max([len(l["name"]) for l in res["layers"]] + [5])
    lines.append(f"{'layer'.ljust(w)}  {'op':<16} {'mean us':>10} {'share':>7}")
    for l in res["layers"]:
        lines.append(f"{l['name'].ljust(w)}  {l['op']:<16} {l['mean_ns'] / 1e3:>10.2f} {100 * l['mean_ns'] / total:>6.1f}%")
    return "\n".join(lines)
