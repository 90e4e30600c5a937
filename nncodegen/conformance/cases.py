"""The ONNX backend node test cases of the ops the importer handles, and the method (METHOD)."""
from __future__ import annotations

import re
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
