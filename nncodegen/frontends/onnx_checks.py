"""Structure checks of an ONNX model before any importer uses it (float, QDQ and QONNX alike).

``check_model`` runs once, right after the file is parsed: node count, every initializer's type, shape
and data size against the limits (ir/limits.py), before a single array is converted.  ``to_array``
converts one initializer or tensor attribute and turns numpy's and onnx's complaints into one line
naming it.
"""
from __future__ import annotations

import re

import numpy as np

from ..ir.errors import GraphError
from ..ir.limits import LIMITS, check_shape
from .common import one_line


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOMAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*)*")

# the attributes of the standard ops the importers read, with the type the ONNX spec gives them
ATTR_TYPES = {
    "axis": "INT", "group": "INT", "transA": "INT", "transB": "INT", "keepdims": "INT", "to": "INT",
    "ceil_mode": "INT", "count_include_pad": "INT", "storage_order": "INT", "select_last_index": "INT",
    "kernel_shape": "INTS", "strides": "INTS", "pads": "INTS", "dilations": "INTS", "perm": "INTS",
    "output_padding": "INTS", "output_shape": "INTS", "axes": "INTS",
    "training_mode": "INT", "spatial": "INT", "antialias": "INT", "exclude_outside": "INT", "allowzero": "INT",
    "noop_with_empty_axes": "INT", "largest": "INT", "sorted": "INT", "blocksize": "INT",
    "alpha": "FLOAT", "beta": "FLOAT", "epsilon": "FLOAT", "momentum": "FLOAT", "extrapolation_value": "FLOAT",
    "cubic_coeff_a": "FLOAT",
    "mode": "STRING", "auto_pad": "STRING", "keep_aspect_ratio_policy": "STRING", "coordinate_transformation_mode": "STRING", "nearest_mode": "STRING",
}


# integer attributes with a lower bound (strides and kernels of zero divide; pads of conv / pool are sizes)
POSITIVE = {"strides": 1, "dilations": 1, "kernel_shape": 1, "group": 1, "pads": 0, "output_padding": 0}


def _label(name) -> str:
    if not isinstance(name, str):  # protobuf hands out bytes for a string field that is not UTF-8
        name = repr(bytes(name))
    return repr(name if len(name) <= 80 else name[:77] + "...")


def _elem_size(onnx, data_type: int):
    try:
        return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(data_type)).itemsize
    except Exception:  # noqa: BLE001 -- unknown or undefined element type
        return None


def check_tensor_proto(onnx, t, src: str, what: str) -> int:
    """Validate a TensorProto's type, shape and data length; returns its size in bytes."""
    T = onnx.TensorProto
    label = f"{src}: {what} {_label(t.name)}"
    if t.data_type in (T.UNDEFINED, T.STRING) or _elem_size(onnx, t.data_type) is None:
        raise GraphError(f"{label}: element type {t.data_type} is not a numeric type")
    dims = tuple(int(d) for d in t.dims)
    check_shape(dims, label)
    n = int(np.prod(dims, dtype=np.int64)) if dims else 1
    if t.data_location == T.EXTERNAL:
        return n * _elem_size(onnx, t.data_type)
    if t.HasField("raw_data"):
        bits = {T.INT4: 4, T.UINT4: 4}.get(t.data_type)
        need = (n * bits + 7) // 8 if bits else n * _elem_size(onnx, t.data_type)
        if len(t.raw_data) != need:
            raise GraphError(f"{label}: {len(t.raw_data)} bytes of data for shape {dims} "
                             f"({need} expected)")
        return need
    have = sum(len(getattr(t, f)) for f in ("float_data", "int32_data", "int64_data", "double_data",
                                               "uint64_data"))
    if have not in (n,) and not (t.data_type in (T.COMPLEX64, T.COMPLEX128) and have == 2 * n):
        packed = t.data_type in (T.INT4, T.UINT4, T.FLOAT16, T.BFLOAT16, T.INT8, T.UINT8, T.INT16, T.UINT16,
                                 T.BOOL)
        if not (packed and have == n) and not (t.data_type in (T.INT4, T.UINT4) and have == (n + 1) // 2):
            raise GraphError(f"{label}: {have} values for shape {dims} ({n} expected)")
    return n * _elem_size(onnx, t.data_type)


def _check_text(src: str, what: str, s) -> None:
    """protobuf hands out bytes for a string field that is not valid UTF-8."""
    if not isinstance(s, str):
        raise GraphError(f"{src}: a {what} is not UTF-8 text ({bytes(s)[:40]!r})")


# no ONNX domain is anywhere near this many versions; a larger number is a corrupt field (and overflows the
# schema registry's int, which then answers nothing)
MAX_OPSET_VERSION = 10_000


def check_model(model, src: str) -> None:
    """Node count, initializers and graph inputs of a parsed model, against ir/limits.py."""
    import onnx
    g = model.graph
    if len(g.node) > LIMITS.max_nodes:
        raise GraphError(f"{src}: {len(g.node)} nodes, over the limit {LIMITS.max_nodes} (limits.max_nodes)")
    total = 0
    for t in g.initializer:
        total += check_tensor_proto(onnx, t, src, "initializer")
        if total > LIMITS.max_weight_bytes:
            raise GraphError(f"{src}: the initializers take more than {LIMITS.max_weight_bytes} bytes "
                             f"(limits.max_weight_bytes), reached at {_label(t.name)}")
    for o in model.opset_import:
        _check_text(src, "opset domain", o.domain)
        if not 1 <= o.version <= MAX_OPSET_VERSION:
            raise GraphError(f"{src}: opset_import of domain {_label(o.domain)}: version {o.version} is out of "
                             f"range (1 to {MAX_OPSET_VERSION})")
    A = onnx.AttributeProto
    _check_text(src, "graph name", g.name)
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        _check_text(src, "value name", vi.name)
    for t in g.initializer:
        _check_text(src, "initializer name", t.name)
    for n in g.node:
        for what, s in [("node name", n.name), ("op type", n.op_type), ("domain", n.domain)] + \
                [("input name", s) for s in n.input] + [("output name", s) for s in n.output] + \
                [("attribute name", a.name) for a in n.attribute]:
            _check_text(src, what, s)
        if not n.op_type:
            raise GraphError(f"{src}: node {_label(n.name)} has no op_type")
        # op types and domains are identifiers in every ONNX opset: anything else is a corrupt file (and
        # would reach messages unquoted)
        if not _IDENT.fullmatch(n.op_type) or (n.domain and not _DOMAIN.fullmatch(n.domain)):
            raise GraphError(f"{src}: node {_label(n.name)}: op type {_label(n.op_type)} / domain "
                             f"{_label(n.domain)} is not an identifier")
        for a in n.attribute:
            want = ATTR_TYPES.get(a.name)
            if want is not None and a.type != getattr(A, want):
                raise GraphError(f"{src}: node {_label(n.name)} ({_label(n.op_type)[1:-1]}): attribute "
                                 f"{_label(a.name)} must be of type {want}")
            if a.name in POSITIVE and a.type in (A.INT, A.INTS) and n.op_type != "Pad":
                vals = list(a.ints) if a.type == A.INTS else [a.i]
                low = POSITIVE[a.name]
                if any(v < low or v > LIMITS.max_dim for v in vals):
                    raise GraphError(f"{src}: node {_label(n.name)} ({_label(n.op_type)[1:-1]}): attribute "
                                     f"{a.name}={vals[:8]} must hold values from {low} to {LIMITS.max_dim}")
            if a.type == A.STRING:
                try:
                    a.s.decode("utf-8")
                except UnicodeDecodeError:
                    raise GraphError(f"{src}: node {_label(n.name)}: attribute {_label(a.name)} is not "
                                     f"UTF-8 text") from None


def to_array(onnx, t, src: str, what: str = "initializer") -> np.ndarray:
    """numpy array of a TensorProto, checked first (one line naming it on any problem)."""
    check_tensor_proto(onnx, t, src, what)
    try:
        return onnx.numpy_helper.to_array(t)
    except GraphError:
        raise
    except Exception as e:  # noqa: BLE001 -- onnx / numpy raise many kinds for malformed tensors
        raise GraphError(f"{src}: {what} {_label(t.name)}: {one_line(e)}") from None


def check_arity(onnx, node, opset: int, src: str, label: str) -> None:
    """Inputs and outputs of a standard-domain node against its ONNX schema: counts, and no required
    input left empty (the handlers index their inputs freely after this)."""
    if node.domain not in ("", "ai.onnx"):
        return
    try:
        # a model may name a newer opset than the installed onnx knows: its newest schema applies
        s = onnx.defs.get_schema(node.op_type, min(opset, onnx.defs.onnx_opset_version()), "")
    except Exception:  # noqa: BLE001 -- an op the schema registry does not know: the dispatch refuses it
        return
    n_in, n_out = len(node.input), len(node.output)
    if not s.min_input <= n_in <= s.max_input:
        raise GraphError(f"{src}: node {label}: {n_in} inputs (the op takes {s.min_input} to {s.max_input})")
    if not s.min_output <= n_out <= s.max_output or not any(node.output):
        raise GraphError(f"{src}: node {label}: {n_out} outputs (the op gives {s.min_output} to {s.max_output})")
    single = onnx.defs.OpSchema.FormalParameterOption.Single
    for k, f in enumerate(s.inputs):
        if f.option == single and k < n_in and not node.input[k]:
            raise GraphError(f"{src}: node {label}: required input {k} ({f.name}) is empty")
