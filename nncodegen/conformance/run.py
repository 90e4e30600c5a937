"""Compiling, building (one cffi module for all cases), running and comparing the cases."""
from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .cases import ATOL, Case, DIVERGENT, OPS, REL_SCALE, RTOL, Result, collect_cases
from .prepare import NotApplicable, Prepared, _one_line, prepare

# ----------------------------------------------------------------------------- compile, build, run

def c_name(test_name: str) -> str:
    from ..codegen.emit import c_identifier
    return c_identifier("nc_" + test_name[len("test_"):] if test_name.startswith("test_") else test_name)


def _clean_error(msg: str, case: Case) -> str:
    msg = re.sub(r"^onnx model '[^']*': ", "", msg)
    return msg


def _is_internal(msg: str) -> bool:
    """A GraphError that wraps an unexpected Python exception (a bug, not a limitation)."""
    return bool(re.search(r"cannot import( at node [^:]*)?: (?!GraphError)[A-Za-z]*(Error|Exception)\b", msg))


@dataclass
class Compiled:
    prep: Prepared
    name: str
    outdir: Path
    graph: object


def compile_case(prep: Prepared, workdir: Path) -> Compiled:
    from ..api import generate
    from ..frontends.onnx_import import load_onnx
    from ..passes.pipeline import run_passes
    name = c_name(prep.case.name)
    g = run_passes(load_onnx(prep.model, name=name))
    outdir = Path(workdir) / name
    generate(g, outdir, name=name)
    import json
    # the C name the generator chose (long names are shortened, with a hash to keep them distinct)
    name = json.loads((outdir / "nncodegen.json").read_text())["name"]
    return Compiled(prep, name, outdir, g)


def build_bundle(compiled: Sequence[Compiled], workdir: Path, jobs: Optional[int] = None):
    """One cffi module holding every compiled case; returns (ffi, lib)."""
    import json
    from ..harness.cbuild import build_cffi
    from ..harness.cdefs import cdef_from_headers
    bundle = Path(workdir) / "_bundle"
    if bundle.exists():
        shutil.rmtree(bundle)
    (bundle / "runtime").mkdir(parents=True)
    sources, headers, runtime = [], [], {}
    for c in compiled:
        man = json.loads((c.outdir / "nncodegen.json").read_text())
        for f in (f"{c.name}.c", f"{c.name}.h"):
            shutil.copyfile(c.outdir / f, bundle / f)
        sources.append(bundle / f"{c.name}.c")
        headers.append(bundle / f"{c.name}.h")
        for f in sorted((c.outdir / "runtime").iterdir()):
            text = f.read_bytes()
            if f.name in runtime and runtime[f.name] != text:
                raise RuntimeError(f"runtime file {f.name} differs between generated models")
            runtime[f.name] = text
        assert man["sources"][0] == f"{c.name}.c"
    for fname, text in sorted(runtime.items()):
        (bundle / "runtime" / fname).write_bytes(text)
        if fname.endswith(".c"):
            sources.append(bundle / "runtime" / fname)
    inc = [bundle, bundle / "runtime"]
    cdef = cdef_from_headers(headers, inc)
    header = "".join(f'#include "{h.name}"\n' for h in headers)
    return build_cffi("conformance", sources, cdef, inc, header=header, libraries=["m"], jobs=jobs)


def run_compiled(c: Compiled, ffi, lib) -> np.ndarray:
    """The C outputs of every sample, in ONNX layout, concatenated on axis 0."""
    g = c.graph
    tin = g.tensors[g.inputs[0]]
    tout = g.tensors[g.outputs[0]]
    fn = getattr(lib, f"{c.name}_run")
    xs = c.prep.samples
    outs = []
    for i in range(xs.shape[0]):
        xi = xs[i:i + 1]
        if g.meta.get("input_layout") == "NCHW->NHWC":
            xi = xi.transpose(0, 2, 3, 1)
        xi = np.ascontiguousarray(xi, np.float32)
        if tuple(xi.shape) != tuple(tin.shape):
            raise RuntimeError(f"sample shape {xi.shape} != model input {tin.shape}")
        yi = np.zeros(tout.shape, np.float32)
        rc = fn(ffi.cast("float *", xi.ctypes.data), ffi.cast("float *", yi.ctypes.data))
        if rc != 0:
            raise RuntimeError(f"{c.name}_run returned {rc}")
        if g.meta.get("output_layout") == "NCHW->NHWC":
            yi = yi.transpose(0, 3, 1, 2)
        outs.append(yi)
    return np.concatenate(outs)


def run_reference(c: Compiled) -> np.ndarray:
    """nncodegen's float reference (``nncodegen.reference``) on the same samples, in ONNX layout."""
    from ..api import reference
    g = c.graph
    xs = c.prep.samples
    if g.meta.get("input_layout") == "NCHW->NHWC":
        xs = xs.transpose(0, 2, 3, 1)
    y = reference(g, np.ascontiguousarray(xs, np.float32))
    if g.meta.get("output_layout") == "NCHW->NHWC":
        y = y.transpose(0, 3, 1, 2)
    return y


def compare(got: np.ndarray, want: np.ndarray) -> Tuple[bool, str, Optional[float]]:
    want = np.asarray(want)
    if got.shape != want.shape:
        return False, f"output shape {got.shape} != expected {want.shape}", None
    if want.size == 0:
        return True, "", 0.0
    w = want.astype(np.float64)
    d = np.abs(got.astype(np.float64) - w)
    nan_ok = np.isnan(got) & np.isnan(w)
    d = np.where(nan_ok, 0.0, d)
    scale = max(1.0, float(np.max(np.abs(np.where(np.isfinite(w), w, 0.0)))))
    err = float(np.max(d)) / scale if d.size else 0.0
    elem_ok = bool(np.all((d <= ATOL + RTOL * np.abs(w)) | nan_ok))
    if np.isnan(err):
        return False, "NaN in the output", err
    if not elem_ok:
        k = int(np.argmax(d - RTOL * np.abs(w)))
        return False, (f"element {np.unravel_index(k, w.shape)}: C {float(got.reshape(-1)[k]):.7g}, "
                       f"expected {float(w.reshape(-1)[k]):.7g} (beyond rtol {RTOL}, atol {ATOL})"), err
    if err > REL_SCALE:
        return False, f"max |err| {err:.3g} x scale > {REL_SCALE}", err
    return True, "", err


def run_suite(workdir, names: Optional[Iterable[str]] = None, ops: Sequence[str] = OPS,
              jobs: Optional[int] = None, log=None, source: str = "auto") -> List[Result]:
    """Run every node test of ``ops`` (or just ``names``); returns one Result per case, sorted by name."""
    from ..ir.graph import GraphError
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    cases = collect_cases(ops, names, source)
    results: Dict[str, Result] = {}
    compiled: List[Compiled] = []
    for case in cases:
        try:
            preps = prepare(case)
        except NotApplicable as e:
            results[case.name] = Result(case.name, case.op, "n/a", str(e), expanded=case.expanded)
            continue
        except Exception as e:  # noqa: BLE001
            results[case.name] = Result(case.name, case.op, "fail", f"harness: {type(e).__name__}: {_one_line(e)}",
                                        expanded=case.expanded)
            continue
        errors = []
        for prep in preps:
            try:
                compiled.append(compile_case(prep, workdir))
                break
            except GraphError as e:
                msg = _clean_error(str(e), case)
                if _is_internal(msg):
                    errors.append(("fail", msg, prep))
                    break
                errors.append(("n/a", msg, prep))
            except Exception as e:  # noqa: BLE001
                errors.append(("fail", f"{type(e).__name__}: {_one_line(e)}", prep))
                break
        else:
            st, msg, prep = errors[0] if all(s == "n/a" for s, _, _ in errors) else \
                next(e for e in errors if e[0] == "fail")
            results[case.name] = Result(case.name, case.op, st, msg, prep.mode, prep.frozen, expanded=case.expanded)
            continue
        if errors and errors[-1][0] == "fail":
            st, msg, prep = errors[-1]
            compiled.pop()
            results[case.name] = Result(case.name, case.op, st, msg, prep.mode, prep.frozen, expanded=case.expanded)
    if log:
        log(f"{len(cases)} cases, {len(compiled)} compiled in {time.time() - t0:.1f}s")
    if compiled:
        t1 = time.time()
        ffi, lib = build_bundle(compiled, workdir, jobs=jobs)
        if log:
            log(f"built in {time.time() - t1:.1f}s")
        for c in compiled:
            case = c.prep.case
            got = None
            try:
                got = run_compiled(c, ffi, lib)
                ok, why, err = compare(got, c.prep.expected)
                if ok:   # the float reference (what `verify` compares with) must agree too
                    rok, rwhy, _ = compare(run_reference(c), c.prep.expected)
                    if not rok:
                        ok, why = False, f"the C passes, the float reference does not: {rwhy}"
            except Exception as e:  # noqa: BLE001
                ok, why, err = False, f"{type(e).__name__}: {_one_line(e)}", None
            status = "pass" if ok else "fail"
            if not ok and case.name in DIVERGENT and got is not None:
                status, why = "n/a", f"{DIVERGENT[case.name]} (vs the test's output: {why})"
            results[case.name] = Result(case.name, case.op, status, why, c.prep.mode, c.prep.frozen, err,
                                        expanded=case.expanded, output=got, model=c.prep.model,
                                        samples=c.prep.samples)
    return [results[k] for k in sorted(results)]


