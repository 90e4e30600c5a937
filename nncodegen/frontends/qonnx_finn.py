"""FINN's streamlined QONNX graphs: what the QONNX importer (qonnx_import.py) needs beyond Brevitas exports.

FINN (Xilinx's dataflow compiler) writes its networks, before it turns them into FPGA dataflow nodes, as
ONNX with QONNX ``MultiThreshold`` nodes, +-1 weights stored as plain initializers (annotated BIPOLAR),
scales as Mul nodes, 1-D batch norms as Unsqueeze -> BatchNormalization -> Squeeze and a ``TopK`` (k=1)
at the end (its TFC-W1A1 example).  This module handles, at the ONNX level before import:

* ``refuse_finn_dataflow``: FINN's FPGA dataflow nodes (MVAU_hls, ConvolutionInputGenerator,
  StreamingFIFO, ...) are hardware blocks, not operators: one error names all of them.
* ``prepare_finn`` rewrites the model in place (the importer works on its own copy):
  - Unsqueeze -> BatchNormalization -> Squeeze that add and remove the same trailing axes of an (N, C)
    value become a BatchNormalization of the (N, C) value;
  - Div / Mul / Sub / Add by constants between the graph input and the first MultiThreshold fold into
    its thresholds, exactly: the chain g(x) (float32 operations, as onnxruntime and QONNX's executor
    compute them) is monotone non-decreasing when every Div / Mul constant is positive, so
    g(x) >= t  <=>  x >= T  with T the smallest float32 x such that g(x) >= t, found by bisection over the
    ordered float32 bit patterns.  The model's raw input then goes straight into the thresholds;
  - it returns the MatMul / Gemm weights that are binary: initializers that are exactly +-1 and either
    annotated BIPOLAR or read by a layer whose input comes from a MultiThreshold / BipolarQuant.

and at import (``FinnOps``, a mixin of the QONNX importer):

* ``MultiThreshold`` with any number of thresholds per channel or one shared row, and any out_scale /
  out_bias (``multithreshold`` IR op; the bipolar one-threshold case stays a sign in qonnx_import);
  data layouts NC, NWC, NCHW, NHWC as QONNX reads them (the channel axis is data_layout.index("C"),
  by rank NC / NWC / NCHW when absent);
* ``TopK`` (k=1, largest) and ``ArgMax`` (keepdims 0 or 1, first index): an ``argmax`` IR op whose
  output is an int32 index (ir/ops_finn.py).  TopK's values output may be used too (a max pool).
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from ..ir.graph import GraphError
from .onnx_checks import to_array
from .onnx_values import NCHW_AXIS, Val, flat_perm

DATAFLOW_DOMAIN = "finn.custom_op.fpgadataflow"
SHAPE_PASS = ("Reshape", "Flatten", "Identity", "Squeeze", "Unsqueeze")
SCALE_OPS = ("Div", "Mul", "Sub", "Add")


def refuse_finn_dataflow(model, src: str) -> None:
    bad = [f"{n.name or n.op_type!r} ({n.op_type})" for n in model.graph.node
           if n.domain.startswith(DATAFLOW_DOMAIN) or n.op_type == "StreamingDataflowPartition"]
    if bad:
        raise GraphError(f"{src}: FINN FPGA dataflow nodes are hardware blocks, not operators nncodegen compiles: "
                         f"{', '.join(bad)}; give the streamlined QONNX model (before FINN's dataflow "
                         f"conversion) instead")


# ------------------------------------------------------------------------------ ONNX-level rewrites

def _attr(node, name, default=None):
    from onnx import helper
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _consumers(graph) -> Dict[str, list]:
    cons: Dict[str, list] = {}
    for n in graph.node:
        for i in n.input:
            if i:
                cons.setdefault(i, []).append(n)
    return cons


def _inits(graph) -> Dict[str, np.ndarray]:
    import onnx
    return {i.name: to_array(onnx, i, "onnx model") for i in graph.initializer}


def _axes(node, inits) -> Optional[List[int]]:
    ax = _attr(node, "axes")
    if ax is None and len(node.input) > 1 and node.input[1]:
        v = inits.get(node.input[1])
        ax = None if v is None else [int(a) for a in np.asarray(v).reshape(-1)]
    return None if ax is None else [int(a) for a in ax]


def _merge_bn_1d(graph, inits) -> None:
    """Unsqueeze(axes >= 2) -> BatchNormalization -> Squeeze(same axes): a BatchNormalization on the (N, C) value."""
    names_out = {o.name for o in graph.output}
    while True:
        cons = _consumers(graph)
        for u in graph.node:
            if u.op_type != "Unsqueeze" or len(cons.get(u.output[0], [])) != 1:
                continue
            bn = cons[u.output[0]][0]
            if bn.op_type != "BatchNormalization" or bn.input[0] != u.output[0] or \
                    len(cons.get(bn.output[0], [])) != 1 or bn.output[0] in names_out:
                continue
            sq = cons[bn.output[0]][0]
            if sq.op_type != "Squeeze" or u.output[0] in names_out:
                continue
            ua, sa = _axes(u, inits), _axes(sq, inits)
            if ua is None or sa is None or sorted(ua) != sorted(sa) or min(ua) < 2:
                continue
            bn.input[0] = u.input[0]
            bn.output[0] = sq.output[0]
            graph.node.remove(u)
            graph.node.remove(sq)
            break
        else:
            return


def _f32_key(x: np.ndarray) -> np.ndarray:
    """Order-preserving int64 key of float32 values (-0 and +0 share key 0)."""
    i = np.asarray(x, np.float32).view(np.int32).astype(np.int64)
    return np.where(i >= 0, i, -(i & 0x7FFFFFFF))


def _key_f32(k: np.ndarray) -> np.ndarray:
    k = np.asarray(k, np.int64)
    i = np.where(k >= 0, k, (-k) | 0x80000000).astype(np.uint32)
    return i.view(np.float32)


def _apply_chain(x: np.ndarray, chain, ch: np.ndarray) -> np.ndarray:
    """The chain's float32 operations on x (per element channel ch), as onnxruntime computes them."""
    with np.errstate(all="ignore"):
        for op, c in chain:
            cv = c[ch]
            if op == "Div":
                x = (x / cv).astype(np.float32)
            elif op == "Mul":
                x = (x * cv).astype(np.float32)
            elif op == "Sub":
                x = (x - cv).astype(np.float32)
            else:
                x = (x + cv).astype(np.float32)
    return x


def fold_thresholds(chain, thr: np.ndarray) -> np.ndarray:
    """Thresholds T (rows, T) on the raw input with x >= T[c, k]  <=>  chain(x) >= thr[c, k] for every
    float32 x; ``chain`` is [(op, per-row float32 constants)], monotone non-decreasing."""
    thr = np.asarray(thr, np.float32)
    rows = thr.shape[0]
    ch = np.repeat(np.arange(rows), thr.shape[1])
    t = thr.reshape(-1)
    lo = np.full(t.shape, _f32_key(np.float32(-np.inf)), np.int64)   # invariant: g(lo) < t unless lo is -inf
    hi = np.full(t.shape, _f32_key(np.float32(np.inf)), np.int64)    # g(hi) >= t
    all_true = _apply_chain(np.full(t.shape, -np.inf, np.float32), chain, ch) >= t
    for _ in range(40):
        mid = (lo + hi) // 2
        ok = _apply_chain(_key_f32(mid), chain, ch) >= t
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
        if np.all(hi - lo <= 1):
            break
    out = _key_f32(hi)
    out = np.where(all_true, np.float32(-np.inf), out)
    never = ~(_apply_chain(np.full(t.shape, np.inf, np.float32), chain, ch) >= t)
    out = np.where(never, np.float32(np.inf), out)   # only for thresholds +inf / NaN
    return out.astype(np.float32).reshape(thr.shape)


def _mt_channel_axis(node, rank: int) -> int:
    layout = _attr(node, "data_layout", b"")
    layout = layout.decode() if isinstance(layout, bytes) else str(layout)
    if not layout:
        layout = {2: "NC", 3: "NWC", 4: "NCHW"}.get(rank, "")
    return layout.index("C") if "C" in layout else 1


def _fold_input_scaling(model, src: str) -> None:
    from onnx import numpy_helper
    g = model.graph
    inits = _inits(g)
    init_names = set(inits)
    inputs = [i for i in g.input if i.name not in init_names]
    if len(inputs) != 1:
        return
    x0 = inputs[0]
    rank = len(x0.type.tensor_type.shape.dim)
    cons = _consumers(g)
    chain, nodes, cur = [], [], x0.name
    while True:
        cs = cons.get(cur, [])
        if len(cs) != 1 or cur in {o.name for o in g.output}:
            return
        n = cs[0]
        if n.op_type == "MultiThreshold" and n.input[0] == cur:
            break
        if n.op_type not in SCALE_OPS or len(n.input) != 2:
            return
        k = 1 if n.input[0] == cur else 0
        if n.input[k] not in inits or (k == 0 and n.op_type in ("Div", "Sub")):
            return
        c = np.asarray(inits[n.input[k]])
        if c.dtype != np.float32:
            return
        chain.append((n.op_type, c))
        nodes.append(n)
        cur = n.output[0]
    mt = n
    if not chain or mt.input[1] not in inits:
        return
    thr = np.asarray(inits[mt.input[1]], np.float32)
    if thr.ndim != 2:
        return
    cax = _mt_channel_axis(mt, rank)
    dims = [d.dim_value for d in x0.type.tensor_type.shape.dim]
    nch = dims[cax] if 0 <= cax < len(dims) and dims[cax] > 0 else None
    per_row = []
    for op, c in chain:
        if c.size == 1:
            v = np.full(1, c.reshape(-1)[0], np.float32)
        else:   # per channel: the constant must vary along the MultiThreshold's channel axis only
            cs = (1,) * (rank - c.ndim) + tuple(c.shape) if c.ndim <= rank else None
            if nch is None or cs is None or c.size != nch or cs[cax] != nch:
                return
            v = c.reshape(-1).astype(np.float32)
        if op in ("Div", "Mul") and not np.all(v > 0):
            return                     # a negative scale reverses the comparison: keep the float ops
        per_row.append((op, v))
    rows = max([thr.shape[0]] + [v.size for _, v in per_row])
    if rows > 1 and thr.shape[0] == 1:
        thr = np.repeat(thr, rows, axis=0)
    per_row = [(op, np.broadcast_to(v, (rows,)).astype(np.float32)) for op, v in per_row]
    folded = fold_thresholds(per_row, thr)
    name = mt.input[1] + "_folded_input_scaling"
    g.initializer.append(numpy_helper.from_array(folded, name))
    mt.input[0] = x0.name
    mt.input[1] = name
    for n in nodes:
        g.node.remove(n)


def _bipolar_annotated(graph) -> set:
    out = set()
    for qa in graph.quantization_annotation:
        for kv in qa.quant_parameter_tensor_names:
            if kv.key == "finn_datatype" and kv.value == "BIPOLAR":
                out.add(qa.tensor_name)
    return out


def _producer_op(graph, name: str) -> Optional[str]:
    prod = {o: n for n in graph.node for o in n.output}
    n = prod.get(name)
    while n is not None and n.op_type in SHAPE_PASS:
        n = prod.get(n.input[0])
    return None if n is None else n.op_type


def _binary_weights(model) -> Dict[str, dict]:
    g = model.graph
    inits = _inits(g)
    bip = _bipolar_annotated(g)
    out = {}
    for n in g.node:
        if n.op_type not in ("MatMul", "Gemm") or len(n.input) < 2 or n.input[1] not in inits:
            continue
        w = np.asarray(inits[n.input[1]])
        if w.dtype.kind != "f" or w.size < 2 or not np.all(np.abs(w) == 1):
            continue
        if n.input[1] in bip or _producer_op(g, n.input[0]) in ("MultiThreshold", "BipolarQuant"):
            out[n.input[1]] = {"kind": "binary", "node": n.input[1]}
    return out


def prepare_finn(model, src: str) -> Dict[str, dict]:
    """Rewrite FINN patterns in ``model`` (in place) and return the binary weights {initializer: qinfo}."""
    g = model.graph
    try:
        _merge_bn_1d(g, _inits(g))
        _fold_input_scaling(model, src)
        return _binary_weights(model)
    except GraphError:
        raise
    except Exception as e:  # noqa: BLE001 -- a malformed model: one line, never a traceback
        from .common import one_line
        raise GraphError(f"{src}: cannot read FINN patterns: {type(e).__name__}: {one_line(e)}") from None


# ------------------------------------------------------------------------------ op handlers

class FinnOps:
    """MultiThreshold (general), TopK and ArgMax for the QONNX importer."""

    def op_MultiThreshold_multi(self, node, ins, a):
        x = ins[0]
        t = np.asarray(self.const_in(node, ins, 1, "thresholds"), np.float32)
        if t.ndim != 2 or t.shape[1] < 1:
            self.fail(node, f"thresholds must be a (channels or 1, T) matrix, got shape {t.shape}")
        out_scale = float(a.get("out_scale", 1.0))
        out_bias = float(a.get("out_bias", 0.0))
        rank = len(x.shape)
        layout = str(a.get("data_layout", "")) or {2: "NC", 3: "NWC", 4: "NCHW"}.get(rank, "")
        cax = layout.index("C") if "C" in layout else 1
        if len(layout) != rank or cax >= rank:
            self.fail(node, f"data_layout {layout!r} does not fit the {rank}-D input {x.shape}")
        c = x.shape[cax]
        if t.shape[0] not in (1, c):
            self.fail(node, f"{t.shape[0]} threshold rows for {c} channels (need {c} or 1)")
        if t.shape[0] == 1 or c == 1:
            src, lay = (x.ir, x.layout) if x.layout in ("nhwc", "flat") else (self.plain(x), "plain")
            t = t[:1]
        elif x.layout == "nhwc" and NCHW_AXIS[cax] == 3:
            src, lay = x.ir, "nhwc"
        elif x.layout == "flat" and cax == 1:
            src, lay = x.ir, "flat"
            t = t[flat_perm(*x.chw)]
        elif cax == rank - 1:     # ONNX order puts the channel innermost (a transpose if x is stored NHWC)
            src, lay = self.plain(x), "plain"
        else:
            self.fail(node, f"per-channel thresholds on axis {cax} of a value stored as {x.layout} "
                            f"{x.shape} are not supported (the channel axis must be the innermost one)")
        rows = self.const(t, f"{self.nname(node)}_thr")
        out = self.emit("multithreshold", [src, rows], {"out_scale": out_scale, "out_bias": out_bias},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, lay, chw=x.chw if lay == "flat" else None)

    def _argmax_out(self, node, x: Val, axis: int, keepdims: bool, k_out: int):
        rank = len(x.shape)
        axis = axis + rank if axis < 0 else axis
        if not 0 <= axis < rank:
            self.bad_attr(node, "axis", axis, f"out of range for the {rank}-D input")
        if x.layout == "nhwc" and axis == 1:
            src, lay = x.ir, "nhwc"
        elif x.layout in ("plain", "flat") and axis == rank - 1 and (x.layout == "plain" or rank == 2):
            src, lay = (x.ir if x.layout == "plain" else self.plain(x)), "plain"
        else:
            self.fail(node, f"an argmax over axis {axis} of a value stored as {x.layout} {x.shape} is not "
                            f"supported (only over the channel / last axis)")
        name = node.output[k_out]
        if not keepdims and lay == "plain":
            y = self.emit("argmax", [src], {}, name=self.nname(node))
            shape = tuple(x.shape[:-1])
            out = self.emit("reshape", [y], {"shape": shape}, out=name, name=f"{self.nname(node)}_drop")
            self.set_out(node, out, "plain", k=k_out)
            return
        if not keepdims:
            self.fail(node, "keepdims=0 over the channel axis of a 4-D value is not supported")
        out = self.emit("argmax", [src], {}, out=name, name=self.nname(node))
        self.set_out(node, out, lay, k=k_out)

    def op_ArgMax(self, node, ins, a):
        if int(a.get("select_last_index", 0)):
            self.bad_attr(node, "select_last_index", a["select_last_index"], "(only the first index is supported)")
        self._argmax_out(node, ins[0], int(a.get("axis", 0)), bool(int(a.get("keepdims", 1))), 0)

    def op_TopK(self, node, ins, a):
        x = ins[0]
        k = self.const_in(node, ins, 1, "K")
        if int(np.asarray(k).reshape(-1)[0]) != 1:
            self.fail(node, f"TopK with k={int(np.asarray(k).reshape(-1)[0])} is not supported (only k=1)")
        if not int(a.get("largest", 1)):
            self.bad_attr(node, "largest", 0, "(only the largest value is supported)")
        axis = int(a.get("axis", -1))
        if len(node.output) > 1 and node.output[1]:
            self._argmax_out(node, x, axis, True, 1)
        used = self.n_consumers.get(node.output[0], 0) or node.output[0] in self.graph_outputs
        if used:   # the values: a max over the axis (a global max pool of the row)
            rank = len(x.shape)
            if rank != 2 or (axis % rank) != 1 or x.shape[0] != 1:
                self.fail(node, f"TopK values are supported over the last axis of a (1, C) value, got {x.shape}")
            p = self.emit("reshape", [self.plain(x)], {"shape": (1, 1, x.shape[1], 1)},
                          name=f"{self.nname(node)}_row")
            m = self.emit("global_maxpool", [p], {}, name=f"{self.nname(node)}_max")
            out = self.emit("reshape", [m], {"shape": (x.shape[0], 1)}, out=node.output[0],
                            name=f"{self.nname(node)}_values")
            self.set_out(node, out, "plain")
