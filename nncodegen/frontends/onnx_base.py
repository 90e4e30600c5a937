"""The shared base of the ONNX front ends (float, QDQ, QONNX).

``ImporterBase`` walks an ONNX graph node by node and builds the IR Graph in NHWC: it holds the
driver (unsupported ops listed at once, the single input and output, constant folding with
``onnx.reference``), the value table (``Val``: an ONNX value, its IR tensor and the layout it is
stored in), IR emission and the layout conversions that op handlers call.  The op handlers
themselves live in ``frontends/onnx_ops/`` by family; ``onnx_float.OnnxImporter`` combines them, and
the QDQ and QONNX importers subclass that.

Layouts: ``nhwc`` a 4-D ONNX (N, C, H, W) value stored as (N, H, W, C); ``plain`` stored in ONNX's
own axis order; ``flat`` a 2-D (N, C*H*W) value stored in H, W, C order (module onnx_import explains
the rules).
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..ir.checker import check_graph
from ..ir.graph import Graph, GraphError, Node, Tensor
from ..ir.limits import LIMITS, check_shape
from ..ir.ops import infer_node
from .common import fmt_list, one_line
from .onnx_checks import check_arity, check_model, to_array
from .onnx_cleanup import cleanup_layout_ops
from .onnx_layout import LayoutConversions
from .onnx_values import MIN_OPSET, NCHW_TO_NHWC, NHWC_TO_NCHW, Val, ValTable

# ------------------------------------------------------------------------------ loading

def load_model(path_or_model):
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
            raise GraphError(f"{src}: not a valid ONNX model ({one_line(e)})") from None
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
    check_model(model, src)
    return model, src



def run_guarded(imp, src: str, finish=None) -> Graph:
    """Run an importer; anything but a GraphError becomes one line naming the node being imported."""
    try:
        g = imp.run()
        return finish(g) if finish is not None else g
    except GraphError:
        raise
    except Exception as e:  # noqa: BLE001 -- never let a deep traceback escape for bad models
        where = f" at node {imp.node_label(imp.current)}" if imp.current is not None else ""
        raise GraphError(f"{src}: cannot import{where}: {type(e).__name__}: {one_line(e)}") from None


NONDETERMINISTIC = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli",
                    "Multinomial"}


def foldable(node, is_const: Sequence[bool]) -> bool:
    """Node can be evaluated at import time: every (given) input is a constant.

    ``is_const`` has one flag per input slot; empty slots (optional inputs) must be False."""
    if node.op_type in NONDETERMINISTIC:
        return False
    if node.op_type == "Constant":
        return True
    given = [c for c, name in zip(is_const, node.input) if name]
    return bool(given) and all(given)


# ------------------------------------------------------------------------------ the importer

# custom-domain nodes with a handler (the only ones let through): HashedNets' layer
# (nncodegen/compress/__init__.py documents it)
CUSTOM_OPS = {("nncodegen", "HashedGemm")}


class ImporterBase(LayoutConversions):
    # several inputs / outputs joined into the one C input / output: float models, and QDQ models (the joins
    # are float: rows sliced before each input's QuantizeLinear, outputs joined after each DequantizeLinear);
    # QONNX models keep one input and one output (their input Quant gives the C input's format)
    JOIN_IO = True

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
        self.vals: Dict[str, Val] = ValTable()
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
        raise GraphError(f"{self.src}: node {self.node_label(node)}: attribute {attr}={fmt_list(value)} {why}")

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
            if n.domain not in ("", "ai.onnx") and (n.domain, n.op_type) not in CUSTOM_OPS:
                bad.append(f"{self.node_name(n)!r} ({n.domain}.{n.op_type})")
            elif n.op_type in ("Shape", "Size") or foldable(n, [bool(i) and i in const for i in n.input]):
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
            self.vals[init.name] = self._const_val(to_array(self.onnx, init, self.src))
        for sp in og.sparse_initializer:
            raise GraphError(f"{self.src}: sparse initializer {sp.values.name!r} not supported")

        inputs = [i for i in og.input if i.name not in self.vals]
        why = ("" if self.JOIN_IO else " (float and QDQ ONNX models may have several, joined into the one C "
               "input / output; QONNX ones not)")
        if not inputs or (len(inputs) > 1 and not self.JOIN_IO):
            raise GraphError(f"{self.src}: the model must have exactly one (non-initializer) input, "
                             f"it has {len(inputs)}: {[i.name for i in inputs]}{why}")
        if not og.output or (len(og.output) > 1 and not self.JOIN_IO):
            raise GraphError(f"{self.src}: the model must have exactly one output, it has {len(og.output)}: "
                             f"{[o.name for o in og.output]}{why}")
        if len(inputs) == 1:
            self._make_input(inputs[0])
        else:
            self._make_joined_inputs(inputs)

        for node in og.node:
            self.current = node
            self._import_node(node)
        self.current = None

        outs = []
        for o in og.output:
            out = o.name
            if out not in self.vals:
                raise GraphError(f"{self.src}: graph output {out!r} is never produced")
            v = self.vals[out]
            if v.is_const:
                raise GraphError(f"{self.src}: graph output {out!r} is a constant (it does not depend on the "
                                 "input)")
            if v.layout == "nhwc":
                outs.append((v.ir, "NCHW->NHWC", v))
            else:
                outs.append((self.plain(v), "plain", v))
        out = og.output[0].name
        if len(outs) == 1:
            oname, self.g.meta["output_layout"], v = outs[0]
            self.g.meta["onnx_output_shape"] = tuple(v.shape)
        else:
            oname = self._join_outputs(outs)
        self.g.outputs = [oname]
        self.g.meta["source"] = "onnx"
        self.g.meta["opset"] = self.opset

        cleanup_layout_ops(self.g)
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

    def _make_joined_inputs(self, vis):
        """Several float inputs as one (1, inputs, longest) IR input, row k input k in the IR's layout (NHWC for
        a 4-D NCHW input) flattened; the rest of a row is not read (as frontends/tflite/join.py)."""
        made = [self._input_spec(vi) for vi in vis]
        sizes = [int(np.prod(st, dtype=np.int64)) for _, st, _ in made]
        longest = max(sizes)
        joined = self.g.add_tensor(Tensor(self._tname("inputs_joined"), (1, len(vis), longest)))
        self.g.inputs.append(joined.name)
        meta = []
        for k, (vi, (shape, st, layout), n) in enumerate(zip(vis, made, sizes)):
            row = self.emit("strided_slice", [joined.name], {"begin": (0, k, 0), "strides": (1, 1, 1),
                                                              "size": (1, 1, n)}, name=f"input_{k}_row")
            t = self.emit("reshape", [row], {"shape": st}, out=vi.name, name=f"input_{k}")
            self.vals[vi.name] = Val(shape, ir=t, layout=layout)
            meta.append({"name": vi.name, "shape": list(st), "onnx_shape": list(shape), "row": k, "size": n,
                         "layout": "NCHW->NHWC" if layout == "nhwc" else "plain"})
        self.g.meta["inputs"] = meta
        self.g.meta["input_layout"] = "joined"

    def _join_outputs(self, outs) -> str:
        """Several outputs as one row (1, total), each flattened in the IR's layout at an offset (exact copies)."""
        parts, meta, off = [], [], 0
        for k, (ir, layout, v) in enumerate(outs):
            shape = self.ir_shape(ir)
            n = int(np.prod(shape, dtype=np.int64))
            if not shape or shape[0] != 1:
                raise GraphError(f"{self.src}: output {self.og.output[k].name!r} of shape {tuple(v.shape)}: joined "
                                 "outputs need batch 1")
            parts.append(self.emit("reshape", [ir], {"shape": (1, n)}, name=f"output_{k}_flat"))
            meta.append({"name": self.og.output[k].name, "shape": list(shape), "onnx_shape": list(v.shape),
                         "offset": off, "size": n, "layout": layout})
            off += n
        y = self.emit("concat", parts, {"axis": 1}, name="join_outputs")
        self.g.meta["outputs"] = meta
        self.g.meta["output_layout"] = "joined"
        return y

    def _make_input(self, vi):
        shape, st, layout = self._input_spec(vi)
        self.g.meta["input_layout"] = "NCHW->NHWC" if layout == "nhwc" else "plain"
        self.g.meta["onnx_input_shape"] = shape
        t = self.g.add_tensor(Tensor(self._tname(vi.name), st))
        self.g.inputs.append(t.name)
        self.vals[vi.name] = Val(shape, ir=t.name, layout=layout)

    def _input_spec(self, vi):
        """(ONNX shape, IR shape, layout) of a model input, or a GraphError naming it."""
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
            return shape, tuple(shape[i] for i in NCHW_TO_NHWC), "nhwc"
        return shape, shape, "plain"

    # ---- node dispatch ------------------------------------------------------------------
    def _import_node(self, node):
        check_arity(self.onnx, node, self.opset, self.src, self.node_label(node))
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
        if foldable(node, [v is not None and v.is_const for v in ins]):
            try:
                outs = self._fold(node, ins)
            except GraphError:
                raise
            except Exception as e:  # noqa: BLE001
                # a node of constants that onnx.reference cannot evaluate is malformed (its handlers
                # expect activations: an IR op reading a constant as its data would reach lowering)
                self.fail(node, f"cannot evaluate on constant inputs ({one_line(e)})")
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
                return [to_array(onnx, a["value"], f"{self.src}: node {self.node_label(node)}", "value")]
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
        outs = [np.asarray(next(it)) if o else None for o in names_out]
        for o, arr in zip(node.output, outs):   # a folded constant is weight data: the same limits
            if arr is not None:
                check_shape(tuple(int(d) for d in arr.shape), f"{self.src}: node {self.node_label(node)}: output {o[:80]!r}")
                if arr.nbytes > LIMITS.max_weight_bytes:
                    self.fail(node, f"folds to {arr.nbytes} bytes of constant data, over the limit "
                                    f"{LIMITS.max_weight_bytes} (limits.max_weight_bytes)")
        return outs

    # ---- values & IR emission -------------------------------------------------------------
    def _const_val(self, arr) -> Val:
        arr = np.asarray(arr)
        return Val(tuple(int(d) for d in arr.shape), const=arr)

    @staticmethod
    def _unique(base: str, used: set) -> str:
        """base, else base_1, base_2, ...: the first not in used (then added to it)."""
        name = base
        k = 1
        while name in used:
            name = f"{base}_{k}"
            k += 1
        used.add(name)
        return name

    def _tname(self, base: str) -> str:
        return self._unique(base or "t", self._names)

    def _node_name_new(self, base: str) -> str:
        return self._unique(base or "node", self._nnames)

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

    def set_out(self, node, ir: str, layout: str, k: int = 0, chw=None, origin=None) -> Val:
        st = self.ir_shape(ir)
        if layout == "nhwc":
            shape = tuple(st[i] for i in NHWC_TO_NCHW)
        elif layout == "flat":
            shape = (st[0], int(np.prod(st[1:])))
        else:
            shape = st
        v = Val(shape, ir=ir, layout=layout, chw=chw, origin=origin)
        self.vals[node.output[k]] = v
        return v

    def alias(self, node, v: Val, k: int = 0):
        self.vals[node.output[k]] = v

    def nname(self, node) -> str:
        return self.node_name(node)
