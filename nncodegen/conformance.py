"""Conformance against ONNX's own backend node tests.

    python -m nncodegen.conformance            # run, print the table
    python -m nncodegen.conformance --write    # also rewrite README.md's table and docs/CONFORMANCE.md
    python -m nncodegen.conformance --check    # exit 1 unless README.md and docs/CONFORMANCE.md are current
    python -m nncodegen.conformance --list     # every case with its status and reason

How the cases are chosen, run and judged is :data:`METHOD` (also printed in docs/CONFORMANCE.md).
"""
from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

METHOD = """\
The onnx wheel (1.22: `onnx/backend/test/data/node/<test>/`) ships one model and one data set per node
test; newer wheels rebuild the same cases with `onnx.backend.test.case.node.collect_testcases`
(`--source generators`).  A case belongs to an op when its model is that single op, or when it is the
op's ONNX function body (`*_expanded`, marked *expanded* below).  Every case of an op the importer handles
goes through the float path of the compiler: `load_onnx` -> passes -> `generate` (float32 C) -> cffi
build -> run -> compare with the test's expected output (nncodegen's float reference, `nncodegen.reference`,
must match it too).  All cases are built into one cffi module (every
model's symbols carry its name): one compile of each model, the kernels once.

How a test becomes a one-input model (the C API takes one input tensor and runs one sample per call):

* inputs after the first (weights, biases, pads, scales, axes, the second operand of Add/Mul, ...) are
  frozen into initializers with the test's values, as a deployed model holds them;
* batch: a first input of shape (1, ...) is used as it is (mode `direct`).  A first input (N, ...) with
  N > 1 runs, in this order of preference, (a) with a leading unit axis as one sample (`leading-axis`:
  elementwise and layout ops, whose axis attributes and shape constants are shifted by one); (b) sample by
  sample, one C call per slice along axis 0, the outputs concatenated (`per-sample`), when the op treats
  axis 0 as a batch for that test; (c) as one sample (1, N, ...) that a Reshape in front of the op turns
  back into the test's tensor (`reshaped-input`: the op sees exactly the test's shapes).  Every rewrite is
  checked with ONNX's reference implementation (`onnx.reference`) on the test's data before the C is
  compared with the test's expected output.

Pass criterion, both on every output element: `|c - e| <= 1e-7 + 1e-3 * |e|` (the rtol and atol of ONNX's
backend test runner) and `max |c - e| <= 1e-4 * max(1, max |e|)` (float C within 1e-4 relative to the
output's scale).

Status: `pass`; `fail` (wrong values, a crash, an internal error: a bug, and the test suite fails);
`n/a` (the test needs something nncodegen does not do; the reason is the compiler's one-line error or the
harness's reason)."""

# ONNX ops nncodegen's importer handles (frontends/onnx_import.py), in the order of the table.
OPS: Tuple[str, ...] = (
    "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "Relu", "LeakyRelu", "Clip", "Sigmoid",
    "Tanh", "HardSigmoid", "HardSwish", "PRelu", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "Add", "Mul", "Sub", "Div", "Concat", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Pad",
    "Resize", "Upsample", "Softmax", "ReduceMean", "ReduceMax", "Identity", "Dropout", "Cast", "Constant",
)

RTOL, ATOL = 1e-3, 1e-7      # ONNX backend test runner defaults
REL_SCALE = 1e-4             # max |c - e| <= REL_SCALE * max(1, max |e|)

README_BEGIN = "<!-- conformance:begin -->"
README_END = "<!-- conformance:end -->"

# Node tests whose expected output onnxruntime does not reproduce either: the ONNX reference and onnxruntime
# read the spec differently.  nncodegen follows onnxruntime (what users compare with); when the C misses the
# test's expected output, the case is n/a with this reason, and tests/test_conformance.py checks the C
# against onnxruntime instead.
DIVERGENT = {
    "test_resize_downsample_scales_linear_align_corners":
        "the ONNX reference and onnxruntime disagree: align_corners with a fractional scale x size divides by "
        "(scale * in - 1) in the reference, by (out - 1) in onnxruntime; nncodegen follows onnxruntime",
}

# ops whose every input/output element is computed from the elements at the same (broadcast) index:
# a leading unit axis changes nothing
_ELEMENTWISE = {"Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "PRelu", "Add", "Mul",
                "Sub", "Div", "Identity", "Dropout", "Cast"}
# ops whose leading-axis rewrite shifts axis attributes / shape constants (see _lead_node)
_LEADING = _ELEMENTWISE | {"Softmax", "Concat", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Reshape", "Pad",
                           "MatMul", "ReduceMean", "ReduceMax"}


# ----------------------------------------------------------------------------- the cases

@dataclass
class Case:
    """One ONNX node test: its model and first data set."""
    name: str
    op: str                        # the op under test (for *_expanded tests: the op that was expanded)
    model: object                  # onnx.ModelProto
    inputs: List[object]           # np.ndarray, or None for a non-tensor value
    outputs: List[object]
    expanded: bool = False


@dataclass
class Result:
    name: str
    op: str
    status: str                    # "pass" | "fail" | "n/a"
    reason: str = ""               # n/a or fail: why
    mode: str = ""                 # direct | per-sample | leading-axis
    frozen: Tuple[str, ...] = ()   # inputs turned into constants
    max_err: Optional[float] = None   # max |c - e| / max(1, max |e|)
    expanded: bool = False
    output: Optional[np.ndarray] = field(default=None, repr=False)   # the C output (ONNX layout)
    model: object = field(default=None, repr=False)                  # the one-input model that was compiled
    samples: Optional[np.ndarray] = field(default=None, repr=False)  # its inputs, one C call each

    @property
    def category(self) -> str:
        return categorize(self.reason) if self.status == "n/a" else ""


def node_data_dir() -> Optional[Path]:
    """onnx/backend/test/data/node of the installed onnx wheel, if it ships one."""
    import onnx
    d = Path(onnx.__file__).resolve().parent / "backend" / "test" / "data" / "node"
    return d if d.is_dir() else None


def _read_pb(path: Path, type_proto):
    import onnx
    from onnx import numpy_helper
    data = path.read_bytes()
    if type_proto is not None and type_proto.HasField("tensor_type"):
        t = onnx.TensorProto()
        t.ParseFromString(data)
        return numpy_helper.to_array(t)
    return None      # sequences, optionals, maps: not tensors


def _base_name(name: str) -> Optional[str]:
    m = re.match(r"^(.*)_expanded(_ver\d+)?$", name)
    return m.group(1) if m else None


def _op_under_test(name: str, model, base_ops: Dict[str, str]) -> Optional[str]:
    base = _base_name(name)
    if base is not None and base in base_ops:
        return base_ops[base]
    nodes = [n for n in model.graph.node if n.domain in ("", "ai.onnx")]
    if len(model.graph.node) == 1 and nodes:
        return nodes[0].op_type
    return None


def _as_array(v):
    from onnx import TensorProto, numpy_helper
    if isinstance(v, TensorProto):
        return numpy_helper.to_array(v)
    return np.asarray(v) if isinstance(v, np.ndarray) else None    # sequences, optionals: not tensors


def collect_cases(ops: Sequence[str] = OPS, names: Optional[Iterable[str]] = None,
                  source: str = "auto") -> List[Case]:
    """The node tests of ``ops`` (and their function expansions), sorted by name.

    ``source``: "files" (the data shipped in the onnx wheel), "generators" (rebuilt with
    ``onnx.backend.test.case.node.collect_testcases``: once per process, random data differ from the
    files), or "auto" (files when the wheel has them)."""
    import onnx
    want = set(ops)
    only = set(names) if names is not None else None
    d = node_data_dir()
    if source == "auto":
        source = "files" if d is not None else "generators"
    raw = []   # (name, model, test data directory or (inputs, outputs))
    if source == "files":
        if d is None:
            raise FileNotFoundError("this onnx wheel ships no backend node test data (use source='generators')")
        for sub in sorted(p for p in d.iterdir() if (p / "model.onnx").is_file()):
            raw.append((sub.name, onnx.load(str(sub / "model.onnx")), sub))
    else:
        from onnx.backend.test.case.node import collect_testcases
        with np.errstate(all="ignore"):
            for tc in collect_testcases(None):
                if tc.kind == "node" and tc.data_sets:
                    raw.append((tc.name, tc.model, tc.data_sets[0]))
    base_ops = {}
    for name, model, _ in raw:
        if len(model.graph.node) == 1:
            base_ops[name] = model.graph.node[0].op_type
    cases = []
    for name, model, src in raw:
        op = _op_under_test(name, model, base_ops)
        if op not in want or (only is not None and name not in only):
            continue
        types = [vi.type for vi in model.graph.input]
        otypes = [vi.type for vi in model.graph.output]
        if isinstance(src, Path):
            ds = src / "test_data_set_0"
            ins = [_read_pb(ds / f"input_{k}.pb", t) for k, t in enumerate(types)]
            outs = [_read_pb(ds / f"output_{k}.pb", t) for k, t in enumerate(otypes)]
        else:
            ins = [_as_array(v) for v in src[0]]
            outs = [_as_array(v) for v in src[1]]
        cases.append(Case(name, op, model, ins, outs, expanded=_base_name(name) is not None))
    cases.sort(key=lambda c: c.name)
    return cases


# ----------------------------------------------------------------------------- making a one-input model

class NotApplicable(Exception):
    pass


@dataclass
class Prepared:
    case: Case
    model: object                  # one-input onnx.ModelProto, batch 1
    samples: np.ndarray            # (S, ...) ONNX-layout inputs, one C call each
    expected: np.ndarray           # what the per-sample outputs, concatenated on axis 0, must equal
    mode: str
    frozen: Tuple[str, ...] = ()


def _dtype_name(elem_type: int) -> str:
    import onnx
    try:
        return onnx.TensorProto.DataType.Name(elem_type).lower()
    except ValueError:
        return f"type {elem_type}"


def _kind(type_proto) -> str:
    return type_proto.WhichOneof("value") or "unknown"


def _freeze(case: Case) -> Tuple[object, np.ndarray, Tuple[str, ...]]:
    """Model with inputs 1.. turned into initializers; returns (model, x, frozen names)."""
    import onnx
    from onnx import numpy_helper
    m = case.model
    g = m.graph
    if not g.input:
        raise NotApplicable("the model has no input (its output is a constant)")
    if len(g.output) != 1:
        extra = ", ".join(repr(o.name) for o in g.output[1:])
        node = g.node[0] if len(g.node) == 1 else None
        if node is not None and int(_attr(node, "training_mode") or 0):
            raise NotApplicable(f"training mode: the test checks {len(g.output)} outputs (also {extra})")
        raise NotApplicable(f"the test checks {len(g.output)} outputs (also {extra}); a model has one output")
    vi0 = g.input[0]
    if _kind(vi0.type) != "tensor_type":
        raise NotApplicable(f"input {vi0.name!r} is a {_kind(vi0.type).replace('_type', '')}, not a tensor")
    if vi0.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
        raise NotApplicable(f"{_dtype_name(vi0.type.tensor_type.elem_type)} data "
                            f"(input {vi0.name!r}; the float path is float32)")
    out = g.output[0]
    if _kind(out.type) != "tensor_type" or out.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
        what = _dtype_name(out.type.tensor_type.elem_type) if _kind(out.type) == "tensor_type" else _kind(out.type)
        raise NotApplicable(f"{what} output {out.name!r} (the float path is float32)")
    x = case.inputs[0]
    if x is None or case.outputs[0] is None:
        raise NotApplicable("test data is not a tensor")
    if x.ndim == 0:
        raise NotApplicable("scalar input")
    if np.ndim(case.outputs[0]) == 0:
        raise NotApplicable("scalar (rank-0) output")
    if x.size == 0 or np.asarray(case.outputs[0]).size == 0:
        raise NotApplicable(f"empty tensor (input {tuple(x.shape)}, output {tuple(np.shape(case.outputs[0]))})")
    m2 = copy.deepcopy(m)
    g2 = m2.graph
    frozen = []
    for vi, val in list(zip(g.input, case.inputs))[1:]:
        if val is None:
            raise NotApplicable(f"input {vi.name!r} is not a tensor")
        g2.initializer.append(numpy_helper.from_array(np.asarray(val), vi.name))
        frozen.append(vi.name)
    keep = g2.input[0]
    del g2.input[:]
    g2.input.append(keep)
    return m2, np.asarray(x, np.float32), tuple(frozen)


def _set_input_shape(model, shape: Sequence[int]):
    vi = model.graph.input[0]
    tt = vi.type.tensor_type
    tt.shape.ClearField("dim")
    for d in shape:
        tt.shape.dim.add().dim_value = int(d)
    # an output shape stated for the original batch would contradict the rewritten model
    for o in model.graph.output:
        if o.type.HasField("tensor_type"):
            o.type.tensor_type.ClearField("shape")


def _attr(node, name):
    from onnx import helper
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return None


def _set_attr(node, name, value):
    from onnx import helper
    for k, a in enumerate(node.attribute):
        if a.name == name:
            del node.attribute[k]
            break
    node.attribute.append(helper.make_attribute(name, value))


def _init(model, name) -> Optional[np.ndarray]:
    from onnx import numpy_helper
    for t in model.graph.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    return None


def _set_init(model, name, value):
    from onnx import numpy_helper
    for k, t in enumerate(model.graph.initializer):
        if t.name == name:
            model.graph.initializer[k].CopyFrom(numpy_helper.from_array(np.asarray(value), name))
            return
    raise KeyError(name)


def _opset(model) -> int:
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return int(o.version)
    return 0


def _shift(ax: int) -> int:
    return ax + 1 if ax >= 0 else ax


def _lead_node(model, rank: int) -> Optional[str]:
    """Rewrite the single node of ``model`` for an input with a leading unit axis (rank -> rank + 1).

    Returns "lead" (the output gains the same leading unit axis), "same" (the output is unchanged:
    Flatten) or None when no exact rewrite exists."""
    g = model.graph
    if len(g.node) != 1:
        return None
    node = g.node[0]
    op = node.op_type
    ins = list(node.input)
    opset = _opset(model)

    def const(k):
        return _init(model, ins[k]) if k < len(ins) and ins[k] else None

    if op in _ELEMENTWISE:
        return "lead"
    if op == "Softmax":
        ax = _attr(node, "axis")
        if ax is None:
            ax = -1 if opset >= 13 else 1
        _set_attr(node, "axis", _shift(int(ax)))
        return "lead"
    if op == "Concat":
        _set_attr(node, "axis", _shift(int(_attr(node, "axis"))))
        for k in range(1, len(ins)):
            c = const(k)
            if c is None:
                return None
            _set_init(model, ins[k], c[None])
        return "lead"
    if op == "Flatten":
        ax = _attr(node, "axis")
        _set_attr(node, "axis", _shift(1 if ax is None else int(ax)))
        return "same"          # the output is 2-D either way
    if op == "Transpose":
        perm = _attr(node, "perm")
        perm = list(range(rank))[::-1] if perm is None else [int(p) for p in perm]
        _set_attr(node, "perm", [0] + [p + 1 for p in perm])
        return "lead"
    if op in ("Squeeze", "Unsqueeze", "ReduceMean", "ReduceMax"):
        axes = _attr(node, "axes")
        if axes is not None:
            _set_attr(node, "axes", [_shift(int(a)) for a in axes])
            return "lead"
        c = const(1)
        if c is not None and c.size:
            _set_init(model, ins[1], np.array([_shift(int(a)) for a in c.reshape(-1)], c.dtype))
            return "lead"
        if op == "Squeeze":
            return None          # "every unit axis" would include the new one
        if op.startswith("Reduce"):
            if int(_attr(node, "noop_with_empty_axes") or 0):
                return "lead"
            # "all axes" -> the original ones, explicitly
            name = "__axes"
            from onnx import numpy_helper
            g.initializer.append(numpy_helper.from_array(np.arange(1, rank + 1, dtype=np.int64), name))
            if opset >= 18:
                while len(node.input) < 2:
                    node.input.append("")
                node.input[1] = name
            else:
                _set_attr(node, "axes", list(range(1, rank + 1)))
            return "lead"
        return None
    if op == "Reshape":
        c = const(1)
        if c is None:
            return None
        _set_init(model, ins[1], np.concatenate([np.ones(1, c.dtype), c.reshape(-1)]))
        return "lead"
    if op == "Pad":
        if opset < 11:
            pads = [int(p) for p in _attr(node, "pads")]
            _set_attr(node, "pads", [0] + pads[:rank] + [0] + pads[rank:])
            return "lead"
        axes = const(3)
        if axes is not None:
            _set_init(model, ins[3], np.array([_shift(int(a)) for a in axes.reshape(-1)], axes.dtype))
            return "lead"
        pads = const(1)
        if pads is None:
            return None
        p = pads.reshape(-1)
        _set_init(model, ins[1], np.concatenate([[0], p[:rank], [0], p[rank:]]).astype(p.dtype))
        return "lead"
    if op == "MatMul":
        return "lead" if rank >= 2 else None   # a 1-D left operand is promoted differently
    return None


def _reshaped_input(model, shape: Sequence[int]):
    """The model with input (1, *shape), reshaped to ``shape`` before the first node: the whole test
    tensor is one sample, and every op sees exactly the test's shapes."""
    from onnx import helper, numpy_helper
    m = copy.deepcopy(model)
    g = m.graph
    name = g.input[0].name
    new_in = f"{name}__whole"
    shape_c = f"{name}__shape"
    g.initializer.append(numpy_helper.from_array(np.array(shape, np.int64), shape_c))
    node = helper.make_node("Reshape", [new_in, shape_c], [name], name=f"{name}__reshape")
    g.node.insert(0, node)
    g.input[0].name = new_in
    _set_input_shape(m, (1,) + tuple(shape))
    return m


def _ref_run(model, x: np.ndarray) -> np.ndarray:
    from onnx.reference import ReferenceEvaluator
    return np.asarray(ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x})[0])


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=1e-6, equal_nan=True))


def prepare(case: Case) -> List[Prepared]:
    """The ways to run ``case`` as a one-input batch-1 model, best first (raises NotApplicable)."""
    model, x, frozen = _freeze(case)
    y = np.asarray(case.outputs[0])
    if x.shape[0] == 1:
        _set_input_shape(model, x.shape)
        return [Prepared(case, model, x, y, "direct", frozen)]
    tries = []
    op = case.op
    if not case.expanded and op in _LEADING:
        m = copy.deepcopy(model)
        how = _lead_node(m, x.ndim)
        if how:
            _set_input_shape(m, (1,) + x.shape)
            tries.append(("leading-axis", m, x[None], y[None] if how == "lead" else y))
    m = copy.deepcopy(model)
    _set_input_shape(m, (1,) + x.shape[1:])
    tries.append(("per-sample", m, x, y))
    tries.append(("reshaped-input", _reshaped_input(model, x.shape), x[None], y))
    out, why = [], []
    for mode, m, xs, ys in tries:
        try:
            got = np.concatenate([_ref_run(m, xs[i:i + 1]) for i in range(xs.shape[0])])
        except Exception as e:  # noqa: BLE001 - the rewrite is not a valid model
            why.append(f"{mode}: {_one_line(e)}")
            continue
        if _same(got, ys):
            out.append(Prepared(case, m, xs, ys, mode, frozen))
        elif mode != "per-sample":
            raise RuntimeError(f"harness bug: the {mode} rewrite of {case.name} changes its output")
        else:
            why.append(f"{mode}: outputs differ")
    if not out:
        raise NotApplicable(f"batch {x.shape[0]} (input {tuple(x.shape)}): no one-input rewrite of the test runs "
                            f"in onnx.reference ({'; '.join(why)})")
    return out


def _one_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in (str(e).strip() or type(e).__name__).splitlines() if ln.strip()]
    return (lines[0] if lines else type(e).__name__)[:300]


# ----------------------------------------------------------------------------- compile, build, run

def c_name(test_name: str) -> str:
    from .codegen.emit import c_identifier
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
    from .api import generate
    from .frontends.onnx_import import load_onnx
    from .passes.pipeline import run_passes
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
    from .harness.cbuild import build_cffi
    from .harness.cdefs import cdef_from_headers
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
    from .api import reference
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
    from .ir.graph import GraphError
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


# ----------------------------------------------------------------------------- reporting

_CATEGORIES = [
    (r"reference and onnxruntime disagree", lambda m: "ONNX reference and onnxruntime disagree"),
    (r"^[\w ]+ data \(input", lambda m: "non-float32 input"),
    (r"^[\w ]+ output '", lambda m: "non-float32 output"),
    (r"training", lambda m: "training mode"),
    (r"checks \d+ outputs \(also '(\w+)'", lambda m: "second output (mask / indices)"),
    (r"has no input", lambda m: "no input (constant output)"),
    (r"is a (sequence|optional|map)", lambda m: "sequence / optional input"),
    (r"empty tensor", lambda m: "empty tensor"),
    (r"scalar \(rank-0\) output", lambda m: "scalar output"),
    (r"no one-input rewrite", lambda m: "batch > 1, no one-input rewrite"),
    (r"unsupported ONNX ops: (.*)", lambda m: "function body uses " + ", ".join(sorted(set(
        re.findall(r"\(([A-Za-z]+)\)", m.group(1)))))),
    (r"mode='cubic'|exclude_outside", lambda m: "cubic resize"),
    (r"antialias", lambda m: "antialiased resize"),
    (r"coordinate_transformation_mode='?(\w+)", lambda m: f"Resize mode {m.group(1)}"),
    (r"dilations=.*pooling dilation", lambda m: "pooling dilation"),
    (r"got shape \(1, \d+, \d+, \d+, \d+\)|weight shape \(\d+, \d+, \d+, \d+, \d+\)",
     lambda m: "3-D spatial"),
    (r"batched MatMul", lambda m: "batched MatMul (3-D/4-D constant)"),
    (r"transA", lambda m: "Gemm transA"),
    (r"attribute (\w+)=", lambda m: f"attribute {m.group(1)}"),
]


def categorize(reason: str) -> str:
    """A short label for an n/a reason (the table groups cases by it)."""
    for pat, fn in _CATEGORIES:
        m = re.search(pat, reason)
        if m:
            return fn(m)
    return reason.split(": ")[-1].strip()[:60]


def summarize(results: Sequence[Result]) -> "OrderedDict[str, dict]":
    rows: "OrderedDict[str, dict]" = OrderedDict()
    for op in OPS:
        rs = [r for r in results if r.op == op]
        if not rs:
            continue
        cats = Counter(r.category for r in rs if r.status == "n/a")
        rows[op] = {"cases": len(rs), "passed": sum(r.status == "pass" for r in rs),
                    "failed": sum(r.status == "fail" for r in rs), "na": sum(r.status == "n/a" for r in rs),
                    "reasons": cats}
    return rows


def _onnx_version() -> str:
    import onnx
    return onnx.__version__


def markdown_table(results: Sequence[Result]) -> str:
    rows = summarize(results)
    lines = ["| op | cases | passed | failed | n/a | n/a because |", "|---|---:|---:|---:|---:|---|"]
    tot = Counter()
    for op, r in rows.items():
        why = "; ".join(f"{k} ({v})" if v > 1 else k for k, v in sorted(r["reasons"].items(),
                                                                        key=lambda kv: (-kv[1], kv[0])))
        lines.append(f"| {op} | {r['cases']} | {r['passed']} | {r['failed']} | {r['na']} | {why} |")
        for k in ("cases", "passed", "failed", "na"):
            tot[k] += r[k]
    lines.append(f"| **total** | **{tot['cases']}** | **{tot['passed']}** | **{tot['failed']}** | "
                 f"**{tot['na']}** | |")
    return "\n".join(lines) + "\n"


def readme_block(results: Sequence[Result]) -> str:
    return (f"{README_BEGIN}\n"
            f"<!-- generated by `python -m nncodegen.conformance --write`; do not edit by hand -->\n"
            f"ONNX {_onnx_version()} backend node tests of the ops nncodegen imports, compiled to float32 C and "
            f"compared with the tests' expected outputs (details and every case: "
            f"[docs/CONFORMANCE.md](docs/CONFORMANCE.md)).\n\n"
            f"{markdown_table(results)}"
            f"{README_END}")


def conformance_doc(results: Sequence[Result]) -> str:
    div = "\n".join(f"* `{k}`: {v}." for k, v in sorted(DIVERGENT.items()))
    out = [f"# Conformance: ONNX {_onnx_version()} backend node tests",
           "",
           "Generated by `python -m nncodegen.conformance --write` (code: `nncodegen/conformance.py`; "
           "`tests/test_conformance.py` runs every case and checks that this file and the table in README.md "
           "are what the suite measures).  Do not edit by hand.",
           "",
           METHOD,
           "",
           "Where the ONNX reference and onnxruntime disagree, nncodegen follows onnxruntime (the test suite "
           "checks the C against onnxruntime for these cases):",
           "",
           div,
           "",
           "## Summary",
           "",
           markdown_table(results).rstrip(),
           "",
           "## Every case",
           "",
           "mode: how the test ran (see above); frozen: the test's inputs compiled in as constants; "
           "*expanded*: the test runs the op's ONNX function body instead of the op.",
           ""]
    for op in OPS:
        rs = [r for r in results if r.op == op]
        if not rs:
            continue
        out += [f"### {op}", "", "| test | status | mode | frozen | reason |", "|---|---|---|---|---|"]
        for r in rs:
            name = f"{r.name} *expanded*" if r.expanded else r.name
            reason = r.reason.replace("|", "\\|")
            out.append(f"| {name} | {r.status} | {r.mode} | {', '.join(r.frozen)} | {reason} |")
        out.append("")
    return "\n".join(out)


def replace_readme_block(readme: str, block: str) -> str:
    if README_BEGIN not in readme or README_END not in readme:
        raise ValueError(f"README.md has no {README_BEGIN} ... {README_END} markers")
    a = readme.index(README_BEGIN)
    b = readme.index(README_END) + len(README_END)
    return readme[:a] + block + readme[b:]


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nncodegen.conformance",
                                 description="Run ONNX's backend node tests through nncodegen's float C path.")
    ap.add_argument("--workdir", default=None, help="where the generated C goes (default: build/conformance)")
    ap.add_argument("--write", action="store_true", help="rewrite README.md's table and docs/CONFORMANCE.md")
    ap.add_argument("--check", action="store_true", help="exit 1 unless README.md and docs/CONFORMANCE.md are current")
    ap.add_argument("--list", action="store_true", help="print every case with its status")
    ap.add_argument("-k", dest="names", action="append", help="only this test (repeatable)")
    ap.add_argument("--source", choices=["auto", "files", "generators"], default="auto",
                    help="the onnx wheel's data files, or ONNX's generators (default: files when present)")
    args = ap.parse_args(argv)
    root = repo_root()
    workdir = Path(args.workdir) if args.workdir else root / "build" / "conformance"
    t0 = time.time()
    results = run_suite(workdir, names=args.names, log=lambda s: print(s, file=sys.stderr), source=args.source)
    print(markdown_table(results))
    if args.list or args.names:
        for r in results:
            print(f"{r.status:5} {r.name:60} {r.mode:13} {r.reason}")
    print(f"{len(results)} cases in {time.time() - t0:.1f}s", file=sys.stderr)
    rc = 1 if any(r.status == "fail" for r in results) else 0
    if args.write or args.check:
        if args.names or (args.source == "generators"):
            print("--write/--check need the full suite from the wheel's data files (no -k, no --source "
                  "generators)", file=sys.stderr)
            return 2
        readme = root / "README.md"
        docf = root / "docs" / "CONFORMANCE.md"
        new_readme = replace_readme_block(readme.read_text(), readme_block(results))
        new_doc = conformance_doc(results)
        if args.write:
            readme.write_text(new_readme)
            docf.write_text(new_doc)
        else:
            stale = [p.name for p, t in ((readme, new_readme), (docf, new_doc))
                     if not p.exists() or p.read_text() != t]
            if stale:
                print(f"out of date: {', '.join(stale)} (run python -m nncodegen.conformance --write)",
                      file=sys.stderr)
                rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
