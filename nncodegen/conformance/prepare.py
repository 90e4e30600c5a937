"""Turning a node test into a one-input model the C API can run (frozen inputs, batch handling)."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .cases import Case, RTOL, _ELEMENTWISE, _LEADING

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


