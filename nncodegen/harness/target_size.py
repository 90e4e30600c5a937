"""`nncodegen report OUTDIR --target cortex-m4|cortex-m7`: flash and RAM measured on the target.

The model is linked alone into a bare-metal image (templates_c/targets/model_only_main.c.j2: no
stdio, the project's startup code, the board's linker script, -ffunction-sections and
--gc-sections) and measured from the ELF and its link map:

* flash = text + rodata (+ the .data load image), RAM = data + bss + stack;
* the model's own share (its .c file and runtime kernels) is read from the link map per object,
  and its weights from the sizes of its constant arrays (``c_*``), beside report.json's
  ``weight_bytes``; the static arena's symbol size beside ``arena_bytes``;
* stack: measured by running the image once under qemu (the startup code paints the stack; the
  driver reports the deepest use), and estimated statically from gcc's -fcallgraph-info=su
  call graph (the model's deepest call chain from NAME_run).
"""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..ir.graph import GraphError
from .cbuild import BuildError
from .cmodel import read_manifest
from .cross import CrossBuild, build_program, missing_tools, render_driver, run_target


def _elf_sections(b: CrossBuild) -> Dict[str, Dict]:
    r = subprocess.run([b.config.tool("readelf"), "-S", "-W", str(b.exe)], capture_output=True, text=True)
    secs = {}
    for m in re.finditer(r"^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*)\s",
                         r.stdout, re.M):
        name, typ, addr, size, flags = m.groups()
        if "A" in flags:
            secs[name] = {"type": typ, "addr": int(addr, 16), "size": int(size, 16)}
    if not secs:
        raise BuildError(f"cannot read the sections of {b.exe}: {r.stderr.strip()}")
    return secs


def _kind(section: str) -> Optional[str]:
    for prefix, kind in ((".text", "text"), (".rodata", "rodata"), (".data", "data"), (".bss", "bss"),
                         ("COMMON", "bss")):
        if section == prefix or section.startswith(prefix + "."):
            return kind
    return None


def map_contributions(map_text: str) -> List[Tuple[str, str, int]]:
    """(input section, object file, size) for every input section placed by the linker."""
    start = map_text.find("Linker script and memory map")
    text = map_text[start:] if start >= 0 else map_text
    out = []
    for m in re.finditer(r"^ (\.?[\w.$-]+|COMMON)\s*\n?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)\s*$", text, re.M):
        out.append((m.group(1), m.group(3), int(m.group(2), 16)))
    return out


def _callgraph_stack(bdir: Path, root: str) -> Optional[int]:
    """Deepest stack use from ``root`` through gcc's -fcallgraph-info=su graphs (functions without
    stack information, e.g. the C library's, count 0)."""
    frames: Dict[str, int] = {}
    edges: Dict[str, List[str]] = {}
    for ci in bdir.glob("*.ci"):
        text = ci.read_text(errors="replace")
        for m in re.finditer(r'node:\s*\{\s*title:\s*"([^"]+)"\s*label:\s*"([^"]*)"', text):
            sm = re.search(r"(\d+) bytes \(", m.group(2))
            if sm:
                frames[m.group(1)] = max(frames.get(m.group(1), 0), int(sm.group(1)))
        for m in re.finditer(r'edge:\s*\{\s*sourcename:\s*"([^"]+)"\s*targetname:\s*"([^"]+)"', text):
            edges.setdefault(m.group(1), []).append(m.group(2))
    if root not in frames:
        return None
    memo: Dict[str, int] = {}

    def depth(f: str, seen: Tuple[str, ...]) -> int:
        if f in memo:
            return memo[f]
        kids = [depth(k, seen + (f,)) for k in edges.get(f, []) if k not in seen]
        memo[f] = frames.get(f, 0) + max(kids, default=0)
        return memo[f]
    return depth(root, ())


def measure_target_size(outdir, target: str, run: bool = True) -> Dict:
    outdir = Path(outdir)
    rt = run_target(target)
    if rt.kind != "baremetal":
        raise GraphError(f"report --target {target}: flash and RAM are measured on Cortex-M targets "
                         "(cortex-m4, cortex-m4-softfloat, cortex-m7)")
    m = read_manifest(outdir)
    rep = json.loads((outdir / "report.json").read_text()) if (outdir / "report.json").exists() else {}
    src = render_driver("model_only_main.c.j2", outdir)
    b = build_program(outdir, target, sources=[src], label="size", semihosted_main=False,
                      extra_flags=["-fstack-usage", "-fcallgraph-info=su"])
    secs = _elf_sections(b)
    ram_origin = 0x20000000
    text = sum(s["size"] for n, s in secs.items() if s["type"] != "NOBITS" and s["addr"] < ram_origin
               and not n.startswith(".rodata"))
    rodata = sum(s["size"] for n, s in secs.items() if n.startswith(".rodata"))
    data = sum(s["size"] for n, s in secs.items() if s["type"] != "NOBITS" and s["addr"] >= ram_origin)
    bss = sum(s["size"] for n, s in secs.items() if s["type"] == "NOBITS")
    # the model's own objects, from the link map
    model_objs = {f"{Path(s).stem}.o" for s in m["sources"]}
    model = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    weights = 0
    for sec, obj, size in map_contributions((b.exe.parent / "prog.map").read_text()):
        kind = _kind(sec)
        if kind and Path(obj).name in model_objs:
            model[kind] += size
            if kind == "rodata" and Path(obj).name == f"{m['name']}.o" and sec.startswith(".rodata.c_"):
                weights += size
    arena = _symbol_size(b, f"{m['name']}_arena")
    static_stack = _callgraph_stack(b.exe.parent, f"{m['name']}_run")
    measured_stack = _measure_stack(b) if run and not missing_tools(target) else None
    stack = measured_stack if measured_stack is not None else (static_stack or 0)
    return {
        "target": target, "elf": str(b.exe), "cc": b.config.cc, "flags": b.config.cflags, "opt": "-O2",
        "image": {"text": text, "rodata": rodata, "data": data, "bss": bss,
                  "flash": text + rodata + data, "ram": data + bss + stack},
        "model": {**model, "flash": model["text"] + model["rodata"] + model["data"],
                  "weights": weights, "arena": arena},
        "stack": {"measured_peak": measured_stack, "model_static_estimate": static_stack,
                  "note": "measured: whole program (startup + driver + model) on qemu; static: the model's "
                          "deepest call chain from gcc -fcallgraph-info=su"},
        "predicted": {"weight_bytes": rep.get("weight_bytes"), "arena_bytes": rep.get("arena_bytes",
                                                                                      m.get("arena_bytes"))},
    }


def _symbol_size(b: CrossBuild, symbol: str) -> Optional[int]:
    r = subprocess.run([b.config.tool("nm"), "-S", str(b.exe)], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == symbol:
            return int(parts[1], 16)
    return None


def _measure_stack(b: CrossBuild) -> Optional[int]:
    with tempfile.TemporaryDirectory() as d:
        r = b.execute([], Path(d), 120.0)
    # qemu prints semihosting console output (SYS_WRITE0) on stdout or stderr depending on its version
    mt = re.search(rb"nnc-stack-peak (\d+)", (r.stdout or b"") + (r.stderr or b""))
    return int(mt.group(1)) if r.returncode == 0 and mt else None


def format_size(s: Dict) -> str:
    p, mo, im, st = s["predicted"], s["model"], s["image"], s["stack"]

    def num(v):
        return "-" if v is None else f"{v:,}"
    rows = [
        ("flash: model weights (c_* arrays)", num(mo["weights"]), num(p["weight_bytes"])),
        ("flash: model rodata (weights + layer parameters)", num(mo["rodata"]), "-"),
        ("flash: model code (model + kernels)", num(mo["text"]), "-"),
        ("flash: whole image (text + rodata + data)", num(im["flash"]), "-"),
        ("RAM: arena (static, in bss)", num(mo["arena"]), num(p["arena_bytes"])),
        ("RAM: stack, measured peak on qemu", num(st["measured_peak"]), "-"),
        ("RAM: stack, model's static estimate", num(st["model_static_estimate"]), "-"),
        ("RAM: whole image (data + bss + stack)", num(im["ram"]), "-"),
    ]
    w = max(len(r[0]) for r in rows)
    lines = [f"target {s['target']}: {s['cc']} {s['opt']} {' '.join(s['flags'])}",
             f"image sections: text {im['text']:,}, rodata {im['rodata']:,}, data {im['data']:,}, bss {im['bss']:,} "
             f"bytes (startup code, the model and the C library pieces it needs)",
             f"{'':{w}}  {'measured':>10}  {'predicted':>10}"]
    lines += [f"{a:{w}}  {b:>10}  {c:>10}" for a, b, c in rows]
    return "\n".join(lines)
