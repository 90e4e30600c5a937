"""Step 3 of the QDQ import (frontends/onnx_qdq.py): Q/DQ pairs folded into affine int8 layers, and the
per-model requantization mode (set_int8_rounding).
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from ..ir.checker import check_graph
from ..ir.formats import AffineFormat
from ..ir.graph import Graph, GraphError, Node, Tensor

from .onnx_qoperator import ACT_FUSABLE, MAC_OPS


def _consumers(g: Graph) -> Dict[str, List[Node]]:
    c: Dict[str, List[Node]] = {}
    for n in g.nodes:
        for i in n.inputs:
            c.setdefault(i, []).append(n)
    return c


def _producers(g: Graph) -> Dict[str, Node]:
    return {o: n for n in g.nodes for o in n.outputs}


def _remove_dead(g: Graph) -> None:
    changed = True
    while changed:
        changed = False
        used = set(g.outputs)
        for n in g.nodes:
            used.update(n.inputs)
        for n in list(g.nodes):
            if not any(o in used for o in n.outputs):
                g.nodes.remove(n)
                changed = True
    g.remove_unused()


DATA_MOVES = ("reshape", "transpose", "channel_shuffle")


def _rewrite_moves(g: Graph, index, rewrite) -> None:
    """rewrite(g, node, index(g)) on the data moves, the index rebuilt after each change, until a whole pass
    over the nodes changes nothing."""
    changed = True
    while changed:
        idx = index(g)
        changed = any(rewrite(g, n, idx) for n in list(g.nodes) if n.op in DATA_MOVES)


def _sink_dequantize(g: Graph) -> None:
    """dequantize -> reshape / transpose / channel_shuffle  ==>  the data move in int8, then dequantize."""
    _rewrite_moves(g, _producers, _sink_one)


def _sink_one(g: Graph, n: Node, prod) -> bool:
    d = prod.get(n.inputs[0])
    if d is None or d.op != "dequantize":
        return False
    src = g.tensors[d.inputs[0]]
    out = g.tensors[n.outputs[0]]
    moved = g.unique_name(out.name + "_q")
    g.add_tensor(Tensor(moved, out.shape, src.fmt))
    n.inputs = [src.name]
    old_out = n.outputs[0]
    n.outputs = [moved]
    g.nodes.insert(g.nodes.index(n) + 1, Node(g.unique_name(n.name + "_dq"), "dequantize", [moved], [old_out]))
    return True


def _hoist_quantize(g: Graph) -> None:
    """float -> reshape / transpose / channel_shuffle -> quantize (one format)  ==>  quantize first, then
    the data move in int8 (a Flatten on the model input, before its QuantizeLinear)."""
    _rewrite_moves(g, _consumers, _hoist_one)


def _hoist_one(g: Graph, n: Node, cons) -> bool:
    x, y = n.inputs[0], n.outputs[0]
    users = cons.get(y, [])
    if g.tensors[x].fmt.kind != "float" or not users or any(u.op != "quantize" for u in users) or \
            y in g.outputs or len({g.tensors[u.outputs[0]].fmt for u in users}) != 1:
        return False
    fmt = g.tensors[users[0].outputs[0]].fmt
    xq = g.unique_name(x + "_q")
    g.add_tensor(Tensor(xq, g.tensors[x].shape, fmt))
    g.nodes.insert(g.nodes.index(n), Node(g.unique_name(n.name + "_quant"), "quantize", [x], [xq]))
    n.inputs = [xq]
    g.tensors[y].fmt = fmt
    for u in users:
        g.replace_uses(u.outputs[0], y)
        g.nodes.remove(u)
        del g.tensors[u.outputs[0]]
    return True


class _Folder:
    def __init__(self, g: Graph, imp):  # imp: the onnx_qdq importer (its qconst, vals)
        self.g, self.imp = g, imp
        self.notes: List[str] = []
        self.float_layers: List[str] = []

    # ---- constants ---------------------------------------------------------------------
    def onnx_qinfo(self, node: Node, k: int) -> Optional[dict]:
        """Recorded integers / format of the ONNX constant feeding input k of the ONNX node behind ``node``."""
        on = self.imp.origin.get(node.name)
        if on is None:
            return None
        if node.op in MAC_OPS or node.op == "prelu":
            names = [on.input[k]] if k < len(on.input) else []
        else:  # element-wise op with one constant operand
            names = [i for i in on.input if i in self.imp.qconst]
            if len(names) != 1:
                return None
        return self.imp.qconst.get(names[0]) if names else None

    def weight_format(self, node: Node) -> bool:
        """Int8 weights (and int32 bias) of a MAC node from the model's own integers; False when the
        weights are not on any int8 grid the model gives (they then stay float)."""
        g = self.g
        w = g.tensors[node.inputs[1]]
        cout = w.shape[0]
        info = self.onnx_qinfo(node, 1)
        if info is None or info["scale"].size not in (1, cout):
            return False
        s = np.broadcast_to(info["scale"].astype(np.float32), (cout,))
        sb = s.reshape((cout,) + (1,) * (w.data.ndim - 1)).astype(np.float64)
        r = w.data.astype(np.float64) / sb
        q = np.rint(r)
        if np.abs(r - q).max(initial=0) > 1e-3 or q.min(initial=0) < -128 or q.max(initial=0) > 127:
            self.notes.append(f"{node.name}: weights not on their int8 grid (changed at import) - kept in float")
            return False
        wf = AffineFormat(8, tuple(float(v) for v in s), 0, 0) if info["scale"].size > 1 else \
            AffineFormat(8, float(s[0]), 0)
        s_in = float(g.tensors[node.inputs[0]].fmt.scale)
        wide = g.tensors[node.inputs[0]].fmt.bits == 16   # int16 activations: an int64 bias (TFLite 16x8)
        if len(node.inputs) > 2:
            bt = g.tensors[node.inputs[2]]
            if bt.data is None or bt.data.size != cout:
                raise GraphError(f"{self.imp.src}: node {node.name!r} ({node.op}): bias of shape {bt.shape} for "
                                 f"{cout} output channels")
            binfo = self.onnx_qinfo(node, 2)
            want = (np.float32(s_in) * s).astype(np.float32)
            if binfo is not None and binfo["scale"].size in (1, cout) and np.allclose(
                    np.broadcast_to(binfo["scale"], (cout,)), want, rtol=1e-6, atol=0) and \
                    np.all(binfo["zp"] == 0) and binfo["q"].size == cout and binfo["q"].dtype == np.int32:
                bq = binfo["q"].reshape(-1).astype(np.int32)
                if not np.allclose(bq.astype(np.float64) * want, bt.data, rtol=1e-5, atol=1e-7 * float(want.max())):
                    bq = None  # the bias was changed at import
            else:
                bq = None
            if bq is None:
                bq = np.rint(bt.data.astype(np.float64) / want.astype(np.float64))
                if np.abs(bq).max(initial=0) >= (2 ** 40 if wide else 2 ** 31 - 1):
                    return False
                bq = bq.astype(np.int64 if wide else np.int32)
                self.notes.append(f"{node.name}: bias quantized to int{64 if wide else 32} at s_in*s_w")
            elif wide:
                bq = bq.astype(np.int64)
            bt.fmt = AffineFormat(64 if wide else 32, tuple(float(v) for v in want), 0, 0)
            bt.qdata = bq
        w.fmt, w.qdata = wf, q.astype(np.int8)
        return True

    def operand_format(self, node: Node, name: str) -> bool:
        t = self.g.tensors[name]
        if t.qdata is not None:
            return True
        info = self.onnx_qinfo(node, node.inputs.index(name))
        if info is None or info["scale"].size != 1 or info["zp"].size != 1:
            return False
        f = AffineFormat(8, float(info["scale"][0]), int(info["zp"][0]), signed=info["dtype"] == np.int8)
        r = t.data.astype(np.float64) / float(f.scale)
        q = np.rint(r) + f.zero_point
        if np.abs(r + f.zero_point - q).max(initial=0) > 1e-3 or q.min(initial=0) < f.qmin or \
                q.max(initial=0) > f.qmax:
            return False
        f8 = f.with_signed()
        t.fmt, t.qdata = f8, (q - (0 if f.signed else 128)).astype(np.int8)
        return True

    # ---- the fold ------------------------------------------------------------------------
    def run(self) -> Graph:
        from ..lower.lower_s8 import SAME_FORMAT_OPS, unsupported_reason
        g = self.g
        _sink_dequantize(g)
        _hoist_quantize(g)
        for node in list(g.nodes):
            if node.op in ("quantize", "dequantize"):
                continue
            prod, cons = _producers(g), _consumers(g)
            acts = [i for i in node.inputs if not g.tensors[i].is_const]
            if acts and all(g.tensors[i].fmt.kind != "float" for i in acts + node.outputs):
                continue  # already integer (a data move below which a dequantize was sunk)
            deqs = [prod.get(i) for i in acts]
            out = node.outputs[0]
            qs = cons.get(out, [])
            why = None
            if not acts or not all(d is not None and d.op == "dequantize" for d in deqs):
                why = "an input is not dequantized int8"
            elif not qs or any(q.op != "quantize" for q in qs) or out in g.outputs:
                why = "its output is not quantized"
            elif len({g.tensors[q.outputs[0]].fmt for q in qs}) != 1:
                why = "its output is quantized to several formats"
            elif any(getattr(g.tensors[t].fmt, "bits", 8) == 16 for t in [d.inputs[0] for d in deqs] + [qs[0].outputs[0]]):
                from ..lower.lower_s16 import unsupported_reason16
                why = unsupported_reason16(g, node)
            else:
                why = unsupported_reason(g, node)
            if why is None:
                saved = {i: (g.tensors[i].fmt, g.tensors[i].qdata) for i in node.inputs if g.tensors[i].is_const}
                new_inputs = [d.inputs[0] for d in deqs]
                old_inputs = list(node.inputs)
                it = iter(new_inputs)
                node.inputs = [next(it) if not g.tensors[i].is_const else i for i in node.inputs]
                for i in node.inputs:  # uint8 activations are int8 inside (step below); scales matter here
                    pass
                ok = True
                if node.op in MAC_OPS:
                    ok = self.weight_format(node)
                else:
                    for i in node.inputs:
                        if g.tensors[i].is_const and not self.operand_format(node, i):
                            ok = False
                if not ok:
                    node.inputs = old_inputs
                    for i, (f, qd) in saved.items():
                        g.tensors[i].fmt, g.tensors[i].qdata = f, qd
                    why = "a constant operand is float (not quantized in the model)"
            if why is not None:
                self.float_layers.append(f"{node.name} ({node.op}): {why}")
                continue
            q0 = qs[0]
            y = q0.outputs[0]
            for q in qs[1:]:
                g.replace_uses(q.outputs[0], y)
                g.nodes.remove(q)
            g.nodes.remove(q0)
            node.outputs = [y]
            del g.tensors[out]
            # onnxruntime's QLinearAveragePool has its own output format; the other rounding modes
            # average in the input's format and requantize (set_int8_rounding)
            if node.op in SAME_FORMAT_OPS and node.op != "avgpool" and \
                    g.tensors[node.inputs[0]].fmt != g.tensors[y].fmt:
                _split_format(g, node)
        self._pairs()
        self._edges()
        _remove_dead(g)
        self._signed()
        self._fuse_clamps()
        self._restore_relu()
        _remove_dead(g)
        return g

    def _restore_relu(self) -> None:
        """onnxruntime's quantizer removes a ReLU after a conv / gemm / add: the output format, whose
        range starts at 0 (zero point = the smallest integer), does its work.  Mark it as the fused
        ReLU it is, so that the float reference applies it too (the integer bounds do not change)."""
        g = self.g
        for n in g.nodes:
            f = g.tensors[n.outputs[0]].fmt
            if n.op in ACT_FUSABLE and n.attrs.get("act", "none") == "none" and isinstance(f, AffineFormat) \
                    and f.zero_point == f.qmin:
                n.attrs.update({"act": "relu", "act_min": None, "act_max": None, "alpha": 0.0})

    def _pairs(self) -> None:
        """dequantize -> quantize chains become requantize (or nothing when the formats agree)."""
        g = self.g
        for q in [n for n in g.nodes if n.op == "quantize"]:
            d = _producers(g).get(q.inputs[0])
            if d is None or d.op != "dequantize":
                continue
            src, dst = d.inputs[0], q.outputs[0]
            if g.tensors[src].fmt == g.tensors[dst].fmt and dst not in g.outputs:
                g.replace_uses(dst, src)
                g.nodes.remove(q)
            else:
                q.op, q.inputs = "requantize", [src]

    def _edges(self) -> None:
        g = self.g
        # output: ... -> int8 tensor -> dequantize -> graph output  ==>  the int8 tensor is the output
        prod = _producers(g)
        out = g.outputs[0]
        d = prod.get(out)
        if d is not None and d.op == "dequantize" and d.inputs[0] not in g.inputs:
            g.outputs = [d.inputs[0]]
            g.meta["output_dequantized_by_caller"] = True
        # input: float input -> quantize (one format) ==> the quantized tensor is the input
        inp = g.inputs[0]
        users = _consumers(g).get(inp, [])
        if users and all(u.op == "quantize" for u in users) and \
                len({g.tensors[u.outputs[0]].fmt for u in users}) == 1 and inp not in g.outputs:
            t = users[0].outputs[0]
            for u in users[1:]:
                g.replace_uses(u.outputs[0], t)
            for u in users:
                g.nodes.remove(u)
            g.inputs = [t]
            del g.tensors[inp]

    def _signed(self) -> None:
        """uint8 tensors inside the graph become int8 (q - 128); uint8 stays only at the edges."""
        g = self.g
        for t in list(g.tensors.values()):
            f = t.fmt
            if not (isinstance(f, AffineFormat) and not f.signed):
                continue
            if t.is_const:
                t.fmt, t.qdata = f.with_signed(), (t.qdata.astype(np.int64) - 128).astype(np.int8)
                continue
            if t.name in g.inputs:
                s8 = g.unique_name(t.name + "_s8")
                g.add_tensor(Tensor(s8, t.shape, f.with_signed()))
                g.replace_uses(t.name, s8)
                g.nodes.insert(0, Node(g.unique_name("input_to_int8"), "requantize", [t.name], [s8]))
            elif t.name in g.outputs:
                s8 = g.unique_name(t.name + "_s8")
                g.add_tensor(Tensor(s8, t.shape, f.with_signed()))
                p = _producers(g)[t.name]
                p.outputs = [s8]
                for c in _consumers(g).get(t.name, []):
                    c.inputs = [s8 if i == t.name else i for i in c.inputs]
                g.nodes.insert(g.nodes.index(p) + 1, Node(g.unique_name("output_to_uint8"), "requantize",
                                                          [s8], [t.name]))
            else:
                t.fmt = f.with_signed()

    def _fuse_clamps(self) -> None:
        """relu / clip whose input has its output's format fold into the producer's saturation bounds."""
        from ..passes.fuse_activation import act_attrs_of
        g = self.g
        for n in list(g.nodes):
            attrs = act_attrs_of(n)
            if attrs is None or attrs["act"] == "leaky_relu":
                continue
            src, dst = n.inputs[0], n.outputs[0]
            if not isinstance(g.tensors[dst].fmt, AffineFormat) or g.tensors[src].fmt != g.tensors[dst].fmt:
                continue
            p = _producers(g).get(src)
            if p is not None and p.op in ACT_FUSABLE and g.tensors[dst].fmt.bits == 16 and \
                    p.attrs.get("act", "none") in ("relu", "relu6", "clip"):
                attrs = _meet(p.attrs, attrs)   # int16 (QONNX Quant wider than 8 bits): relu then range clip
            elif p is None or p.op not in ACT_FUSABLE or p.attrs.get("act", "none") != "none":
                continue
            if len(_consumers(g).get(src, [])) != 1 or src in g.outputs:
                continue
            p.attrs.update(attrs)
            p.outputs = [dst]
            g.nodes.remove(n)
            del g.tensors[src]


def _meet(a: dict, b: dict) -> dict:
    """One clip equal to fused activation a followed by b (relu / relu6 / clip)."""
    from ..ir.ops import fused_act_bounds
    (lo1, hi1), (lo2, hi2) = fused_act_bounds(a), fused_act_bounds(b)
    lo, hi = max(lo1, lo2), min(hi1, hi2)
    return {"act": "clip", "act_min": None if lo == -np.inf else lo, "act_max": None if hi == np.inf else hi,
            "alpha": 0.0}


ROUNDING_POLICY = {
    "onnxruntime": "requantization as onnxruntime's x86 CPU int8 kernels compute it (float32 multipliers, "
                   "QLinearAdd / QLinearAveragePool / QLinearSoftmax arithmetic), the float32 steps done in "
                   "integers: the same integers as onnxruntime",
    "single": "TFLite fixed-point requantization, single rounding; averages round ties to even",
    "double": "TFLite fixed-point requantization, double rounding; averages round ties to even",
}


def _split_format(g: Graph, node: Node) -> None:
    """node keeps its input's format; a requantize after it gives the output its own."""
    y = node.outputs[0]
    mid = g.unique_name(y + "_in_fmt")
    g.add_tensor(Tensor(mid, g.tensors[y].shape, g.tensors[node.inputs[0]].fmt))
    node.outputs = [mid]
    g.nodes.insert(g.nodes.index(node) + 1, Node(g.unique_name(node.name + "_requant"), "requantize", [mid], [y]))


def set_int8_rounding(g: Graph, rounding: str) -> Graph:
    """Choose the requantization mode of an affine int8 graph ("onnxruntime", "single", "double").
    Outside the onnxruntime mode an average pool averages in its input's format, so one whose output
    has another format becomes average pool + requantize (in place; returns the graph)."""
    if rounding not in ROUNDING_POLICY:
        raise GraphError(f"rounding {rounding!r}: choose 'onnxruntime', 'single' or 'double'")
    q = g.meta.setdefault("quantization", {})
    q["rounding"] = rounding
    if "policy" in q:
        for text in ROUNDING_POLICY.values():
            q["policy"] = q["policy"].replace(text, ROUNDING_POLICY[rounding])
    if rounding != "onnxruntime":
        for node in list(g.nodes):
            if node.op == "avgpool" and g.tensors[node.inputs[0]].fmt != g.tensors[node.outputs[0]].fmt:
                _split_format(g, node)
    return g


def fold_qdq(g: Graph, imp, rounding: str = "onnxruntime") -> Graph:
    if rounding not in ROUNDING_POLICY:
        raise GraphError(f"rounding {rounding!r}: choose 'onnxruntime', 'single' or 'double'")
    f = _Folder(g, imp)
    g = f.run()
    if not any(t.fmt.kind == "affine" for t in g.tensors.values()):
        raise GraphError(f"{imp.src}: no layer of the quantized model could be folded into int8")
    policy = "formats from the model's QuantizeLinear/DequantizeLinear parameters (no recalibration); " \
             + ROUNDING_POLICY[rounding]
    if f.float_layers:
        policy += "; in float (dequantize -> float kernel -> quantize): " + "; ".join(f.float_layers)
    if f.notes:
        policy += "; notes: " + "; ".join(f.notes)
    g.meta["quantization"] = {"scheme": "int8", "bits": 8, "rounding": rounding, "average_rounding": "half_even",
                              "policy": policy, "float_layers": f.float_layers, "source": "qdq"}
    g.meta["source"] = "onnx-qdq"
    set_int8_rounding(g, rounding)
    return check_graph(g, "fold QDQ")
