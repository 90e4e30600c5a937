"""Emit a lowered Program as a C project (jinja2 templates, StrictUndefined).

Python computes every value; the templates in templates_c/model hold the
layout.  The output directory is written to a temporary sibling and renamed
into place at the end, so a failed generation never leaves a directory that
looks complete.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

import jinja2
import numpy as np

from ..version import __version__
from ..ir.formats import QFormat, storage_shape
from ..ir.graph import Graph, GraphError
from ..ir.limits import LIMITS
from ..lower.fold_shuffle import fold_channel_shuffles
from ..lower.lower import lower
from ..lower.params import c_array, to_c
from ..lower.program import Buf, Const, Param, Program, Scalar, Scratch
from ..paths import include_dir, kernels_dir, model_templates_dir, targets_dir, toolchains_dir
from .report import build_report, write_report_md
from .sanitize import CText, Namer, c_comment, c_ident, c_template_env
from .targets import target_info

MANIFEST = "nncodegen.json"
MODEL_NAME_LIMIT = 40  # the model's C name prefixes every identifier of its API (NAME_run_arena...)


def c_identifier(s: str) -> str:
    """A C identifier from any string (sanitize.c_ident: model strings are untrusted)."""
    return c_ident(s)


def kernel_index() -> Dict[str, str]:
    """C function name -> header file that declares it."""
    idx = {}
    for h in sorted(kernels_dir().glob("*.h")):
        for m in re.finditer(r"^\s*void\s+([a-z0-9_]+)\s*\(", h.read_text(), re.M):
            idx[m.group(1)] = h.name
    return idx


def _env() -> jinja2.Environment:
    """The C templates' environment: a value that is neither a number, sanitized text (CText) nor a plain
    token raises, so a model string cannot reach the C unescaped (see sanitize.py)."""
    return c_template_env(jinja2.FileSystemLoader(str(model_templates_dir())))


def _identifiers(paths) -> set:
    """Every identifier-like word of some C files (the runtime headers a model includes)."""
    words = set()
    for p in paths:
        code = re.sub(r"/\*.*?\*/|//[^\n]*", " ", Path(p).read_text(), flags=re.S)
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))
    return words


def _model_suffixes() -> set:
    """The suffixes of NAME_xxx identifiers the model templates and format macros define."""
    suf = {"INPUT_FRAC", "OUTPUT_FRAC", "INPUT_ZERO_POINT", "OUTPUT_ZERO_POINT", "INPUT_SCALE",
           "OUTPUT_SCALE", "INPUT_AFFINE", "OUTPUT_AFFINE", "INPUT_IS_FLOAT", "OUTPUT_IS_FLOAT", "NUM_INPUTS",
           "INPUT_ROW_LEN", "NUM_OUTPUTS", "OUTPUT_ROW_LEN"}
    for t in model_templates_dir().glob("*.j2"):
        suf.update(re.findall(r"\{\{ name \}\}_([A-Za-z0-9_]+)", t.read_text()))
    return suf


def model_c_name(name: str, runtime_words: set) -> str:
    """The model's C name: ``name`` as an identifier of at most MODEL_NAME_LIMIT characters, with ``_model``
    added if one of the identifiers derived from it (NAME_run, NAME_INPUT_LEN, the NAME_H guard...) is
    already a runtime identifier."""
    n = c_ident(name, limit=MODEL_NAME_LIMIT)
    # NAME.c / NAME.h must not shadow a runtime file (-I OUTDIR comes first) or main.c, nor NAME be a
    # target name CMake reserves
    taken = {p.stem for d in (kernels_dir(), include_dir()) for p in d.iterdir()} | {"main"} | _CMAKE_RESERVED
    while (n in taken or any(f"{n}_{s}" in runtime_words for s in _model_suffixes())
           or f"{n.upper()}_H" in runtime_words):
        n = c_ident(n + "_model")
    return n


_CMAKE_RESERVED = {"all", "clean", "help", "install", "package", "package_source", "preinstall", "test",
                   "edit_cache", "rebuild_cache", "list_install_components", "install_local", "install_strip",
                   "ALL_BUILD", "ZERO_CHECK", "RUN_TESTS", "INSTALL", "PACKAGE"}


def _const_ctype(graph: Graph, c: Const) -> str:
    if c.ctype:
        return c.ctype
    t = graph.tensors[c.tensor]
    return t.fmt.ctype if t.qdata is not None else "float"


def _const_values(graph: Graph, c: Const):
    if c.array is not None:
        return c.array
    t = graph.tensors[c.tensor]
    return (t.qdata if t.qdata is not None else t.data.astype(np.float32)).ravel()


def render_program(graph: Graph, prog: Program, name: str, source: str, target: str,
                   sample: Optional[np.ndarray] = None) -> Dict[str, str]:
    tin, tout = graph.tensors[graph.inputs[0]], graph.tensors[graph.outputs[0]]
    const_bytes = sum(int(t.data.nbytes) for t in graph.tensors.values() if t.data is not None)
    if const_bytes > LIMITS.max_weight_bytes:  # the C text of the weights is several times their size
        raise GraphError(f"the model's constants take {const_bytes} bytes, over the limit {LIMITS.max_weight_bytes} "
                         f"(limits.max_weight_bytes)")
    quant = tin.fmt.kind != "float"
    name = c_ident(name)
    idx = kernel_index()
    missing = [k for k in prog.kernels_used if k not in idx]
    if missing:
        raise GraphError(f"no C kernel for {', '.join(missing)} in templates_c/kernels")
    # local and file-scope names: distinct from each other, from the runtime's identifiers and macros,
    # and from the model's own NAME_xxx identifiers
    names = Namer(("input", "output", "a", "arena"))
    for w in sorted(_identifiers(runtime_files(sorted({idx[k] for k in prog.kernels_used})))):
        names.reserve(w)
    for suffix in _model_suffixes():
        names.reserve(f"{name}_{suffix}")
    # activation buffers
    var: Dict[str, str] = {}
    buffers = []
    for t in graph.activations():
        v = names.get("t_" + t)
        var[t] = v
        b = prog.buffers[t]
        ct = graph.tensors[t].fmt.ctype
        if b.where == "input":
            buffers.append({"var": v, "decl": CText(f"const {ct} *const {v} = (const {ct} *)(const void *)input;")})
        elif b.where == "output":
            buffers.append({"var": v, "decl": CText(f"{ct} *const {v} = ({ct} *)(void *)output;")})
        else:
            buffers.append({"var": v, "decl": CText(f"{ct} *const {v} = ({ct} *)(void *)(a + {b.offset});")})
    # constants
    const_name: Dict[tuple, str] = {}
    const_decls: List[str] = []

    def const_ref(c: Const) -> str:
        key = (c.tensor, c.array)
        if key not in const_name:
            n = names.get("c_" + c.tensor)
            const_name[key] = n
            const_decls.append(CText(c_array(_const_ctype(graph, c), n, _const_values(graph, c), align64=c.align64)))
        return const_name[key]

    layers = []
    calls_by_layer: Dict[str, list] = {}
    for c in prog.calls:
        calls_by_layer.setdefault(c.layer, []).append(c)
    for i, node in enumerate(graph.nodes):
        decls, lines = [], []
        prefix = names.get(f"L{i}")
        pnames: Dict[int, str] = {}  # a parameter struct passed to several calls of the layer: declared once
        for j, c in enumerate(calls_by_layer.get(node.name, [])):
            rendered = []
            for k, a in enumerate(c.args):
                if isinstance(a, Param):
                    if id(a.value) not in pnames:
                        pname = names.get(f"{prefix}_{type(a.value).__name__.lower()}{j if j else ''}")
                        d, init = to_c(a.value, pname)
                        decls += [CText(x) for x in d]
                        decls.append(CText(f"static const {a.value.CTYPE} {pname} = {init};"))
                        pnames[id(a.value)] = pname
                    rendered.append("&" + pnames[id(a.value)])
                elif isinstance(a, Scalar):
                    rendered.append(f"{float(a.value)!r}f" if a.ctype == "float" else str(int(a.value)))
                elif isinstance(a, Buf):
                    rendered.append(var[a.tensor])
                elif isinstance(a, Const):
                    rendered.append(const_ref(a))
                elif isinstance(a, Scratch):  # work memory the planner placed in the arena
                    rendered.append(f"({a.ctype} *)(void *)(a + {int(a.offset)})" if a.nbytes else "0")
                elif a is None:
                    rendered.append("0")
                else:
                    raise TypeError(f"unknown kernel argument {a!r}")
            lines.append(CText(f"{c.kernel}({', '.join(rendered)});"))
        out = node.outputs[0]
        layers.append({"index": i, "comment": _layer_comment(graph, node), "decls": decls, "calls": lines,
                       "out_var": var[out], "out_bytes": prog.buffers[out].nbytes})
    # declare only the buffers some call or trace point uses (no unused variables)
    used = " ".join(" ".join(l["calls"]) + " " + l["out_var"] for l in layers)
    buffers = [b for b in buffers if re.search(r"\b" + re.escape(b["var"]) + r"\b", used)]
    headers = sorted({idx[k] for k in prog.kernels_used})
    ti = target_info(target)
    ctx = dict(name=name, version=__version__, source=source, quant=quant, ctype=tin.fmt.ctype,
               out_ctype=tout.fmt.ctype, out_quant=tout.fmt.kind != "float",
               guard=CText(c_ident(name).upper() + "_H"), in_len=tin.size, out_len=tout.size,
               arena=prog.arena_bytes, arena_lb=prog.arena_lower_bound, n_layers=len(graph.nodes),
               arena_words=max(1, (prog.arena_bytes + 7) // 8),
               in_desc=f"{tin.shape} {tin.fmt}", out_desc=f"{tout.shape} {tout.fmt}",
               format_macros=[CText(m) for m in format_macros(name, "INPUT", tin.fmt) +
                              format_macros(name, "OUTPUT", tout.fmt) + joined_macros(name, graph)],
               scheme=graph.meta.get("quantization", {}).get("scheme", "float32") if quant else "float32",
               weight_bytes=sum(_nbytes(graph, t) for t in _weight_tensors(graph)),
               headers=headers, const_decls=const_decls, layers=layers, buffers=buffers,
               target_flags=[CText(f) for f in ti.flags], target=target, target_proc=CText(ti.processor),
               needs_libm=any(k.endswith("_f32") for k in prog.kernels_used))
    env = _env()
    if sample is None or not np.asarray(sample).any():
        # an all-zero sample: C's initializer rule fills the rest (no text the size of the input)
        ctx["sample"] = CText("    0")
    else:
        svals = [str(int(v)) if quant else f"{float(v)!r}f" for v in np.asarray(sample).ravel()]
        ctx["sample"] = CText("\n".join("    " + ", ".join(svals[k:k + 16]) + "," for k in range(0, len(svals), 16)))
    return {"model.h": env.get_template("model.h.j2").render(**ctx),
            "model.c": env.get_template("model.c.j2").render(**ctx),
            "main.c": env.get_template("main.c.j2").render(**ctx),
            "_headers": headers, "_ctx": ctx}


def format_macros(name: str, which: str, fmt) -> List[str]:
    """#define lines stating a tensor's number format in the C header."""
    if hasattr(fmt, "c_macros"):
        return fmt.c_macros(f"{name}_{which}")
    if fmt.kind == "float":
        return [f"#define {name}_{which}_IS_FLOAT 1"]
    frac = int(fmt.frac)
    return [f"#define {name}_{which}_FRAC {frac}   /* Q{fmt.bits}: real = q * 2^-{frac} */",
            f"#define {name}_{which}_ZERO_POINT 0"]


def _c_float(v: float) -> str:
    s = repr(float(v))
    return s + ("" if "e" in s or "." in s or "n" in s else ".0") + "f"


def joined_macros(name: str, graph: Graph) -> List[str]:
    """#define lines of a model whose several inputs are joined into one C input (graph.meta["inputs"]: row k
    of a (1, inputs, longest) input, frontends/tflite/join.py) or whose several outputs are joined into one row
    (graph.meta["outputs"]: each at an offset).  Model tensor names appear only inside comments, sanitized."""
    lines: List[str] = []
    tin, tout = graph.tensors[graph.inputs[0]], graph.tensors[graph.outputs[0]]
    ins = graph.meta.get("inputs") or []
    if len(ins) > 1 and len(tin.shape) == 3 and tin.shape[1] == len(ins):
        f = tin.fmt
        rows = f.kind == "affine" and f.per_channel
        lines += [f"/* {len(ins)} model inputs joined into one: input k is row k ({name}_INPUT_ROW_LEN elements), "
                  f"its first {name}_INPUTk_LEN elements{', in its own scale and zero point' if rows else ''} */",
                  f"#define {name}_NUM_INPUTS {len(ins)}",
                  f"#define {name}_INPUT_ROW_LEN {int(tin.shape[2])}"]
        scales, zps = (f.scale, f.zero_point) if rows else (None, None)
        for k, m in enumerate(ins):
            lines.append(f"#define {name}_INPUT{k}_LEN {int(m['size'])}   /* {c_comment(m['name'])} */")
            if rows:
                lines += [f"#define {name}_INPUT{k}_SCALE {_c_float(scales[k])}",
                          f"#define {name}_INPUT{k}_ZERO_POINT {int(zps[k])}"]
    outs = graph.meta.get("outputs") or []
    if len(outs) > 1 and all(int(m["offset"]) + int(m["size"]) <= tout.size for m in outs):
        rows = all("row" in m for m in outs) and len(tout.shape) == 3 and tout.shape[1] == len(outs)
        lines += [f"/* {len(outs)} model outputs joined into one: output k is the {name}_OUTPUTk_LEN elements at "
                  f"{name}_OUTPUTk_OFFSET{' (row k), in its own scale and zero point' if rows else ''} */",
                  f"#define {name}_NUM_OUTPUTS {len(outs)}"]
        if rows:
            lines.append(f"#define {name}_OUTPUT_ROW_LEN {int(tout.shape[2])}")
        for k, m in enumerate(outs):
            lines += [f"#define {name}_OUTPUT{k}_OFFSET {int(m['offset'])}   /* {c_comment(m['name'])} */",
                      f"#define {name}_OUTPUT{k}_LEN {int(m['size'])}"]
            if rows:
                lines += [f"#define {name}_OUTPUT{k}_SCALE {_c_float(m['scale'])}",
                          f"#define {name}_OUTPUT{k}_ZERO_POINT {int(m['zero_point'])}"]
    return lines


def _weight_tensors(graph: Graph):
    seen = []
    for n in graph.nodes:
        for i in n.inputs:
            if graph.tensors[i].is_const and i not in seen:
                seen.append(i)
    return seen


def _stored_shape(graph: Graph, name: str) -> dict:
    """{"stored_shape": [...]} when the C buffer's shape differs from the logical one (packed binary)."""
    t = graph.tensors[name]
    ss = storage_shape(t.fmt, t.shape)
    return {"stored_shape": list(ss)} if tuple(ss) != tuple(t.shape) else {}


def _nbytes(graph: Graph, name: str) -> int:
    t = graph.tensors[name]
    if t.fmt.kind in ("binary", "ternary"):
        return t.fmt.filter_nbytes(t.shape)
    if t.qdata is not None:
        return t.qdata.size * t.qdata.itemsize
    return t.size * 4


def _layer_comment(graph: Graph, node) -> str:
    x = graph.tensors[node.inputs[0]]
    y = graph.tensors[node.outputs[0]]
    extra = ""
    if node.op in ("conv2d", "conv_transpose2d"):
        w = graph.tensors[node.inputs[1]].shape
        a = node.attrs
        extra = f" k{w[1]}x{w[2]} s{a['strides'][0]}x{a['strides'][1]} g{a['groups']}"
    if node.attrs.get("act", "none") != "none":
        extra += f" +{node.attrs['act']}"
    return f"{node.name} {node.op}{extra}: {x.shape} {x.fmt} -> {y.shape} {y.fmt}"


def _incs(f: Path) -> List[Path]:
    """The .inc files a kernel file names: included directly, or as a family body (#define NNC_BODY "x.inc")."""
    return [kernels_dir() / n for n in re.findall(r'"([a-z0-9_]+\.inc)"', f.read_text())]


def runtime_files(headers: List[str]) -> List[Path]:
    """Headers, sources and .inc files the kernels need."""
    kd = kernels_dir()
    files = [include_dir() / "nnc_types.h", include_dir() / "nnc_fixed.h", include_dir() / "nnc_simd.h"]
    for h in headers:
        stem = h[:-2]
        c = kd / f"{stem}.c"
        files += [kd / h, c]
        files += _incs(c)
        for hdr in re.findall(r'#include\s+"(nnc_[a-z0-9_]+\.h)"', c.read_text()):  # e.g. nnc_affine.h
            if (include_dir() / hdr).exists():
                files.append(include_dir() / hdr)
    out = []
    i = 0
    while i < len(files):  # and the runtime headers those headers include (nnc_affine.h -> nnc_sf32.h)
        f = files[i]
        i += 1
        if f in out:
            continue
        out.append(f)
        if f.suffix == ".inc":
            files += _incs(f)
        if f.suffix == ".h" and f.parent == include_dir():
            for hdr in re.findall(r'#include\s+"(nnc_[a-z0-9_]+\.h)"', f.read_text()):
                if (include_dir() / hdr).exists():
                    files.append(include_dir() / hdr)
    return out


def copy_target_support(outdir: Path) -> None:
    """CMake toolchain files (OUTDIR/cmake) and the bare-metal startup code, semihosting and linker
    scripts the example program needs on Cortex-M (OUTDIR/targets/cortex-m), so that the project
    builds for every target on its own."""
    (outdir / "cmake").mkdir()
    for f in sorted(toolchains_dir().glob("*.cmake")):
        shutil.copyfile(f, outdir / "cmake" / f.name)
    dst = outdir / "targets" / "cortex-m"
    dst.mkdir(parents=True)
    for f in sorted((targets_dir() / "cortex-m").iterdir()):
        if f.suffix in (".c", ".h", ".ld"):
            shutil.copyfile(f, dst / f.name)


def _install_dir(tmp: Path, outdir: Path) -> None:
    """Put the finished directory ``tmp`` at ``outdir`` by renames only: ``outdir`` is at every moment
    absent or one complete output, also when several compiles write it at once (the last one wins).
    An existing ``outdir`` is first renamed to a hidden sibling, then deleted."""
    trash = []
    try:
        for _ in range(1000):
            try:
                os.rename(tmp, outdir)  # fails while outdir exists (a non-empty directory, or a file)
                return
            except OSError:
                if not os.path.lexists(outdir):
                    continue
                old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old.", dir=str(outdir.parent)))
                try:
                    os.rename(outdir, old / "d")
                except FileNotFoundError:  # another compile moved it first
                    pass
                trash.append(old)
        raise OSError(f"{outdir}: could not replace it (other processes keep writing it)")
    finally:
        for old in trash:
            shutil.rmtree(old, ignore_errors=True)


def generate(graph: Graph, outdir, name: Optional[str] = None, target: str = "generic", source: str = "",
             sample: Optional[np.ndarray] = None) -> Path:
    outdir = Path(outdir)
    target_info(target)  # validates the name
    graph = fold_channel_shuffles(graph, target)
    prog = lower(graph, target)
    idx = kernel_index()
    name = CText(model_c_name(name or graph.name, _identifiers(runtime_files(
        sorted({idx[k] for k in prog.kernels_used if k in idx})))))
    files = render_program(graph, prog, name, source or graph.name, target, sample)
    ctx = files["_ctx"]
    outdir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=str(outdir.parent)))
    try:
        (tmp / "runtime").mkdir()
        (tmp / f"{name}.h").write_text(files["model.h"])
        (tmp / f"{name}.c").write_text(files["model.c"])
        (tmp / "main.c").write_text(files["main.c"])
        rt = runtime_files(files["_headers"])
        for f in rt:
            shutil.copyfile(f, tmp / "runtime" / f.name)
        kernel_sources = [f.name for f in rt if f.suffix == ".c"]
        copy_target_support(tmp)
        (tmp / "CMakeLists.txt").write_text(_env().get_template("CMakeLists.txt.j2").render(
            **ctx, kernel_sources=kernel_sources))
        graph.save(tmp / "model.nnc")
        report = build_report(graph, prog, target)
        (tmp / "report.json").write_text(json.dumps(report, indent=2))
        write_report_md(report, tmp / "report.md")
        tin, tout = graph.tensors[graph.inputs[0]], graph.tensors[graph.outputs[0]]
        manifest = {
            "nncodegen_version": __version__, "name": name, "target": target, "source": source,
            "ctype": tin.fmt.ctype, "out_ctype": tout.fmt.ctype,
            "quantized": tin.fmt.kind != "float", "out_quantized": tout.fmt.kind != "float",
            "input": {"tensor": tin.name, "shape": list(tin.shape), "format": tin.fmt.to_json()},
            "output": {"tensor": tout.name, "shape": list(tout.shape), "format": tout.fmt.to_json()},
            "sources": [f"{name}.c"] + [f"runtime/{s}" for s in kernel_sources],
            "needs_libm": any(k.endswith("_f32") for k in prog.kernels_used),
            "arena_bytes": prog.arena_bytes,
            "layers": [{"index": i, "name": n.name, "op": n.op, "tensor": n.outputs[0],
                        "shape": list(graph.tensors[n.outputs[0]].shape),
                        "ctype": graph.tensors[n.outputs[0]].fmt.ctype,
                        "bytes": prog.buffers[n.outputs[0]].nbytes,
                        **_stored_shape(graph, n.outputs[0])} for i, n in enumerate(graph.nodes)],
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        _install_dir(tmp, outdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return outdir
