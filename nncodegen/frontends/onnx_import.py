"""ONNX float model (opset 7 and newer, tested 7..21) -> IR Graph in NHWC.

    g = load_onnx("model.onnx")          # or load_onnx(onnx.ModelProto)

Layout rule: the model is converted to NHWC once, here.  Every ONNX value is
tracked with the layout its IR tensor is stored in:

* ``nhwc``  a 4-D ONNX (N, C, H, W) value stored as (N, H, W, C);
* ``plain`` stored in ONNX's own axis order;
* ``flat``  a 2-D ONNX (N, C*H*W) value (Flatten / Reshape of an NHWC value)
            stored in H, W, C order, i.e. a plain reshape of the NHWC tensor.
            A Gemm / MatMul reading it gets its weight columns permuted
            instead of a transpose of the activation (every CNN classifier).

Spatial ops need ``nhwc``; elementwise ops convert their constants to the
operand's layout; layout-sensitive ops (Reshape, Transpose, Softmax, ...) on
an NHWC value get an explicit IR transpose back to ONNX order.  A cleanup
then removes identity transposes/reshapes, turns transposes that only move
size-1 axes into reshapes, merges chains and drops dead nodes.

Also done here: BatchNormalization and constant Mul/Add/Sub after a
conv/conv_transpose/dense are folded into its weights and bias (MatMul + Add
becomes one dense); the channel-shuffle pattern Reshape(N,g,C/g,H,W) ->
Transpose(0,2,1,3,4) -> Reshape(N,C,H,W) becomes one ``channel_shuffle``;
Identity/Dropout disappear; nodes whose inputs are all constant are folded
(with ``onnx.reference``), and ``Shape`` of a (static) activation is a
constant, so Shape->Gather->Concat->Reshape chains fold away.  Standalone
activations are fused into their producer by ``passes.fuse_activation``.

Supported ops: Conv, ConvTranspose, Gemm, MatMul (activation @ constant matrix or vector),
BatchNormalization, Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish, PRelu (any
broadcastable slope: per-channel and scalar slopes run as one kernel, others as relu + slope * min(x, 0)),
MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean/ReduceMax (over H and W: a global
pool; over other axes: the reduced axes moved first and pooled), Add, Mul, Sub, Div (by a constant),
Max/Min (of an activation and a constant: a clip), Concat, Flatten, Reshape, Transpose, Squeeze,
Unsqueeze, Pad (constant/reflect/edge), Resize (nearest/linear) and Upsample, Softmax, Identity,
Dropout, Cast/CastLike (to float), Constant, plus any op whose inputs are all constant.  Spatial ops
are 2-D (4-D tensors); 1-D ones (3-D tensors) run as 2-D with a unit height.  Batch is forced to 1.

Graph meta: ``source="onnx"``, ``input_layout`` / ``output_layout`` are ``"NCHW->NHWC"`` (the IR
tensor is the ONNX one transposed by (0,2,3,1)) or ``"plain"`` (ONNX order: 2-D tensors, and the
4-D input of an NHWC model whose only use is a Transpose(0,3,1,2)); also ``onnx_input_shape`` /
``onnx_output_shape`` and ``opset``.

Everything that goes wrong is a one-line ``GraphError``.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..ir.checker import check_graph
from ..ir.graph import Graph, GraphError, Node, Tensor
from ..ir.ops import infer_node

NHWC_TO_NCHW = (0, 3, 1, 2)   # transpose perm: NHWC storage -> ONNX (N, C, H, W)
NCHW_TO_NHWC = (0, 2, 3, 1)   # transpose perm: ONNX order -> NHWC storage (storage axis j = ONNX axis [j])
NCHW_AXIS = (0, 3, 1, 2)      # ONNX axis i of an nhwc value lives at storage axis NCHW_AXIS[i]

MIN_OPSET = 7


@dataclass
class _Val:
    shape: Tuple[int, ...]                 # ONNX logical shape (batch forced to 1)
    const: Optional[np.ndarray] = None     # constant value (ONNX order, original dtype)
    ir: Optional[str] = None               # IR tensor holding the storage
    layout: str = "plain"                  # "plain" | "nhwc" | "flat"
    chw: Optional[Tuple[int, int, int]] = None   # for "flat"
    origin: Optional[tuple] = None         # pattern bookkeeping (channel shuffle)
    cache: Dict[str, str] = field(default_factory=dict)

    @property
    def is_const(self) -> bool:
        return self.const is not None


def _fmt_list(v) -> str:
    return "[" + ", ".join(str(x) for x in v) + "]" if isinstance(v, (list, tuple)) else repr(v)


# ------------------------------------------------------------------------------ loading

def _load_model(path_or_model):
    import onnx
    if isinstance(path_or_model, onnx.ModelProto):
        src = f"onnx model {path_or_model.graph.name!r}" if path_or_model.graph.name else "onnx model"
        model = path_or_model
    else:
        src = os.fspath(path_or_model)
        if not os.path.isfile(src):
            raise GraphError(f"{src}: no such file")
        try:
            model = onnx.load(src)
        except Exception as e:  # noqa: BLE001 -- protobuf raises many kinds
            raise GraphError(f"{src}: not a valid ONNX model ({_one_line(e)})") from None
    # structural sanity only: onnx.checker is stricter than onnxruntime (e.g. outputs without a
    # shape), and the importer checks everything it uses itself
    why = None
    if model.ir_version <= 0:
        why = "missing or zero ir_version"
    elif not model.HasField("graph"):
        why = "no graph"
    elif not model.opset_import:
        why = "no opset_import"
    elif not model.graph.output:
        why = "the graph has no outputs"
    if why:
        raise GraphError(f"{src}: not a valid ONNX model ({why})")
    return model, src


def _one_line(e: BaseException) -> str:
    msg = str(e).strip() or type(e).__name__
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    msg = lines[0] if lines else type(e).__name__
    if len(lines) > 1 and len(msg) < 40:
        msg = " ".join(lines[:3])
    return msg[:300]


def load_onnx(path_or_model, name: Optional[str] = None) -> Graph:
    """Import an ONNX float model (path or ModelProto) as a checked, fused NHWC IR Graph."""
    model, src = _load_model(path_or_model)
    from .qonnx_import import is_qonnx, load_qonnx
    if is_qonnx(model):  # QONNX (Brevitas, FINN): quantizer nodes, binary / ternary layers
        return load_qonnx(model, src, name, path_or_model)
    from .onnx_qdq import is_quantized_onnx, load_qdq
    if is_quantized_onnx(model):  # int8 QDQ / QOperator models (onnxruntime's quantizer, PyTorch)
        return load_qdq(path_or_model, name)
    imp = _Importer(model, src, name, path_or_model)
    try:
        return imp.run()
    except GraphError:
        raise
    except Exception as e:  # noqa: BLE001 -- never let a deep traceback escape for bad models
        where = ""
        if imp.current is not None:
            where = f" at node {imp.node_label(imp.current)}"
        raise GraphError(f"{src}: cannot import{where}: {type(e).__name__}: {_one_line(e)}") from None


# ------------------------------------------------------------------------------ the importer

class _Importer:
    def __init__(self, model, src: str, name: Optional[str], path_or_model=None):
        import onnx
        self.onnx = onnx
        self.model = model
        self.src = src
        self.og = model.graph
        self.opset = None
        for o in model.opset_import:
            if o.domain in ("", "ai.onnx"):
                self.opset = int(o.version)
        stem = "" if isinstance(path_or_model, self.onnx.ModelProto) else \
            os.path.splitext(os.path.basename(os.fspath(path_or_model)))[0]
        self.g = Graph(name or stem or self.og.name or "model")
        self.vals: Dict[str, _Val] = {}
        self.current = None
        self.n_consumers: Dict[str, int] = {}
        self._names: set = set()      # IR tensor names
        self._nnames: set = set()     # IR node names

    # ---- messages --------------------------------------------------------------------
    def node_label(self, node) -> str:
        return f"{self.node_name(node)!r} ({node.op_type})"

    def node_name(self, node) -> str:
        if node.name:
            return node.name
        return f"{node.op_type}_{self._node_index.get(tuple(node.output), 0)}"

    def fail(self, node, msg: str):
        raise GraphError(f"{self.src}: node {self.node_label(node)}: {msg}")

    def bad_attr(self, node, attr: str, value, why: str = "not supported"):
        raise GraphError(f"{self.src}: node {self.node_label(node)}: attribute {attr}={_fmt_list(value)} {why}")

    # ---- driver ----------------------------------------------------------------------
    def run(self) -> Graph:
        og = self.og
        # keyed by the outputs (unique in a graph): protobuf hands out a new wrapper object per access,
        # so id() of a node is not stable
        self._node_index = {tuple(n.output): i for i, n in enumerate(og.node)}
        if self.opset is None:
            raise GraphError(f"{self.src}: the model imports no default-domain ('ai.onnx') opset")
        if self.opset < MIN_OPSET:
            raise GraphError(f"{self.src}: opset {self.opset} is too old (need >= {MIN_OPSET})")

        # unsupported ops, all at once (ops whose inputs are all constant fold away)
        const = {i.name for i in og.initializer}
        bad = []
        for n in og.node:
            if n.domain not in ("", "ai.onnx"):
                bad.append(f"{self.node_name(n)!r} ({n.domain}.{n.op_type})")
            elif n.op_type in ("Shape", "Size") or _foldable(n, [bool(i) and i in const for i in n.input]):
                const.update(o for o in n.output if o)
            elif not hasattr(self, "op_" + n.op_type):
                bad.append(self.node_label(n))
        if bad:
            raise GraphError(f"{self.src}: unsupported ONNX ops: {', '.join(bad)}")

        for n in og.node:
            for i in n.input:
                if i:
                    self.n_consumers[i] = self.n_consumers.get(i, 0) + 1
        self.graph_outputs = {o.name for o in og.output}

        for init in og.initializer:
            self.vals[init.name] = self._const_val(self.onnx.numpy_helper.to_array(init))
        for sp in og.sparse_initializer:
            raise GraphError(f"{self.src}: sparse initializer {sp.values.name!r} not supported")

        inputs = [i for i in og.input if i.name not in self.vals]
        if len(inputs) != 1:
            raise GraphError(f"{self.src}: the model must have exactly one (non-initializer) input, "
                             f"it has {len(inputs)}: {[i.name for i in inputs]}")
        if len(og.output) != 1:
            raise GraphError(f"{self.src}: the model must have exactly one output, it has {len(og.output)}: "
                             f"{[o.name for o in og.output]}")
        self._make_input(inputs[0])

        for node in og.node:
            self.current = node
            self._import_node(node)
        self.current = None

        out = og.output[0].name
        if out not in self.vals:
            raise GraphError(f"{self.src}: graph output {out!r} is never produced")
        v = self.vals[out]
        if v.is_const:
            raise GraphError(f"{self.src}: graph output {out!r} is a constant (it does not depend on the input)")
        if v.layout == "nhwc":
            oname = v.ir
            self.g.meta["output_layout"] = "NCHW->NHWC"
        else:
            oname = self.plain(v)
            self.g.meta["output_layout"] = "plain"
        self.g.meta["onnx_output_shape"] = tuple(v.shape)
        self.g.outputs = [oname]
        self.g.meta["source"] = "onnx"
        self.g.meta["opset"] = self.opset

        _cleanup(self.g)
        self.g.remove_unused()
        self._copy_if_input(out)
        check_graph(self.g, "onnx import")
        from ..passes.fuse_activation import fuse_activations
        return fuse_activations(self.g)

    def _copy_if_input(self, onnx_out: str):
        """A model whose output is its input (Identity, Dropout, a transpose that only relabels NCHW as NHWC)
        or a reshape of it computes nothing, but the C API writes a separate output buffer: add a copy
        (an identity transpose)."""
        g = self.g
        prod = {o: n for n in g.nodes for o in n.outputs}
        t = g.outputs[0]
        while t in prod and prod[t].op == "reshape":
            t = prod[t].inputs[0]
        if t not in g.inputs:
            return
        src = g.outputs[0]
        r = len(g.tensors[src].shape)
        g.outputs = [self.emit("transpose", [src], {"perm": tuple(range(r))}, out=onnx_out, name="output_copy")]

    def _make_input(self, vi):
        tt = vi.type.tensor_type
        if not vi.type.HasField("tensor_type") or tt.elem_type != self.onnx.TensorProto.FLOAT:
            raise GraphError(f"{self.src}: input {vi.name!r} must be a float32 tensor")
        if not tt.HasField("shape"):
            raise GraphError(f"{self.src}: input {vi.name!r} has no shape")
        dims = []
        for k, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(int(d.dim_value))
            elif k == 0:
                dims.append(1)
            else:
                raise GraphError(f"{self.src}: input {vi.name!r} dimension {k} is not static "
                                 f"({d.dim_param or '?'}); only the batch dimension may be symbolic")
        if not dims:
            raise GraphError(f"{self.src}: input {vi.name!r} is a scalar")
        if dims[0] != 1:
            raise GraphError(f"{self.src}: input {vi.name!r} has fixed batch size {dims[0]}; only batch 1 "
                             f"(or a symbolic batch) is supported")
        shape = tuple(dims)
        users = [n for n in self.og.node if vi.name in n.input]
        nhwc_model = bool(users) and all(
            n.op_type == "Transpose" and [int(p) for p in self.attrs(n).get("perm", [])] == [0, 3, 1, 2]
            for n in users)   # an NHWC model (tf2onnx): keep the input as it is, the transposes vanish
        if len(shape) == 4 and not nhwc_model:
            st = tuple(shape[i] for i in NCHW_TO_NHWC)
            layout = "nhwc"
            self.g.meta["input_layout"] = "NCHW->NHWC"
        else:
            st = shape
            layout = "plain"
            self.g.meta["input_layout"] = "plain"
        self.g.meta["onnx_input_shape"] = shape
        t = self.g.add_tensor(Tensor(self._tname(vi.name), st))
        self.g.inputs.append(t.name)
        self.vals[vi.name] = _Val(shape, ir=t.name, layout=layout)

    # ---- node dispatch ------------------------------------------------------------------
    def _import_node(self, node):
        ins = [self.vals.get(i) if i else None for i in node.input]
        for i, v in zip(node.input, ins):
            if i and v is None:
                self.fail(node, f"input {i!r} is not produced by any earlier node")
        real = [v for v in ins if v is not None]
        if node.op_type in ("Shape", "Size") and real and not real[0].is_const:
            shp = np.array(real[0].shape, dtype=np.int64)
            if node.op_type == "Size":
                arr = np.array(int(np.prod(shp)), dtype=np.int64)
            else:
                a = self.attrs(node)
                arr = shp[a.get("start", 0):a.get("end", None)]
            self.vals[node.output[0]] = self._const_val(arr)
            return
        handler = getattr(self, "op_" + node.op_type, None)
        if _foldable(node, [v is not None and v.is_const for v in ins]):
            try:
                outs = self._fold(node, ins)
            except GraphError:
                raise
            except Exception as e:  # noqa: BLE001
                if handler is None:
                    self.fail(node, f"cannot evaluate on constant inputs ({_one_line(e)})")
                outs = None
            if outs is not None:
                for o, arr in zip(node.output, outs):
                    if o:
                        self.vals[o] = self._const_val(arr)
                return
        if handler is None:  # the pre-scan rules this out
            self.fail(node, "unsupported op")
        handler(node, ins, self.attrs(node))

    def attrs(self, node) -> dict:
        out = {}
        for a in node.attribute:
            v = self.onnx.helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            out[a.name] = v
        return out

    def _fold(self, node, ins) -> List[np.ndarray]:
        onnx = self.onnx
        if node.op_type == "Constant":
            a = self.attrs(node)
            if "value" in a:
                return [onnx.numpy_helper.to_array(a["value"])]
            for k, dt in (("value_float", np.float32), ("value_floats", np.float32), ("value_int", np.int64),
                          ("value_ints", np.int64)):
                if k in a:
                    return [np.array(a[k], dtype=dt)]
            self.fail(node, f"unsupported Constant attributes {sorted(a)}")
        from onnx.reference import ReferenceEvaluator
        names_in = [f"in{k}" if v is not None else "" for k, v in enumerate(ins)]
        names_out = [f"out{k}" if o else "" for k, o in enumerate(node.output)]
        n2 = onnx.helper.make_node(node.op_type, names_in, names_out, domain=node.domain)
        n2.attribute.extend(node.attribute)
        feeds = {}
        vis = []
        for nm, v in zip(names_in, ins):
            if v is None:
                continue
            feeds[nm] = v.const
            vis.append(onnx.helper.make_tensor_value_info(
                nm, onnx.helper.np_dtype_to_tensor_dtype(v.const.dtype), list(v.const.shape)))
        outs = [onnx.helper.make_tensor_value_info(o, 0, None) for o in names_out if o]
        g = onnx.helper.make_graph([n2], "fold", vis, outs)
        m = onnx.helper.make_model(g, opset_imports=[onnx.helper.make_opsetid("", self.opset)])
        res = ReferenceEvaluator(m).run(None, feeds)
        it = iter(res)
        return [np.asarray(next(it)) if o else None for o in names_out]

    # ---- values & IR emission -------------------------------------------------------------
    def _const_val(self, arr) -> _Val:
        arr = np.asarray(arr)
        return _Val(tuple(int(d) for d in arr.shape), const=arr)

    def _tname(self, base: str) -> str:
        base = base or "t"
        name = base
        k = 1
        while name in self._names:
            name = f"{base}_{k}"
            k += 1
        self._names.add(name)
        return name

    def _node_name_new(self, base: str) -> str:
        base = base or "node"
        name = base
        k = 1
        while name in self._nnames:
            name = f"{base}_{k}"
            k += 1
        self._nnames.add(name)
        return name

    def const(self, data, hint: str) -> str:
        data = np.array(data, dtype=np.float32)
        if data.ndim == 0:
            data = data.reshape(1)
        name = self._tname(hint)
        self.g.add_tensor(Tensor(name, tuple(data.shape), data=data))
        return name

    def emit(self, op: str, inputs: Sequence[str], attrs: dict, out: Optional[str] = None,
             name: Optional[str] = None) -> str:
        nname = self._node_name_new(name or out or op)
        oname = self._tname(out) if out else self._tname(nname + "_out")
        node = Node(nname, op, list(inputs), [oname], dict(attrs))
        (shape,) = infer_node(self.g, node)
        self.g.add_tensor(Tensor(oname, tuple(int(s) for s in shape)))
        self.g.nodes.append(node)
        return oname

    def ir_shape(self, ir: str) -> Tuple[int, ...]:
        return tuple(self.g.tensors[ir].shape)

    def set_out(self, node, ir: str, layout: str, k: int = 0, chw=None, origin=None) -> _Val:
        st = self.ir_shape(ir)
        if layout == "nhwc":
            shape = tuple(st[i] for i in NHWC_TO_NCHW)
        elif layout == "flat":
            shape = (st[0], int(np.prod(st[1:])))
        else:
            shape = st
        v = _Val(shape, ir=ir, layout=layout, chw=chw, origin=origin)
        self.vals[node.output[k]] = v
        return v

    def alias(self, node, v: _Val, k: int = 0):
        self.vals[node.output[k]] = v

    def nname(self, node) -> str:
        return self.node_name(node)

    # ---- layout conversions -----------------------------------------------------------
    def plain(self, v: _Val) -> str:
        """IR tensor holding v in ONNX axis order."""
        if "plain" in v.cache:
            return v.cache["plain"]
        if v.is_const:
            r = self.const(v.const, "const")
        elif v.layout == "plain":
            r = v.ir
        elif v.layout == "nhwc":
            r = self.emit("transpose", [v.ir], {"perm": NHWC_TO_NCHW}, name=f"{v.ir}_to_nchw")
        elif v.layout == "flat":
            c, h, w = v.chw
            n = v.shape[0]
            t = self.emit("reshape", [v.ir], {"shape": (n, h, w, c)}, name=f"{v.ir}_unflat")
            t = self.emit("transpose", [t], {"perm": NHWC_TO_NCHW}, name=f"{v.ir}_to_nchw")
            r = self.emit("reshape", [t], {"shape": tuple(v.shape)}, name=f"{v.ir}_flat")
        else:  # pragma: no cover
            raise AssertionError(v.layout)
        v.cache["plain"] = r
        return r

    def nhwc(self, v: _Val, node=None) -> str:
        """IR tensor holding a 4-D value in NHWC order (lower ranks get leading 1s)."""
        if v.layout == "nhwc" and not v.is_const:
            return v.ir
        if "nhwc" in v.cache:
            return v.cache["nhwc"]
        if len(v.shape) > 4:
            if node is not None:
                self.fail(node, f"a {len(v.shape)}-D tensor cannot be used here")
            raise GraphError(f"{self.src}: cannot convert a {len(v.shape)}-D tensor to NHWC")
        shape4 = (1,) * (4 - len(v.shape)) + tuple(v.shape)
        if v.is_const:
            r = self.const(np.asarray(v.const, np.float32).reshape(shape4).transpose(NCHW_TO_NHWC), "const")
        else:
            p = self.plain(v)
            if len(v.shape) < 4:
                p = self.emit("reshape", [p], {"shape": shape4}, name=f"{p}_4d")
            r = self.emit("transpose", [p], {"perm": NCHW_TO_NHWC}, name=f"{p}_to_nhwc")
        v.cache["nhwc"] = r
        return r

    def spatial_in(self, node, v: _Val) -> str:
        if v is None:
            self.fail(node, "missing input")
        if len(v.shape) != 4:
            self.fail(node, f"only 1-D and 2-D spatial inputs ((N,C,L) or (N,C,H,W)) are supported, "
                            f"got shape {v.shape}")
        return self.nhwc(v, node)

    def const_in(self, node, ins, k: int, what: str, optional: bool = False) -> Optional[np.ndarray]:
        v = ins[k] if k < len(ins) else None
        if v is None:
            if optional:
                return None
            self.fail(node, f"missing {what} input")
        if not v.is_const:
            self.fail(node, f"{what} (input {k}) must be a constant")
        return v.const

    def const_to_storage(self, c: np.ndarray, v: _Val) -> Optional[np.ndarray]:
        """A constant broadcast against ONNX value v, rearranged for v's storage (None: impossible)."""
        c = np.asarray(c, np.float32)
        if v.layout == "plain":
            return c
        if v.layout == "nhwc":
            if c.ndim > 4:
                return None
            c4 = c.reshape((1,) * (4 - c.ndim) + c.shape).transpose(NCHW_TO_NHWC)
            return _strip_leading_ones(c4)
        if v.layout == "flat":
            n, f = v.shape
            if c.size == 1 and c.ndim <= 2:
                return c.reshape(1)
            if c.ndim <= 2 and c.shape[-1] == f and c.size == f:
                return c.reshape(-1)[_flat_perm(*v.chw)]
            return None
        return None

    # ---- folding into the producer -------------------------------------------------------
    def try_fold_affine(self, node, x: _Val, scale: Optional[np.ndarray], shift: Optional[np.ndarray]) -> bool:
        """Fold y = x*scale + shift (per storage-last-axis channel vectors) into x's producer."""
        if x.is_const or x.ir is None:
            return False
        # every ONNX name stored in x's IR tensor (aliases through Identity, Transpose, ...) counts
        names = [k for k, v in self.vals.items() if v.ir == x.ir and not v.is_const]
        if sum(self.n_consumers.get(k, 0) for k in names) != 1 or any(k in self.graph_outputs for k in names):
            return False
        prod = self.g.producer(x.ir)
        if prod is None or prod.op not in ("conv2d", "conv_transpose2d", "dense"):
            return False
        if prod.attrs.get("act", "none") != "none":
            return False
        if any(x.ir in n.inputs for n in self.g.nodes) or x.ir in self.g.outputs:
            return False
        if (prod.op == "dense" and x.layout != "plain") or (prod.op != "dense" and x.layout != "nhwc"):
            return False
        w = self.g.tensors[prod.inputs[1]].data.astype(np.float64)
        cout = w.shape[0]
        b = self.g.tensors[prod.inputs[2]].data.astype(np.float64) if len(prod.inputs) > 2 else np.zeros(cout)
        if scale is not None:
            scale = np.broadcast_to(np.asarray(scale, np.float64).reshape(-1), (cout,))
            w = w * scale.reshape((cout,) + (1,) * (w.ndim - 1))
            b = b * scale
        if shift is not None:
            b = b + np.broadcast_to(np.asarray(shift, np.float64).reshape(-1), (cout,))
        hint = prod.name
        prod.inputs = [prod.inputs[0], self.const(w, f"{hint}_w"), self.const(b, f"{hint}_b")]
        # the producer's output takes the ONNX name of the folded node's output when free
        new = node.output[0]
        if new not in self.g.tensors and new not in self._names:
            self._names.add(new)
            t = self.g.tensors.pop(x.ir)
            t.name = new
            self.g.tensors[new] = t
            prod.outputs = [new]
            ir = new
        else:
            ir = x.ir
        self.vals[node.output[0]] = _Val(x.shape, ir=ir, layout=x.layout)
        return True

    @staticmethod
    def channel_vector(c: np.ndarray, storage_shape: Tuple[int, ...]) -> Optional[np.ndarray]:
        """c (already in storage layout) as a per-last-axis vector, if it is one and does not widen x."""
        c = np.asarray(c)
        if c.ndim > len(storage_shape):
            return None
        cs = (1,) * (len(storage_shape) - c.ndim) + c.shape
        ch = storage_shape[-1]
        if any(d != 1 for d in cs[:-1]) or cs[-1] not in (1, ch):
            return None
        return np.broadcast_to(c.reshape(-1), (ch,)).astype(np.float64)

    # ================================================================= op handlers
    # ---- trivial -----------------------------------------------------------------------
    def op_Identity(self, node, ins, a):
        self.alias(node, ins[0])

    def op_Dropout(self, node, ins, a):
        if len(node.output) > 1 and node.output[1] and self.n_consumers.get(node.output[1], 0):
            self.fail(node, "the mask output is used (training mode) - not supported")
        if len(ins) > 2 and ins[2] is not None:
            if not ins[2].is_const or bool(np.asarray(ins[2].const).reshape(-1)[0]):
                self.fail(node, "training_mode must be a constant false")
        self.alias(node, ins[0])

    def op_Cast(self, node, ins, a):
        if a.get("to") != self.onnx.TensorProto.FLOAT:
            self.bad_attr(node, "to", a.get("to"), "(only a cast to float32 of an activation is supported)")
        self.alias(node, ins[0])

    def op_CastLike(self, node, ins, a):
        x, like = ins[0], ins[1]
        if like.is_const and np.asarray(like.const).dtype != np.float32:
            self.fail(node, f"only a cast to float32 is supported (target {np.asarray(like.const).dtype})")
        if x.is_const:   # e.g. a function body's CastLike(constant, X): the constant in X's type (float32)
            self.vals[node.output[0]] = self._const_val(np.asarray(x.const).astype(np.float32))
            return
        self.alias(node, x)

    def _clamp_by_consts(self, node, ins, bound: str):
        """Max / Min of one activation and constants: a clip at the constants' (single) value."""
        acts = [v for v in ins if v is not None and not v.is_const]
        consts = [np.asarray(v.const, np.float64) for v in ins if v is not None and v.is_const]
        if len(acts) != 1:
            self.fail(node, f"{node.op_type} of {len(acts)} activations is not supported (one activation "
                            f"and constants only)")
        x = acts[0]
        if not consts:
            self.alias(node, x)
            return
        vals = np.concatenate([c.reshape(-1) for c in consts])
        if np.any(vals != vals[0]):
            self.fail(node, f"{node.op_type} with a non-uniform constant is not supported")
        shape = tuple(np.broadcast_shapes(tuple(x.shape), *[c.shape for c in consts]))
        if shape != tuple(x.shape):
            self.fail(node, f"the constants would broadcast the activation {x.shape} to {shape}")
        v = float(vals[0])
        attrs = {"min": v, "max": None} if bound == "min" else {"min": None, "max": v}
        if attrs == {"min": 0.0, "max": None}:
            self._unary(node, x, "relu", {})
        else:
            self._unary(node, x, "clip", attrs)

    def op_Max(self, node, ins, a):
        self._clamp_by_consts(node, ins, "min")

    def op_Min(self, node, ins, a):
        self._clamp_by_consts(node, ins, "max")

    # ---- convolution --------------------------------------------------------------------
    def _spatial_pads(self, node, a, in_hw, kernel, strides, dil):
        auto = a.get("auto_pad", "NOTSET")
        if auto in ("NOTSET", ""):
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if len(pads) != 4:
                self.bad_attr(node, "pads", pads, "must have 4 values")
            if any(p < 0 for p in pads):
                self.bad_attr(node, "pads", pads, "(negative pads) not supported")
            return [int(p) for p in pads]
        if auto == "VALID":
            return [0, 0, 0, 0]
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            begin, end = [], []
            for i in range(2):
                out = -(-in_hw[i] // strides[i])
                total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - in_hw[i])
                if auto == "SAME_UPPER":
                    b = total // 2
                else:
                    b = total - total // 2
                begin.append(b)
                end.append(total - b)
            return [begin[0], begin[1], end[0], end[1]]
        self.bad_attr(node, "auto_pad", auto)

    def _two(self, node, a, key, default):
        v = list(a.get(key, default))
        if len(v) != 2:
            self.bad_attr(node, key, v, "(only 1-D and 2-D spatial ops are supported)")
        return [int(x) for x in v]

    def _as_2d(self, node, ins, a, handler):
        """Run a 1-D spatial op (input (N, C, L)) as the 2-D op on (N, C, 1, L): the attributes and the
        weight gain a unit height, and the output (N, C', 1, L') is reshaped back to (N, C', L').  Between
        two such ops the reshapes and layout transposes cancel in the cleanup."""
        x = ins[0]
        n, c, length = x.shape
        x4 = self.emit("reshape", [self.plain(x)], {"shape": (n, c, 1, length)}, name=f"{self.nname(node)}_2d")
        ins2 = [_Val((n, c, 1, length), ir=x4, layout="plain")]
        for v in ins[1:2]:    # the weight (Conv: Cout, Cin/g, K; ConvTranspose: Cin, Cout/g, K)
            if v is not None and v.is_const and np.asarray(v.const).ndim == 3:
                w = np.asarray(v.const)
                v = self._const_val(w.reshape(w.shape[0], w.shape[1], 1, w.shape[2]))
            ins2.append(v)
        ins2 += list(ins[2:])
        a2 = dict(a)
        for key, pre in (("kernel_shape", 1), ("strides", 1), ("dilations", 1), ("output_padding", 0),
                         ("output_shape", 1)):
            if key in a2:
                a2[key] = [pre] + [int(v) for v in a2[key]][-1:]
        if "pads" in a2:
            pads = [int(v) for v in a2["pads"]]
            if len(pads) != 2:
                self.bad_attr(node, "pads", pads, "must have 2 values for a 1-D op")
            a2["pads"] = [0, pads[0], 0, pads[1]]
        node2 = self.onnx.NodeProto()
        node2.CopyFrom(node)
        node2.name = self.node_name(node)
        node2.output[0] = f"{node.output[0]}_2d"
        handler(node2, ins2, a2)
        v4 = self.vals.pop(node2.output[0])
        n4, c4, _, l4 = v4.shape
        out = self.emit("reshape", [self.plain(v4)], {"shape": (n4, c4, l4)}, out=node.output[0],
                        name=f"{self.nname(node)}_1d")
        self.set_out(node, out, "plain")

    def op_Conv(self, node, ins, a):
        x = ins[0]
        W = self.const_in(node, ins, 1, "weight")
        if W.ndim == 3 and len(x.shape) == 3:
            return self._as_2d(node, ins, a, self.op_Conv)
        if W.ndim != 4:
            self.fail(node, f"only 1-D and 2-D convolutions are supported (weight shape {W.shape})")
        B = self.const_in(node, ins, 2, "bias", optional=True)
        xi = self.spatial_in(node, x)
        g = int(a.get("group", 1))
        ks = self._two(node, a, "kernel_shape", W.shape[2:])
        if tuple(ks) != tuple(W.shape[2:]):
            self.bad_attr(node, "kernel_shape", ks, f"does not match the weight shape {W.shape}")
        strides = self._two(node, a, "strides", [1, 1])
        dil = self._two(node, a, "dilations", [1, 1])
        pads = self._spatial_pads(node, a, x.shape[2:], ks, strides, dil)
        if x.shape[1] != W.shape[1] * g:
            self.fail(node, f"input channels {x.shape[1]} != weight {W.shape} x group {g}")
        ins_ir = [xi, self.const(W.astype(np.float32).transpose(0, 2, 3, 1), f"{self.nname(node)}_w")]
        if B is not None:
            ins_ir.append(self.const(B.reshape(-1), f"{self.nname(node)}_b"))
        out = self.emit("conv2d", ins_ir, {"strides": tuple(strides), "pads": tuple(pads),
                                           "dilations": tuple(dil), "groups": g},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def op_ConvTranspose(self, node, ins, a):
        x = ins[0]
        W = self.const_in(node, ins, 1, "weight")
        if W.ndim == 3 and len(x.shape) == 3:
            return self._as_2d(node, ins, a, self.op_ConvTranspose)
        if W.ndim != 4:
            self.fail(node, f"only 1-D and 2-D transposed convolutions are supported (weight shape {W.shape})")
        B = self.const_in(node, ins, 2, "bias", optional=True)
        xi = self.spatial_in(node, x)
        g = int(a.get("group", 1))
        cin, og, kh, kw = W.shape
        if x.shape[1] != cin or cin % g:
            self.fail(node, f"input channels {x.shape[1]} do not match weight {W.shape} with group {g}")
        ks = self._two(node, a, "kernel_shape", [kh, kw])
        if tuple(ks) != (kh, kw):
            self.bad_attr(node, "kernel_shape", ks, f"does not match the weight shape {W.shape}")
        strides = self._two(node, a, "strides", [1, 1])
        dil = self._two(node, a, "dilations", [1, 1])
        opad = self._two(node, a, "output_padding", [0, 0])
        auto = a.get("auto_pad", "NOTSET") or "NOTSET"
        if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
            self.bad_attr(node, "auto_pad", auto)
        in_hw = x.shape[2:]
        full = [(in_hw[i] - 1) * strides[i] + opad[i] + (ks[i] - 1) * dil[i] + 1 for i in range(2)]
        out_shape = a.get("output_shape")
        if out_shape is not None:
            out_shape = list(out_shape)[-2:]
        elif auto in ("SAME_UPPER", "SAME_LOWER"):
            out_shape = [in_hw[i] * strides[i] for i in range(2)]
        if out_shape is not None:
            begin, end = [], []
            for i in range(2):
                total = full[i] - int(out_shape[i])
                if total < 0:
                    if a.get("output_shape") is not None and -total >= strides[i]:
                        self.bad_attr(node, "output_shape", a["output_shape"],
                                      f"is larger than the full output {full} by a stride or more")
                    opad[i] += -total   # the extra rows/columns at the end, as output_padding
                    total = 0
                if auto == "SAME_UPPER":
                    b = total // 2
                else:
                    b = total - total // 2
                begin.append(b)
                end.append(total - b)
            pads = [begin[0], begin[1], end[0], end[1]]
        elif auto == "VALID":
            pads = [0, 0, 0, 0]
        else:
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if len(pads) != 4 or any(p < 0 for p in pads):
                self.bad_attr(node, "pads", pads)
        ig = cin // g
        w = W.astype(np.float32).reshape(g, ig, og, kh, kw).transpose(0, 2, 3, 4, 1).reshape(g * og, kh, kw, ig)
        ins_ir = [xi, self.const(w, f"{self.nname(node)}_w")]
        if B is not None:
            ins_ir.append(self.const(B.reshape(-1), f"{self.nname(node)}_b"))
        out = self.emit("conv_transpose2d", ins_ir,
                        {"strides": tuple(strides), "pads": tuple(int(p) for p in pads), "dilations": tuple(dil),
                         "groups": g, "output_padding": tuple(opad)},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")

    # ---- dense --------------------------------------------------------------------------
    def _dense(self, node, x: _Val, w: np.ndarray, b: Optional[np.ndarray], final: bool = True):
        """y = x @ w.T + b with x a 2-D ONNX value, w (M, K).  ``final``: y is the node's output (else the
        IR tensor is returned for more work)."""
        if x.layout == "flat":
            w = w[:, _flat_perm(*x.chw)]
            xi = x.ir
        else:
            xi = self.plain(x)
        ins_ir = [xi, self.const(w, f"{self.nname(node)}_w")]
        if b is not None:
            ins_ir.append(self.const(b, f"{self.nname(node)}_b"))
        if not final:
            return self.emit("dense", ins_ir, {}, name=f"{self.nname(node)}_mm")
        out = self.emit("dense", ins_ir, {}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_Gemm(self, node, ins, a):
        x = ins[0]
        Bm = self.const_in(node, ins, 1, "B (weight)").astype(np.float64)
        C = self.const_in(node, ins, 2, "C (bias)", optional=True)
        if len(x.shape) != 2 or Bm.ndim != 2:
            self.fail(node, f"Gemm needs 2-D A and B, got {x.shape} and {Bm.shape}")
        if int(a.get("transA", 0)):
            xt = self.emit("transpose", [self.plain(x)], {"perm": (1, 0)}, name=f"{self.nname(node)}_At")
            x = _Val((x.shape[1], x.shape[0]), ir=xt, layout="plain")
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        w = Bm if int(a.get("transB", 0)) else Bm.T   # (M, K)
        if w.shape[1] != x.shape[1]:
            self.fail(node, f"A {x.shape} and B {Bm.shape} do not match")
        w = w * alpha
        b = None
        if C is not None:
            m = w.shape[0]
            try:
                cb = np.broadcast_to(np.asarray(C, np.float64), (x.shape[0], m))
            except ValueError:
                self.fail(node, f"bias C {C.shape} does not broadcast to {(x.shape[0], m)}")
            if np.any(cb != cb[:1]):
                # a bias that differs between rows: dense, then the (rows, M) constant added
                d = self._dense(node, x, w, None, final=False)
                out = self.emit("add", [d, self.const(cb * beta, f"{self.nname(node)}_c")], {},
                                out=node.output[0], name=f"{self.nname(node)}_bias")
                self.set_out(node, out, "plain")
                return
            b = cb[0] * beta
        self._dense(node, x, w, b)

    def op_MatMul(self, node, ins, a):
        x, Bv = ins[0], ins[1]
        if x.is_const or not Bv.is_const:
            self.fail(node, "only activation @ constant matrix is supported")
        Bm = np.asarray(Bv.const, np.float64)
        if Bm.ndim == 1 and len(x.shape) >= 2 and x.shape[-1] == Bm.shape[0]:
            # x @ vector: the last axis goes (ONNX promotes B to (K, 1) and drops the 1 again)
            lead = x.shape[:-1]
            p = self.plain(x)
            if len(x.shape) != 2:
                p = self.emit("reshape", [p], {"shape": (int(np.prod(lead)), x.shape[-1])},
                              name=f"{self.nname(node)}_2d")
            d = self.emit("dense", [p, self.const(Bm.reshape(1, -1), f"{self.nname(node)}_w")], {},
                          name=self.nname(node))
            out = self.emit("reshape", [d], {"shape": tuple(lead)}, out=node.output[0], name=f"{self.nname(node)}_nd")
            self.set_out(node, out, "plain")
            return
        if Bm.ndim >= 3 or (Bm.ndim == 2 and len(x.shape) == 1):
            self._matmul_batched(node, x, Bm)
            return
        if Bm.ndim != 2:
            self.fail(node, f"the constant must be a matrix or a vector, got shape {Bm.shape}")
        if len(x.shape) < 2 or x.shape[-1] != Bm.shape[0]:
            self.fail(node, f"shapes {x.shape} and {Bm.shape} do not match")
        if len(x.shape) == 2:
            self._dense(node, x, Bm.T, None)
            return
        lead = x.shape[:-1]
        p = self.emit("reshape", [self.plain(x)], {"shape": (int(np.prod(lead)), x.shape[-1])},
                      name=f"{self.nname(node)}_2d")
        d = self.emit("dense", [p, self.const(Bm.T, f"{self.nname(node)}_w")], {}, name=self.nname(node))
        out = self.emit("reshape", [d], {"shape": tuple(lead) + (Bm.shape[1],)}, out=node.output[0],
                        name=f"{self.nname(node)}_nd")
        self.set_out(node, out, "plain")

    MAX_MATMUL_BATCH = 16

    def _matmul_batched(self, node, x: _Val, Bm: np.ndarray):
        """x @ B with a stack of constant matrices B (..., K, N) (and a 1-D x): one dense with a
        block-diagonal weight.  x is broadcast to the batch (repeated by concat), its G matrices laid side
        by side as (M, G*K); the weight holds B[g].T at block (g, g)."""
        nm = self.nname(node)
        xs = tuple(x.shape)
        src = self.plain(x)
        squeeze_m = len(xs) == 1
        if squeeze_m:     # ONNX promotes a 1-D x to (1, K) and drops that axis again
            xs = (1,) + xs
            src = self.emit("reshape", [src], {"shape": xs}, name=f"{nm}_row")
        m, k = xs[-2], xs[-1]
        if Bm.shape[-2] != k:
            self.fail(node, f"shapes {x.shape} and {Bm.shape} do not match")
        n = Bm.shape[-1]
        try:
            ob = tuple(int(d) for d in np.broadcast_shapes(xs[:-2], Bm.shape[:-2]))
        except ValueError:
            self.fail(node, f"batch shapes of {x.shape} and {Bm.shape} do not broadcast")
        g = int(np.prod(ob)) if ob else 1
        if g > self.MAX_MATMUL_BATCH:
            self.fail(node, f"MatMul over a batch of {g} constant matrices is not supported "
                            f"(at most {self.MAX_MATMUL_BATCH}: the weight is block-diagonal)")
        xb = (1,) * (len(ob) - (len(xs) - 2)) + xs[:-2]
        if xb + (m, k) != xs:
            src = self.emit("reshape", [src], {"shape": xb + (m, k)}, name=f"{nm}_rank")
        for ax in range(len(ob)):
            if xb[ax] == 1 and ob[ax] > 1:
                src = self.emit("concat", [src] * ob[ax], {"axis": ax}, name=f"{nm}_bcast{ax}")
                xb = xb[:ax] + (ob[ax],) + xb[ax + 1:]
        src = self.emit("reshape", [src], {"shape": (g, m, k)}, name=f"{nm}_g")
        src = self.emit("transpose", [src], {"perm": (1, 0, 2)}, name=f"{nm}_side")
        src = self.emit("reshape", [src], {"shape": (m, g * k)}, name=f"{nm}_rows")
        bfull = np.broadcast_to(Bm, ob + (k, n)).reshape(g, k, n)
        w = np.zeros((g * n, g * k))
        for i in range(g):
            w[i * n:(i + 1) * n, i * k:(i + 1) * k] = bfull[i].T
        d = self.emit("dense", [src, self.const(w, f"{nm}_w")], {}, name=nm)
        d = self.emit("reshape", [d], {"shape": (m, g, n)}, name=f"{nm}_split")
        d = self.emit("transpose", [d], {"perm": (1, 0, 2)}, name=f"{nm}_back")
        oshape = ob + ((n,) if squeeze_m else (m, n))
        out = self.emit("reshape", [d], {"shape": oshape}, out=node.output[0], name=f"{nm}_out")
        self.set_out(node, out, "plain")

    # ---- batch norm --------------------------------------------------------------------
    def op_BatchNormalization(self, node, ins, a):
        x = ins[0]
        if int(a.get("training_mode", 0)):
            self.bad_attr(node, "training_mode", a["training_mode"])
        if self.opset < 9 and int(a.get("spatial", 1)) != 1:
            self.bad_attr(node, "spatial", a["spatial"])
        for k in range(1, len(node.output)):
            if node.output[k] and self.n_consumers.get(node.output[k], 0):
                self.fail(node, "training outputs (running mean/var) are used - not supported")
        gamma, beta, mean, var = (np.asarray(self.const_in(node, ins, k, nm), np.float64).reshape(-1)
                                  for k, nm in ((1, "scale"), (2, "B"), (3, "mean"), (4, "var")))
        eps = float(a.get("epsilon", 1e-5))
        s = gamma / np.sqrt(var + eps)
        t = beta - mean * s
        if len(x.shape) < 2:
            self.fail(node, f"input must have a channel axis, got shape {x.shape}")
        c = x.shape[1]
        if x.layout in ("nhwc", "plain") and (x.layout == "nhwc" or len(x.shape) == 2):
            if self.try_fold_affine(node, x, s, t):
                return
        cshape = (c,) + (1,) * (len(x.shape) - 2)
        y = self._binary_const(node, "mul", x, s.reshape(cshape), const_first=False, out=None)
        self._binary_const(node, "add", y, t.reshape(cshape), const_first=False, out=node.output[0])

    # ---- activations --------------------------------------------------------------------
    def _unary(self, node, x: _Val, op: str, attrs: dict):
        if x.layout in ("nhwc", "flat"):
            src, layout = x.ir, x.layout
        else:
            src, layout = self.plain(x), "plain"
        out = self.emit(op, [src], attrs, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, layout, chw=x.chw if layout == "flat" else None)

    def op_Relu(self, node, ins, a):
        self._unary(node, ins[0], "relu", {})

    def op_Sigmoid(self, node, ins, a):
        self._unary(node, ins[0], "sigmoid", {})

    def op_Tanh(self, node, ins, a):
        self._unary(node, ins[0], "tanh", {})

    def op_HardSwish(self, node, ins, a):
        self._unary(node, ins[0], "hard_swish", {})

    def op_LeakyRelu(self, node, ins, a):
        self._unary(node, ins[0], "leaky_relu", {"alpha": float(a.get("alpha", 0.01))})

    def op_HardSigmoid(self, node, ins, a):
        self._unary(node, ins[0], "hard_sigmoid", {"alpha": float(a.get("alpha", 0.2)),
                                                   "beta": float(a.get("beta", 0.5))})

    def op_Clip(self, node, ins, a):
        if self.opset < 11:
            lo = a.get("min", None)
            hi = a.get("max", None)
        else:
            lo = self.const_in(node, ins, 1, "min", optional=True)
            hi = self.const_in(node, ins, 2, "max", optional=True)
            lo = None if lo is None else float(np.asarray(lo).reshape(-1)[0])
            hi = None if hi is None else float(np.asarray(hi).reshape(-1)[0])
        if lo is not None and lo <= -3.4e38:
            lo = None
        if hi is not None and hi >= 3.4e38:
            hi = None
        if lo is None and hi is None:
            self.alias(node, ins[0])
            return
        if lo == 0.0 and hi is None:
            self._unary(node, ins[0], "relu", {})
            return
        self._unary(node, ins[0], "clip", {"min": lo, "max": hi})

    def op_PRelu(self, node, ins, a):
        x = ins[0]
        slope = np.asarray(self.const_in(node, ins, 1, "slope"), np.float64)
        r = len(x.shape)
        try:
            full = np.broadcast_to(slope.reshape((1,) * max(0, r - slope.ndim) + slope.shape), x.shape)
        except ValueError:
            self.fail(node, f"slope {slope.shape} does not broadcast to the input {x.shape}")
        varying = [ax for ax in range(r) if x.shape[ax] > 1 and
                   not np.all(full == np.take(full, [0], axis=ax))]
        if not varying:
            layout = x.layout if x.layout in ("nhwc", "flat") else "plain"
            src = x.ir if layout != "plain" else self.plain(x)
            c = self.ir_shape(src)[-1]
            vec = np.full((c,), float(slope.reshape(-1)[0]))
        elif varying == [1] and r == 4:
            layout, src = "nhwc", self.nhwc(x)
            vec = full[0, :, 0, 0]
        elif varying == [r - 1]:
            layout, src = "plain", self.plain(x)
            vec = full.reshape(-1, x.shape[-1])[0]
        else:
            # the slope varies along several axes: y = relu(x) + slope * min(x, 0)
            if x.layout == "nhwc":
                src, layout, cs = x.ir, "nhwc", self.const_to_storage(full, x)
            else:
                src, layout, cs = self.plain(x), "plain", full
            nm = self.nname(node)
            pos = self.emit("relu", [src], {}, name=f"{nm}_pos")
            neg = self.emit("clip", [src], {"min": None, "max": 0.0}, name=f"{nm}_neg")
            neg = self.emit("mul", [neg, self.const(cs, f"{nm}_slope")], {}, name=f"{nm}_scaled")
            out = self.emit("add", [pos, neg], {}, out=node.output[0], name=nm)
            self.set_out(node, out, layout)
            return
        out = self.emit("prelu", [src, self.const(vec, f"{self.nname(node)}_slope")], {},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, layout, chw=x.chw if layout == "flat" else None)

    # ---- elementwise binary ------------------------------------------------------------------
    def _binary_const(self, node, op, x: _Val, c: np.ndarray, const_first: bool, out: Optional[str]):
        """x (activation) op c (constant) -> the result _Val; bound to node.output[0] when out is given."""
        c = np.asarray(c, np.float64)
        oshape = tuple(np.broadcast_shapes(tuple(x.shape), c.shape))
        layout = x.layout
        cs = self.const_to_storage(c, x) if layout != "plain" else c
        if layout == "nhwc" and len(oshape) != 4:
            cs = None
        if layout == "flat" and oshape != tuple(x.shape):
            cs = None
        if cs is None:
            layout, src, cs = "plain", self.plain(x), c
        else:
            src = x.ir
        hint = f"{self.nname(node)}_{op}_c"
        ci = self.const(cs, hint)
        ins_ir = [ci, src] if const_first else [src, ci]
        name = self.nname(node) if out else f"{self.nname(node)}_{op}"
        o = self.emit(op, ins_ir, {}, out=out, name=name)
        st = self.ir_shape(o)
        if layout == "nhwc":
            shape = tuple(st[i] for i in NHWC_TO_NCHW)
        elif layout == "flat":
            shape = tuple(x.shape)
        else:
            shape = st
        v = _Val(shape, ir=o, layout=layout, chw=x.chw if layout == "flat" else None)
        if out:
            self.vals[node.output[0]] = v
        return v

    def _binary(self, node, ins, op):
        a_, b_ = ins[0], ins[1]
        if a_.is_const or b_.is_const:
            x, c, const_first = (b_, a_.const, True) if a_.is_const else (a_, b_.const, False)
            cf = np.asarray(c, np.float64)
            if op == "div":
                if const_first:
                    self.fail(node, "constant / activation is not supported")
                op, cf = "mul", 1.0 / cf
            # fold into a preceding conv / dense
            if op in ("add", "sub", "mul") and not (op == "sub" and const_first) and x.layout in ("nhwc", "plain"):
                try:
                    oshape = tuple(np.broadcast_shapes(tuple(x.shape), cf.shape))
                except ValueError:
                    self.fail(node, f"shapes {x.shape} and {cf.shape} do not broadcast")
                if oshape == tuple(x.shape):
                    cs = self.const_to_storage(cf, x)
                    st = tuple(x.shape[i] for i in NCHW_TO_NHWC) if x.layout == "nhwc" else tuple(x.shape)
                    vec = None if cs is None else self.channel_vector(cs, st)
                    if vec is not None:
                        ok = self.try_fold_affine(node, x, vec if op == "mul" else None,
                                                  None if op == "mul" else (vec if op == "add" else -vec))
                        if ok:
                            return
            try:
                np.broadcast_shapes(tuple(x.shape), cf.shape)
            except ValueError:
                self.fail(node, f"shapes {x.shape} and {cf.shape} do not broadcast")
            self._binary_const(node, op, x, cf, const_first, out=node.output[0])
            return
        if op == "div":
            self.fail(node, "division of two activations is not supported")
        try:
            oshape = tuple(np.broadcast_shapes(tuple(a_.shape), tuple(b_.shape)))
        except ValueError:
            self.fail(node, f"shapes {a_.shape} and {b_.shape} do not broadcast")
        if a_.layout == "flat" and b_.layout == "flat" and a_.chw == b_.chw and a_.shape == b_.shape:
            out = self.emit(op, [a_.ir, b_.ir], {}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "flat", chw=a_.chw)
            return
        if len(oshape) == 4 and "nhwc" in (a_.layout, b_.layout):
            out = self.emit(op, [self.nhwc(a_, node), self.nhwc(b_, node)], {}, out=node.output[0],
                            name=self.nname(node))
            self.set_out(node, out, "nhwc")
            return
        out = self.emit(op, [self.plain(a_), self.plain(b_)], {}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_Add(self, node, ins, a):
        self._binary(node, ins, "add")

    def op_Sub(self, node, ins, a):
        self._binary(node, ins, "sub")

    def op_Mul(self, node, ins, a):
        self._binary(node, ins, "mul")

    def op_Div(self, node, ins, a):
        self._binary(node, ins, "div")

    # ---- pooling ---------------------------------------------------------------------
    def _pool(self, node, ins, a, op):
        x = ins[0]
        if len(x.shape) == 3:
            return self._as_2d(node, ins, a, lambda n2, i2, a2: self._pool(n2, i2, a2, op))
        xi = self.spatial_in(node, x)
        if len(node.output) > 1 and node.output[1] and self.n_consumers.get(node.output[1], 0):
            self.fail(node, "the Indices output is used - not supported")
        if "kernel_shape" not in a:
            self.fail(node, "missing attribute kernel_shape")
        ks = self._two(node, a, "kernel_shape", None)
        strides = self._two(node, a, "strides", [1, 1])
        dil = self._two(node, a, "dilations", [1, 1])
        if dil != [1, 1]:
            self.bad_attr(node, "dilations", dil, "(pooling dilation) not supported")
        if int(a.get("storage_order", 0)) != 0:
            self.bad_attr(node, "storage_order", a["storage_order"])
        pads = self._spatial_pads(node, a, x.shape[2:], ks, strides, [1, 1])
        ceil = int(a.get("ceil_mode", 0))
        extra = [0, 0]
        if ceil and a.get("auto_pad", "NOTSET") in ("NOTSET", ""):
            for i in range(2):
                size = x.shape[2 + i]
                span = size + pads[i] + pads[i + 2] - ks[i]
                out = -(-span // strides[i]) + 1
                if (out - 1) * strides[i] >= size + pads[i]:
                    out -= 1
                extra[i] = max(0, (out - 1) * strides[i] + ks[i] - (size + pads[i] + pads[i + 2]))
        attrs = {"kernel": tuple(ks), "strides": tuple(strides)}
        if op == "avgpool":
            cip = bool(int(a.get("count_include_pad", 0)))
            if cip and any(extra) and any(pads):
                # ONNX counts the declared pads but not the ceil-mode overhang: pad explicitly,
                # then average over real elements with the overhang as (uncounted) padding
                xi = self.emit("pad", [xi], {"pads": (0, 0, pads[0], pads[2], pads[1], pads[3], 0, 0),
                                             "mode": "constant", "value": 0.0},
                               name=f"{self.nname(node)}_pad")
                pads = [0, 0, 0, 0]
                cip = False
            elif cip and any(extra):
                cip = False
            attrs["count_include_pad"] = cip
        attrs["pads"] = (pads[0], pads[1], pads[2] + extra[0], pads[3] + extra[1])
        out = self.emit(op, [xi], attrs, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def op_MaxPool(self, node, ins, a):
        self._pool(node, ins, a, "maxpool")

    def op_AveragePool(self, node, ins, a):
        self._pool(node, ins, a, "avgpool")

    def op_GlobalAveragePool(self, node, ins, a):
        if len(ins[0].shape) == 3:
            return self._as_2d(node, ins, a, self.op_GlobalAveragePool)
        out = self.emit("global_avgpool", [self.spatial_in(node, ins[0])], {}, out=node.output[0],
                        name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def op_GlobalMaxPool(self, node, ins, a):
        if len(ins[0].shape) == 3:
            return self._as_2d(node, ins, a, self.op_GlobalMaxPool)
        out = self.emit("global_maxpool", [self.spatial_in(node, ins[0])], {}, out=node.output[0],
                        name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def _reduce(self, node, ins, a, op):
        """ReduceMean / ReduceMax.  Over H and W of an NHWC value: a global pool.  Over other axes: the
        reduced axes are moved to the front, the value is viewed as (1, R, 1, K) and globally pooled
        (R = product of the reduced axes, K of the kept ones)."""
        x = ins[0]
        axes = a.get("axes")
        if axes is None and len(ins) > 1 and ins[1] is not None:
            axes = self.const_in(node, ins, 1, "axes").reshape(-1).tolist()
        r = len(x.shape)
        if axes is not None and len(axes) == 0:
            axes = None
        if axes is None:
            if int(a.get("noop_with_empty_axes", 0)):
                self.alias(node, x)
                return
            axes = list(range(r))
        axes = sorted({int(ax) % r for ax in axes})
        keep = int(a.get("keepdims", 1))
        if r == 4 and axes == [2, 3] and x.layout == "nhwc":
            out = self.emit(op, [self.spatial_in(node, x)], {}, out=node.output[0] if keep else None,
                            name=self.nname(node))
            if keep:
                self.set_out(node, out, "nhwc")
                return
            n, c = x.shape[0], x.shape[1]
            out = self.emit("reshape", [out], {"shape": (n, c)}, out=node.output[0], name=f"{self.nname(node)}_sq")
            self.set_out(node, out, "plain")
            return
        kept = [k for k in range(r) if k not in axes]
        if keep:
            oshape = tuple(1 if k in axes else x.shape[k] for k in range(r))
        else:
            oshape = tuple(x.shape[k] for k in kept)
        if not oshape:
            self.fail(node, "the reduction leaves a scalar (rank-0) output - not supported")
        nm = self.nname(node)
        src = self.plain(x)
        perm = tuple(axes + kept)
        if perm != tuple(range(r)):
            src = self.emit("transpose", [src], {"perm": perm}, name=f"{nm}_axes_first")
        rr = int(np.prod([x.shape[k] for k in axes]))
        kk = int(np.prod([x.shape[k] for k in kept])) if kept else 1
        src = self.emit("reshape", [src], {"shape": (1, rr, 1, kk)}, name=f"{nm}_4d")
        pooled = self.emit(op, [src], {}, name=nm)
        out = self.emit("reshape", [pooled], {"shape": oshape}, out=node.output[0], name=f"{nm}_out")
        self.set_out(node, out, "plain")

    def op_ReduceMean(self, node, ins, a):
        self._reduce(node, ins, a, "global_avgpool")

    def op_ReduceMax(self, node, ins, a):
        self._reduce(node, ins, a, "global_maxpool")

    # ---- layout ops --------------------------------------------------------------------
    def op_Concat(self, node, ins, a):
        vals = [v for v in ins if v is not None]
        r = len(vals[0].shape)
        axis = int(a.get("axis", 1 if self.opset < 4 else 0))
        if not -r <= axis < r:
            self.bad_attr(node, "axis", axis, f"out of range for rank {r}")
        axis %= r
        if r == 4 and any(v.layout == "nhwc" and not v.is_const for v in vals):
            irs = [self.nhwc(v, node) for v in vals]
            out = self.emit("concat", irs, {"axis": NCHW_AXIS[axis]}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "nhwc")
            return
        irs = [self.plain(v) for v in vals]
        out = self.emit("concat", irs, {"axis": axis}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def _reshape_to(self, node, x: _Val, shape: Tuple[int, ...]):
        shape = tuple(int(d) for d in shape)
        if int(np.prod(shape)) != int(np.prod(x.shape)):
            self.fail(node, f"cannot reshape {x.shape} to {shape}")
        if shape == tuple(x.shape):
            self.alias(node, x)
            return
        n = x.shape[0] if x.shape else 1
        if x.layout == "nhwc":
            _, c, h, w = x.shape
            if len(shape) == 5 and shape[0] == n and shape[3:] == (h, w) and shape[1] * shape[2] == c \
                    and shape[1] > 1:
                # maybe the first half of a channel shuffle; plain form emitted (dead code if it is)
                out = self.emit("reshape", [self.plain(x)], {"shape": shape}, out=node.output[0],
                                name=self.nname(node))
                self.set_out(node, out, "plain", origin=("shuffle1", x, shape[1]))
                return
            if shape == (n, c * h * w) and (c == 1 or h * w == 1):
                out = self.emit("reshape", [x.ir], {"shape": shape}, out=node.output[0], name=self.nname(node))
                self.set_out(node, out, "plain")
                return
            if shape == (n, c * h * w):
                out = self.emit("reshape", [x.ir], {"shape": shape}, out=node.output[0], name=self.nname(node))
                self.set_out(node, out, "flat", chw=(c, h, w))
                return
        if x.layout == "flat":
            c, h, w = x.chw
            if shape == (n, c, h, w):
                out = self.emit("reshape", [x.ir], {"shape": (n, h, w, c)}, out=node.output[0],
                                name=self.nname(node))
                self.set_out(node, out, "nhwc")
                return
        if x.origin and x.origin[0] == "shuffle2":
            base, g = x.origin[1], x.origin[2]
            if shape == tuple(base.shape):
                out = self.emit("channel_shuffle", [base.ir], {"groups": g}, out=node.output[0],
                                name=self.nname(node))
                self.set_out(node, out, "nhwc")
                return
        out = self.emit("reshape", [self.plain(x)], {"shape": shape}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_Reshape(self, node, ins, a):
        x = ins[0]
        if self.opset < 5:
            target = list(a.get("shape", []))
        else:
            target = self.const_in(node, ins, 1, "shape").reshape(-1).astype(np.int64).tolist()
        allowzero = int(a.get("allowzero", 0))
        shape = []
        for k, d in enumerate(target):
            if d == 0 and not allowzero:
                if k >= len(x.shape):
                    self.fail(node, f"shape {target}: 0 at axis {k} beyond the input rank")
                shape.append(x.shape[k])
            else:
                shape.append(int(d))
        if shape.count(-1) > 1:
            self.fail(node, f"shape {target} has more than one -1")
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1]))
            total = int(np.prod(x.shape))
            if known == 0 or total % known:
                self.fail(node, f"cannot reshape {x.shape} to {target}")
            shape[shape.index(-1)] = total // known
        if any(d < 0 for d in shape):
            self.fail(node, f"bad target shape {target}")
        self._reshape_to(node, x, tuple(shape))

    def op_Flatten(self, node, ins, a):
        x = ins[0]
        r = len(x.shape)
        axis = int(a.get("axis", 1))
        if not -r <= axis <= r:
            self.bad_attr(node, "axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        lead = int(np.prod(x.shape[:axis])) if axis else 1
        self._reshape_to(node, x, (lead, int(np.prod(x.shape[axis:]))))

    def _axes(self, node, ins, a, rank):
        axes = a.get("axes")
        if axes is None and len(ins) > 1 and ins[1] is not None:
            axes = self.const_in(node, ins, 1, "axes").reshape(-1).tolist()
        if axes is None:
            return None
        return sorted(int(ax) % rank for ax in axes)

    def op_Squeeze(self, node, ins, a):
        x = ins[0]
        axes = self._axes(node, ins, a, len(x.shape))
        if axes is None:
            axes = [i for i, d in enumerate(x.shape) if d == 1]
        if any(x.shape[i] != 1 for i in axes):
            self.fail(node, f"cannot squeeze axes {axes} of shape {x.shape}")
        self._reshape_to(node, x, tuple(d for i, d in enumerate(x.shape) if i not in axes))

    def op_Unsqueeze(self, node, ins, a):
        x = ins[0]
        raw = a.get("axes")
        if raw is None:
            raw = self.const_in(node, ins, 1, "axes").reshape(-1).tolist()
        r = len(x.shape) + len(raw)
        axes = sorted(int(ax) % r for ax in raw)
        shape = list(x.shape)
        for ax in axes:
            shape.insert(ax, 1)
        self._reshape_to(node, x, tuple(shape))

    def op_Transpose(self, node, ins, a):
        x = ins[0]
        r = len(x.shape)
        perm = [int(p) for p in a.get("perm", list(range(r))[::-1])]
        if sorted(perm) != list(range(r)):
            self.bad_attr(node, "perm", perm, f"is not a permutation of rank {r}")
        if x.origin and x.origin[0] == "shuffle1" and perm == [0, 2, 1, 3, 4]:
            out = self.emit("transpose", [x.ir], {"perm": tuple(perm)}, out=node.output[0],
                            name=self.nname(node))
            self.set_out(node, out, "plain", origin=("shuffle2", x.origin[1], x.origin[2]))
            return
        if x.layout == "nhwc":
            src, a_ = x.ir, NHWC_TO_NCHW
        else:
            src, a_ = self.plain(x), tuple(range(r))
        q = tuple(a_[p] for p in perm)               # Y (plain) = S.transpose(q)
        ident = tuple(range(r))
        if q == ident:
            self.vals[node.output[0]] = _Val(tuple(x.shape[p] for p in perm), ir=src, layout="plain")
            return
        if r == 4:
            qn = tuple(q[b] for b in NCHW_TO_NHWC)  # Y stored nhwc = S.transpose(qn)
            if qn == ident:
                self.vals[node.output[0]] = _Val(tuple(x.shape[p] for p in perm), ir=src, layout="nhwc")
                return
        out = self.emit("transpose", [src], {"perm": q}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "plain")

    def op_Softmax(self, node, ins, a):
        x = ins[0]
        r = len(x.shape)
        if self.opset < 13:
            axis = int(a.get("axis", 1)) % r
            big = [k for k in range(axis, r) if x.shape[k] > 1]
            if len(big) > 1:
                self.fail(node, f"opset-{self.opset} Softmax flattens axes {list(range(axis, r))} of shape "
                                f"{x.shape} into one softmax; only a softmax over a single axis is supported")
            axis = big[0] if big else r - 1
        else:
            axis = int(a.get("axis", -1)) % r
        self._softmax(node, x, axis)

    def _softmax(self, node, x, axis):
        r = len(x.shape)
        if x.layout == "nhwc" and NCHW_AXIS[axis] == 3:
            out = self.emit("softmax", [x.ir], {"axis": -1}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "nhwc")
            return
        if x.layout == "flat" and axis == 1:
            out = self.emit("softmax", [x.ir], {"axis": -1}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "flat", chw=x.chw)
            return
        src = self.plain(x)
        if axis == r - 1:
            out = self.emit("softmax", [src], {"axis": -1}, out=node.output[0], name=self.nname(node))
            self.set_out(node, out, "plain")
            return
        perm = tuple(k for k in range(r) if k != axis) + (axis,)
        inv = tuple(int(i) for i in np.argsort(perm))
        t = self.emit("transpose", [src], {"perm": perm}, name=f"{self.nname(node)}_axis_last")
        s = self.emit("softmax", [t], {"axis": -1}, name=self.nname(node))
        out = self.emit("transpose", [s], {"perm": inv}, out=node.output[0], name=f"{self.nname(node)}_back")
        self.set_out(node, out, "plain")

    # ---- pad / resize -------------------------------------------------------------------
    def op_Pad(self, node, ins, a):
        x = ins[0]
        r = len(x.shape)
        mode = a.get("mode", "constant")
        if mode not in ("constant", "reflect", "edge"):
            self.bad_attr(node, "mode", mode)
        if self.opset < 11:
            pads = list(a.get("pads", []))
            value = float(a.get("value", 0.0))
        else:
            pads = self.const_in(node, ins, 1, "pads").reshape(-1).astype(np.int64).tolist()
            cv = self.const_in(node, ins, 2, "constant_value", optional=True)
            value = 0.0 if cv is None or np.asarray(cv).size == 0 else float(np.asarray(cv).reshape(-1)[0])
            axes = self.const_in(node, ins, 3, "axes", optional=True)
            if axes is not None:
                axes = [int(ax) % r for ax in np.asarray(axes).reshape(-1)]
                full = [0] * (2 * r)
                for k, ax in enumerate(axes):
                    full[ax] = pads[k]
                    full[ax + r] = pads[k + len(axes)]
                pads = full
        if len(pads) != 2 * r:
            self.bad_attr(node, "pads", pads, f"must have {2 * r} values for rank {r}")
        if any(p < 0 for p in pads):
            self.bad_attr(node, "pads", pads, "(negative pads / cropping) not supported")
        if not any(pads):
            self.alias(node, x)
            return
        if x.layout == "nhwc":
            src, order = x.ir, NCHW_TO_NHWC
            layout = "nhwc"
        else:
            src, order = self.plain(x), tuple(range(r))
            layout = "plain"
        ir_pads = []
        for ax in order:
            ir_pads += [int(pads[ax]), int(pads[ax + r])]
        out = self.emit("pad", [src], {"pads": tuple(ir_pads), "mode": mode, "value": value},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, layout)

    def _resize(self, node, x: _Val, mode: str, coord: str, nearest_mode: str,
                scales: Optional[Sequence[float]], sizes: Optional[Sequence[int]], simple: bool = False,
                coord_scales: Optional[Sequence[float]] = None):
        """``coord_scales``: (sh, sw) for the coordinate transform when ``sizes`` are given but the
        scales are not sizes / input (keep_aspect_ratio_policy)."""
        if len(x.shape) != 4:
            self.fail(node, f"only 4-D (N,C,H,W) inputs are supported, got shape {x.shape}")
        if mode not in ("nearest", "linear", "bilinear"):
            self.bad_attr(node, "mode", mode)
        if coord not in ("asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners", "tf_half_pixel_for_nn",
                         "half_pixel_symmetric"):
            self.bad_attr(node, "coordinate_transformation_mode", coord)
        if nearest_mode not in ("floor", "ceil", "round_prefer_floor", "round_prefer_ceil"):
            self.bad_attr(node, "nearest_mode", nearest_mode)
        n, c, h, w = x.shape
        if sizes is not None:
            sizes = [int(s) for s in sizes]
            if sizes[0] != n or sizes[1] != c:
                self.fail(node, f"only H and W may be resized (sizes {sizes} for input {x.shape})")
            oh, ow = sizes[2], sizes[3]
            sc = None if coord_scales is None else (float(coord_scales[0]), float(coord_scales[1]))
        else:
            scales = [float(s) for s in scales]
            if scales[0] != 1.0 or scales[1] != 1.0:
                self.fail(node, f"only H and W may be resized (scales {scales})")
            if any(s <= 0 for s in scales):
                self.fail(node, f"scales must be positive, got {scales}")
            # onnxruntime: floor(float32(scale) * dim) in float32
            oh = int(math.floor(np.float32(scales[2]) * np.float32(h)))
            ow = int(math.floor(np.float32(scales[3]) * np.float32(w)))
            sc = (scales[2], scales[3])
        if oh <= 0 or ow <= 0:
            self.fail(node, f"output size {(oh, ow)} is empty")
        if simple and mode == "nearest":
            # opset <= 10 nearest: floor when upsampling, ceil when downsampling (per axis)
            mh = "ceil" if (sc[0] if sc else oh / h) < 1 else "floor"
            mw = "ceil" if (sc[1] if sc else ow / w) < 1 else "floor"
            if mh != mw and not (h == oh or w == ow):
                self.fail(node, "opset<=10 nearest resize that upsamples one axis and downsamples the other")
            nearest_mode = mh if h != oh else mw
        attrs = {"size": (oh, ow), "mode": "nearest" if mode == "nearest" else "bilinear", "coord": coord,
                 "nearest_mode": nearest_mode, "scales": sc}
        out = self.emit("resize", [self.nhwc(x, node)], attrs, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def op_Resize(self, node, ins, a):
        x = ins[0]
        mode = a.get("mode", "nearest")
        if self.opset < 11:
            scales = self.const_in(node, ins, 1, "scales").reshape(-1).tolist()
            self._resize(node, x, mode, "asymmetric", "floor", scales, None, simple=True)
            return
        coord = a.get("coordinate_transformation_mode", "half_pixel")
        nmode = a.get("nearest_mode", "round_prefer_floor")
        if int(a.get("exclude_outside", 0)):
            self.bad_attr(node, "exclude_outside", a["exclude_outside"])
        r = len(x.shape)
        scales = self.const_in(node, ins, 2, "scales", optional=True)
        sizes = self.const_in(node, ins, 3, "sizes", optional=True)
        if scales is not None and np.asarray(scales).size == 0:
            scales = None
        if sizes is not None and np.asarray(sizes).size == 0:
            sizes = None
        if (scales is None) == (sizes is None):
            self.fail(node, "exactly one of scales and sizes must be given")
        axes = a.get("axes")
        if axes is not None:
            axes = [int(ax) % r for ax in axes]
        policy = a.get("keep_aspect_ratio_policy", "stretch")
        cscl = None
        if sizes is not None:
            sizes = np.asarray(sizes).reshape(-1).astype(np.int64).tolist()
            full = list(x.shape)
            ax_list = list(axes if axes is not None else range(r))
            for k, ax in enumerate(ax_list):
                full[ax] = sizes[k]
            if policy not in ("stretch", "not_larger", "not_smaller"):
                self.bad_attr(node, "keep_aspect_ratio_policy", policy)
            if policy != "stretch":
                # one scale for every resized axis; sizes round half up (ONNX Resize-18)
                ratios = [full[ax] / x.shape[ax] for ax in ax_list]
                s_ = min(ratios) if policy == "not_larger" else max(ratios)
                for ax in ax_list:
                    full[ax] = int(s_ * x.shape[ax] + 0.5)
                cscl = [s_ if ax in ax_list else 1.0 for ax in range(r)][2:]
            sizes, scl = full, None
        else:
            vals = np.asarray(scales, np.float64).reshape(-1).tolist()
            full = [1.0] * r
            for k, ax in enumerate(axes if axes is not None else range(r)):
                full[ax] = vals[k]
            scl = full
        if int(a.get("antialias", 0)):
            down = (scl is not None and min(scl) < 1) or (sizes is not None and
                                                          any(s < d for s, d in zip(sizes, x.shape)))
            if down:
                self.bad_attr(node, "antialias", 1, "(antialiased downsampling) not supported")
        if mode == "cubic":
            self.bad_attr(node, "mode", mode)
        self._resize(node, x, mode, coord, nmode, scl, sizes, coord_scales=cscl)

    def op_Upsample(self, node, ins, a):
        x = ins[0]
        mode = a.get("mode", "nearest")
        if "scales" in a:
            scales = list(a["scales"])
        else:
            scales = self.const_in(node, ins, 1, "scales").reshape(-1).tolist()
        if any(s < 1 for s in scales):
            self.fail(node, f"Upsample scales must be >= 1, got {scales}")
        self._resize(node, x, "linear" if mode in ("linear", "bilinear") else mode, "asymmetric", "floor",
                     scales, None)


# ------------------------------------------------------------------------------ helpers

NONDETERMINISTIC = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli",
                    "Multinomial"}


def _foldable(node, is_const: Sequence[bool]) -> bool:
    """Node can be evaluated at import time: every (given) input is a constant.

    ``is_const`` has one flag per input slot; empty slots (optional inputs) must be False."""
    if node.op_type in NONDETERMINISTIC:
        return False
    if node.op_type == "Constant":
        return True
    given = [c for c, name in zip(is_const, node.input) if name]
    return bool(given) and all(given)


def _strip_leading_ones(c: np.ndarray) -> np.ndarray:
    shape = list(c.shape)
    while len(shape) > 1 and shape[0] == 1:
        shape.pop(0)
    return c.reshape(shape)


def _flat_perm(c: int, h: int, w: int) -> np.ndarray:
    """idx with stored[j] = onnx[idx[j]] for a (C,H,W) value flattened in H,W,C order."""
    return np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).reshape(-1)


def _is_pure_reshape(shape: Sequence[int], perm: Sequence[int]) -> bool:
    """True when transposing `shape` by `perm` only moves size-1 axes."""
    big = [p for p in perm if shape[p] != 1]
    return big == sorted(big)


_UNARY = ("relu", "clip", "leaky_relu", "sigmoid", "tanh", "hard_sigmoid", "hard_swish")


def _cleanup(g: Graph) -> None:
    """Remove identity reshapes/transposes, merge chains, drop dead nodes (in place).

    An elementwise unary op after a transpose/reshape moves in front of it (when it is that layout
    op's only reader), so that layout ops around it can cancel and it can fuse into its producer."""
    changed = True
    while changed:
        changed = False
        producer = {o: n for n in g.nodes for o in n.outputs}
        readers: Dict[str, int] = {}
        for n in g.nodes:
            for i in n.inputs:
                readers[i] = readers.get(i, 0) + 1
        for node in list(g.nodes):
            if node.op in _UNARY:
                prod = producer.get(node.inputs[0])
                mid = node.inputs[0]
                if prod is not None and prod.op in ("transpose", "reshape") and readers.get(mid, 0) == 1 \
                        and mid not in g.outputs:
                    a = prod.inputs[0]
                    out = node.outputs[0]
                    node.inputs, node.outputs = [a], [mid]
                    g.tensors[mid].shape = tuple(g.tensors[a].shape)
                    prod.inputs, prod.outputs = [mid], [out]
                    i, j = g.nodes.index(prod), g.nodes.index(node)
                    g.nodes[i], g.nodes[j] = node, prod
                    changed = True
                    break
            if node.op == "transpose":
                src = node.inputs[0]
                shp = g.tensors[src].shape
                p = tuple(node.attrs["perm"])
                prod = producer.get(src)
                if prod is not None and prod.op == "transpose":
                    p0 = tuple(prod.attrs["perm"])
                    node.inputs = [prod.inputs[0]]
                    node.attrs["perm"] = tuple(p0[i] for i in p)
                    changed = True
                    break
                if _is_pure_reshape(shp, p):
                    node.op = "reshape"
                    node.attrs = {"shape": tuple(g.tensors[node.outputs[0]].shape)}
                    changed = True
                    break
            if node.op == "reshape":
                src = node.inputs[0]
                prod = producer.get(src)
                if prod is not None and prod.op == "reshape":
                    node.inputs = [prod.inputs[0]]
                    changed = True
                    break
                if tuple(g.tensors[src].shape) == tuple(g.tensors[node.outputs[0]].shape):
                    out = node.outputs[0]
                    if out in g.outputs and src in g.inputs:
                        continue
                    g.nodes.remove(node)
                    g.replace_uses(out, src)
                    del g.tensors[out]
                    changed = True
                    break
        # dead nodes
        used = set(g.outputs)
        for n in g.nodes:
            used.update(n.inputs)
        for node in reversed(list(g.nodes)):
            if not any(o in used for o in node.outputs):
                g.nodes.remove(node)
                for o in node.outputs:
                    g.tensors.pop(o, None)
                changed = True
                used = set(g.outputs)
                for n in g.nodes:
                    used.update(n.inputs)
