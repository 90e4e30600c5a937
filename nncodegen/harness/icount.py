"""`nncodegen bench --target T`: executed instructions per inference and per layer.

Wall time under emulation says little about a real core; instruction counts are repeatable to
the instruction.  One driver (templates_c/targets/count_main.c.j2, built with -DNNC_TRACE) calls
an empty function ``nnc_mark`` around one inference and after every layer (through the trace
hook); a counting tool records the running instruction count each time ``nnc_mark`` starts:

* ARM targets: the project's own QEMU TCG plugin (templates_c/targets/qemu/nnc_icount.c, built
  with the host gcc on first use) under qemu-aarch64 / qemu-arm / qemu-system-arm, with ``-cpu``
  of the oldest core targeted;
* the host (x86): ``valgrind --tool=callgrind --dump-before=nnc_mark`` (one dump per mark) for
  the per-layer split; ``perf stat -e instructions:u`` for the total where the kernel allows it.

Per-layer figures have the trace hook's own cost taken out: that cost, (sum of the traced
layers - one untraced inference) / layers, is reported as ``hook_overhead``.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ..codegen.sanitize import term
from ..ir.graph import GraphError
from ..paths import targets_dir
from .cbuild import STRICT_FLAGS, BuildError, cache_root, find_cc
from .cmodel import read_manifest
from .cross import CrossBuild, CrossRunError, build_program, render_driver, require_tools


def _work(sub: str) -> Path:
    d = cache_root() / sub
    d.mkdir(parents=True, exist_ok=True)
    return d


def qemu_plugin_api_version(qemu: str) -> int:
    """The plugin API version to declare for this qemu (1 for QEMU 4.2 .. 8.x, 2 from 9.0)."""
    try:
        out = subprocess.run([qemu, "--version"], capture_output=True, text=True, timeout=30).stdout
        major = int(re.search(r"version (\d+)\.", out).group(1))
    except (OSError, subprocess.SubprocessError, AttributeError, ValueError):
        return 1
    return 1 if major < 9 else 2


def build_plugin(qemu: str, cc: Optional[str] = None) -> Path:
    """The nnc_icount plugin as a shared object, built with the host compiler (cached)."""
    src = targets_dir() / "qemu" / "nnc_icount.c"
    ver = qemu_plugin_api_version(qemu)
    cc = find_cc(cc)
    key = hashlib.sha256(src.read_bytes() + f"{cc} {ver}".encode()).hexdigest()[:16]
    so = _work("qemu-plugin") / f"nnc_icount-{key}.so"
    if not so.exists():
        tmp = so.with_suffix(".tmp.so")
        r = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror",
                            f"-DNNC_QEMU_PLUGIN_VERSION={ver}", str(src), "-o", str(tmp)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BuildError(f"building the QEMU plugin failed:\n{r.stderr}")
        tmp.replace(so)
    return so


def _symbol_address(build: CrossBuild, symbol: str) -> int:
    nm = build.config.tool("nm")
    r = subprocess.run([nm, str(build.exe)], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == symbol and parts[1] in "Tt":
            return int(parts[0], 16)
    raise BuildError(f"{build.exe}: no symbol {symbol} ({nm} output: {r.stderr.strip() or 'nothing'})")


def analyse_marks(marks: Sequence[int], layers: List[Dict]) -> Dict:
    """Per-inference and per-layer counts from the mark sequence of count_main.c.j2."""
    n_layers = len(layers)
    if len(marks) < n_layers + 5:
        raise CrossRunError(f"expected {n_layers + 5} marks from the count driver, got {len(marks)}")
    total = marks[1] - marks[0]
    raw = [marks[3 + i] - marks[2 + i] for i in range(n_layers)]
    overhead = (sum(raw) - total) / n_layers if n_layers else 0.0
    hook = int(round(overhead))
    return {
        "instructions_per_inference": int(total),
        "hook_overhead": hook,
        "marker_cost": int(marks[4 + n_layers] - marks[3 + n_layers]),
        "layers": [{"name": l["name"], "op": l["op"], "instructions": int(r - hook)} for l, r in zip(layers, raw)],
    }


def count_on_target(outdir, target: str, progress=lambda s: None, defines=()) -> Dict:
    """Executed instructions per inference and per layer on an ARM target, under qemu
    (``defines``: extra -D macros, e.g. NNC_NO_SIMD for the portable path)."""
    m = read_manifest(outdir)
    cfg = require_tools(target)
    plugin = build_plugin(cfg.qemu[0])
    src = render_driver("count_main.c.j2", outdir, baremetal=cfg.target.kind == "baremetal")
    progress(f"cross-compiling the count driver for {target}")
    b = build_program(outdir, target, sources=[src], defines=["NNC_TRACE", *defines], label="count",
                      semihosted_main=False)
    marker = _symbol_address(b, "nnc_mark")
    with tempfile.TemporaryDirectory(prefix=f"{target}.count.", dir=str(_work("cross"))) as d:
        d = Path(d)
        progress(f"counting instructions under {cfg.qemu[0]} with the nnc_icount plugin")
        r = b.execute([], d, 600.0, extra_qemu=["-plugin", f"{plugin},marker={marker:#x},out=counts.txt"])
        if r.returncode != 0:
            raise CrossRunError(f"{target}: the count driver exited with status {r.returncode}: "
                                f"{(r.stderr or b'').decode(errors='replace').strip()[-1000:]}")
        text = (d / "counts.txt").read_text() if (d / "counts.txt").exists() else ""
    marks = [int(x) for x in text.split() if x.isdigit()]
    res = analyse_marks(marks, m["layers"])
    res.update({"name": m["name"], "target": target, "tool": "qemu TCG plugin nnc_icount",
                "emulator": " ".join(b.config.qemu), "cc": b.config.cc, "flags": b.config.cflags,
                "simd_path": b.simd_path})
    return res


# ---------------------------------------------------------------- host
def _build_host_driver(outdir) -> Path:
    m = read_manifest(outdir)
    outdir = Path(outdir)
    src = render_driver("count_main.c.j2", outdir, baremetal=False)
    cc = find_cc()
    srcs = [src] + [outdir / s for s in m["sources"]]
    key = hashlib.sha256(b"".join(Path(s).read_bytes() for s in srcs) + cc.encode()).hexdigest()[:16]
    exe = _work("icount") / f"{m['name']}-{key}"
    if not exe.exists():
        r = subprocess.run([cc, "-O2", *STRICT_FLAGS, "-g", "-DNNC_TRACE", f"-I{outdir}", f"-I{outdir / 'runtime'}",
                            *map(str, srcs), "-o", str(exe), "-lm"], capture_output=True, text=True)
        if r.returncode != 0:
            raise BuildError(f"building the count driver failed:\n{r.stderr}")
    return exe


def perf_instructions_supported() -> bool:
    if not shutil.which("perf"):
        return False
    r = subprocess.run(["perf", "stat", "-x,", "-e", "instructions:u", "true"], capture_output=True, text=True)
    first = (r.stderr.strip().splitlines() or [""])[-1].split(",")[0]
    return r.returncode == 0 and first.isdigit()


def _callgrind_marks(exe: Path) -> List[int]:
    with tempfile.TemporaryDirectory(prefix="callgrind.", dir=str(_work("icount"))) as d:
        d = Path(d)
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={d / 'cg.out'}",
                            "--dump-before=nnc_mark", str(exe)], capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise CrossRunError(f"callgrind failed: {r.stderr.strip()[-1000:]}")
        dumps = sorted(d.glob("cg.out.*"), key=lambda p: int(p.suffix[1:]))
        costs = []
        for p in dumps:
            mt = re.search(r"^(?:totals|summary):\s*(\d+)", p.read_text(), re.M)
            costs.append(int(mt.group(1)) if mt else 0)
    # dump k (1-based) holds the instructions executed before the k-th mark since the previous one
    marks, acc = [], 0
    for c in costs:
        acc += c
        marks.append(acc)
    return marks


def count_on_host(outdir, progress=lambda s: None) -> Dict:
    """Executed instructions on the host: callgrind per layer, perf for the total when allowed."""
    m = read_manifest(outdir)
    exe = _build_host_driver(outdir)
    res: Dict = {"name": m["name"], "target": "host"}
    if shutil.which("valgrind"):
        progress("counting instructions with valgrind --tool=callgrind")
        res.update(analyse_marks(_callgrind_marks(exe), m["layers"]))
        res["tool"] = "valgrind --tool=callgrind"
    if perf_instructions_supported():
        progress("counting instructions with perf stat -e instructions:u")
        res["perf_instructions_per_inference"] = _perf_per_inference(exe)
        res.setdefault("instructions_per_inference", res["perf_instructions_per_inference"])
        res["tool"] = (res.get("tool", "") + ("; " if "tool" in res else "") + "perf stat -e instructions:u")
    if "tool" not in res:
        raise GraphError("bench --target host: counting instructions needs valgrind (Debian package 'valgrind') "
                         "or a kernel that lets perf count instructions:u")
    return res


def _perf_per_inference(exe: Path, runs: int = 20) -> int:
    def count(n: int) -> int:
        r = subprocess.run(["perf", "stat", "-x,", "-e", "instructions:u", str(exe), str(n)], capture_output=True,
                           text=True)
        return int(r.stderr.strip().splitlines()[-1].split(",")[0])
    return int(round((count(runs) - count(0)) / runs))


def format_counts(res: Dict) -> str:
    lines = [f"{res['name']} on {res['target']}: {res['instructions_per_inference']:,} instructions per inference "
             f"({res['tool']})"]
    if "emulator" in res:
        lines.append(f"emulator: {res['emulator']}; compiler: {res['cc']} {' '.join(res['flags'])}; "
                     f"SIMD path: {res['simd_path']}")
    if "perf_instructions_per_inference" in res and res.get("layers"):
        lines.append(f"perf: {res['perf_instructions_per_inference']:,} instructions per inference")
    if res.get("layers"):
        lines.append(f"per layer (trace hook overhead of {res['hook_overhead']} instructions per layer removed):")
        total = max(1, sum(l["instructions"] for l in res["layers"]))
        names = [term(l["name"], 60) for l in res["layers"]]  # model strings: one printable line each
        w = max([len(n) for n in names] + [5])
        lines.append(f"{'layer'.ljust(w)}  {'op':<16} {'instructions':>14} {'share':>7}")
        for n, l in zip(names, res["layers"]):
            lines.append(f"{n.ljust(w)}  {l['op']:<16} {l['instructions']:>14,} "
                         f"{100 * l['instructions'] / total:>6.1f}%")
    return "\n".join(lines)
