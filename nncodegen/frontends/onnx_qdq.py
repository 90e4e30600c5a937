"""Quantized ONNX models (QDQ and QOperator int8) -> affine int8 IR Graph.

    g = load_qdq(onnx.load("model_qdq.onnx"))      # load_onnx calls this for quantized models

Three steps:

1. ``canonicalize``: QOperator ops become the QDQ form, so one path serves
   both: QLinearConv, QLinearMatMul, com.microsoft QLinearAdd / QLinearMul /
   QLinearConcat / QLinearAveragePool / QLinearGlobalAveragePool /
   QLinearSigmoid / QLinearLeakyRelu / QLinearSoftmax / QGemm turn into
   DequantizeLinear -> float op -> QuantizeLinear; ConvInteger and
   MatMulInteger (with the Cast -> Mul by a constant scale that follows them)
   into DequantizeLinear -> Conv / MatMul whose weights are dequantized with
   scale / s_x.  DynamicQuantizeLinear (scales computed at run time) is refused.
2. The float importer (onnx_float.OnnxImporter) with two more ops: a
   QuantizeLinear / DequantizeLinear of an activation becomes an IR
   ``quantize`` / ``dequantize`` node; a DequantizeLinear of a constant
   becomes its float values (the graph's float data = dequantized weights,
   so the float reference is the model with its int8 weights), and its
   integers, scales and zero points are kept for step 3.  Importer rewrites
   stop at the quantize/dequantize nodes, so nothing folds across a
   quantized tensor.
3. ``fold_qdq``: every node whose activation inputs all come from
   ``dequantize`` nodes and whose output goes only to ``quantize`` nodes of one
   format, and that has an int8 kernel, becomes an affine int8 layer (inputs
   and output take the quantized tensors; weights their int8 values).  A node
   that cannot (no int8 kernel, a float constant operand, a float op between
   Q/DQ pairs) stays in float: the C dequantizes its inputs, runs the _f32
   kernel and quantizes its output, exactly the QDQ graph's semantics.  The
   graph's input and output take the model's own quantization parameters
   (uint8 at the edges converts to the int8 used inside), ReLU / clip with
   the format of their producer fold into its saturation bounds, and a ReLU
   the quantizer removed (an output range starting at 0) is marked on its
   producer again, so that the float reference applies it as well.

Requantization then follows TFLite (lower/lower_s8.py): where onnxruntime's
float requantization and the fixed-point multiplier round differently, the
results differ by one LSB (docs/INT8.md).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from ..ir.checker import check_graph
from ..ir.formats import AffineFormat
from ..ir.graph import Graph, GraphError, Node, Tensor
from .common import one_line
from .onnx_base import load_model, run_guarded
from .onnx_checks import to_array
from .onnx_float import OnnxImporter

QDQ_OPS = {"QuantizeLinear", "DequantizeLinear"}
QOPERATOR_OPS = {"QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "QLinearAdd", "QLinearMul",
                 "QLinearConcat", "QLinearAveragePool", "QLinearGlobalAveragePool", "QLinearSigmoid",
                 "QLinearLeakyRelu", "QLinearSoftmax", "QGemm", "DynamicQuantizeLinear"}
MAC_OPS = ("conv2d", "dense")
# (scale, zero point) input names of the output of each QOperator op
QLINEAR_OUT = {"QLinearConv": lambda i: (i[6], i[7]), "QLinearMatMul": lambda i: (i[6], i[7]),
               "QGemm": lambda i: (i[7], i[8]), "QLinearAdd": lambda i: (i[6], i[7]),
               "QLinearMul": lambda i: (i[6], i[7]), "QLinearConcat": lambda i: (i[0], i[1]),
               "QLinearAveragePool": lambda i: (i[3], i[4]), "QLinearGlobalAveragePool": lambda i: (i[3], i[4]),
               "QLinearSigmoid": lambda i: (i[3], i[4]), "QLinearLeakyRelu": lambda i: (i[3], i[4]),
               "QLinearSoftmax": lambda i: (i[3], i[4])}
# ops a QOperator graph runs on int8 / uint8 values directly (they commute with dequantization)
INT_DATA_MOVES = {"MaxPool", "GlobalMaxPool", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze",
                  "Identity", "Resize", "Upsample"}
ACT_FUSABLE = ("conv2d", "dense", "add", "sub", "mul")


def is_quantized_onnx(model) -> bool:
    return any(n.op_type in QDQ_OPS or n.op_type in QOPERATOR_OPS for n in model.graph.node)


def load_qdq(path_or_model, name: Optional[str] = None, rounding: str = "onnxruntime") -> Graph:
    """Import a QDQ / QOperator int8 ONNX model as an affine int8 IR graph (checked).

    ``rounding``: the requantization mode recorded in the graph (lower/lower_s8.py).  The default,
    "onnxruntime", reproduces onnxruntime's CPU int8 kernels (the runtime these models are made
    for) with integer arithmetic; "single" is the exact semantics of DequantizeLinear -> op ->
    QuantizeLinear with TFLite's fixed-point multipliers (one rounding, averages ties to even);
    "double" is TFLite's default (docs/INT8.md)."""
    model, src = load_model(path_or_model)
    try:
        model = canonicalize(model, src)
    except GraphError:
        raise
    except Exception as e:  # noqa: BLE001 -- last resort: one line, never a traceback
        raise GraphError(f"{src}: cannot import: converting the QOperator nodes: {type(e).__name__}: "
                         f"{one_line(e)}") from None
    imp = _QDQImporter(model, src, name, path_or_model)
    return run_guarded(imp, src, finish=lambda g: fold_qdq(g, imp, rounding))


# ================================================================= 1. QOperator -> QDQ

class _Rewriter:
    def __init__(self, model, src):
        import onnx
        self.onnx = onnx
        self.model = model
        self.src = src
        self.inits = {i.name: to_array(onnx, i, src) for i in model.graph.initializer}
        self.new_inits: List = []
        self.names = {o for n in model.graph.node for o in n.output} | set(self.inits) | \
            {i.name for i in model.graph.input}
        self.k = 0

    def fresh(self, base: str) -> str:
        while True:
            self.k += 1
            n = f"{base}__qdq{self.k}"
            if n not in self.names:
                self.names.add(n)
                return n

    def const(self, base: str, arr) -> str:
        n = self.fresh(base)
        self.new_inits.append(self.onnx.numpy_helper.from_array(np.asarray(arr), n))
        self.inits[n] = np.asarray(arr)
        return n

    def value(self, node, name: str, what: str) -> np.ndarray:
        if name not in self.inits:
            raise GraphError(f"{self.src}: node {node.name or node.op_type!r} ({node.op_type}): {what} must be a "
                             f"constant (initializer)")
        return self.inits[name]

    def dq(self, x: str, s: str, zp: str, axis: Optional[int] = None):
        out = self.fresh(x + "_dq")
        attrs = {} if axis is None else {"axis": axis}
        return out, self.onnx.helper.make_node("DequantizeLinear", [x, s, zp] if zp else [x, s], [out], **attrs)

    def q(self, x: str, s: str, zp: str, out: str):
        return self.onnx.helper.make_node("QuantizeLinear", [x, s, zp] if zp else [x, s], [out])


def _attrs(onnx, node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def canonicalize(model, src: str = "onnx model"):
    """QOperator int8 ops -> DequantizeLinear / float op / QuantizeLinear (a new ModelProto)."""
    import onnx
    if not any(n.op_type in QOPERATOR_OPS for n in model.graph.node):
        return model
    r = _Rewriter(model, src)
    helper = onnx.helper
    nodes = list(model.graph.node)
    producers = {o: n for n in nodes for o in n.output}
    consumers: Dict[str, list] = {}
    for n in nodes:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    out_nodes, skip = [], set()
    qp: Dict[str, Tuple[str, str]] = {}  # quantized tensor -> (scale, zero point) names
    for n in nodes:
        if id(n) in skip:
            continue
        op, ins, label = n.op_type, list(n.input) + [""] * 9, f"node {n.name or n.op_type!r} ({n.op_type})"
        a = _attrs(onnx, n)
        keep = {k: v for k, v in a.items()}
        if op in QLINEAR_OUT:
            qp[n.output[0]] = QLINEAR_OUT[op](ins)
        if op == "QuantizeLinear":
            qp[n.output[0]] = (n.input[1], n.input[2] if len(n.input) > 2 else "")
        if op == "DynamicQuantizeLinear":
            raise GraphError(f"{src}: {label}: dynamic quantization computes scales at run time; nncodegen "
                             f"compiles static scales only (quantize the model with quantize_static)")
        if op in ("QLinearConv", "QLinearMatMul", "QGemm"):
            if op == "QGemm":
                x, xs, xz, w, ws, wz, b, ys, yz = ins[:9]
            else:
                x, xs, xz, w, ws, wz, ys, yz, b = ins[:9]
            wsv = r.value(n, ws, "the weight scale")
            waxis = None
            if np.asarray(wsv).size > 1:
                waxis = 0 if op == "QLinearConv" else (0 if op == "QGemm" and a.get("transB", 0) else 1)
            xd, n1 = r.dq(x, xs, xz)
            wd, n2 = r.dq(w, ws, wz, waxis)
            new = [n1, n2]
            fins = [xd, wd]
            if b:
                # the bias is int32 at s_x * s_w (QGemm: alpha * s_a * s_b)
                bs = (np.float32(r.value(n, xs, "the input scale")).reshape(-1)[0] *
                      np.asarray(wsv, np.float32).reshape(-1)).astype(np.float32)
                if op == "QGemm":
                    bs = (np.float32(a.get("alpha", 1.0)) * bs).astype(np.float32)
                bsn = r.const(b + "_scale", bs if bs.size > 1 else bs.reshape(()))
                bzn = r.const(b + "_zp", np.zeros(bs.shape if bs.size > 1 else (), np.int32))
                bd, n3 = r.dq(b, bsn, bzn, 0 if bs.size > 1 else None)
                new.append(n3)
                fins.append(bd)
            yf = r.fresh(n.output[0] + "_f")
            fop = {"QLinearConv": "Conv", "QLinearMatMul": "MatMul", "QGemm": "Gemm"}[op]
            if op == "QGemm" and not ys:
                new.append(helper.make_node(fop, fins, [n.output[0]], name=n.name, **keep))
            else:
                new.append(helper.make_node(fop, fins, [yf], name=n.name, **keep))
                new.append(r.q(yf, ys, yz, n.output[0]))
            out_nodes += new
            continue
        if op in ("QLinearAdd", "QLinearMul"):
            A, As, Az, B, Bs, Bz, Cs, Cz = ins[:8]
            ad, n1 = r.dq(A, As, Az)
            bd, n2 = r.dq(B, Bs, Bz)
            yf = r.fresh(n.output[0] + "_f")
            out_nodes += [n1, n2, helper.make_node(op[7:], [ad, bd], [yf], name=n.name),
                          r.q(yf, Cs, Cz, n.output[0])]
            continue
        if op == "QLinearConcat":
            ys, yz = ins[0], ins[1]
            triples = [t for t in zip(n.input[2::3], n.input[3::3], n.input[4::3])]
            new, fins = [], []
            for x, s, z in triples:
                xd, nd = r.dq(x, s, z)
                new.append(nd)
                fins.append(xd)
            yf = r.fresh(n.output[0] + "_f")
            out_nodes += new + [helper.make_node("Concat", fins, [yf], name=n.name, axis=a.get("axis", 1)),
                                r.q(yf, ys, yz, n.output[0])]
            continue
        if op in ("QLinearAveragePool", "QLinearGlobalAveragePool", "QLinearSigmoid", "QLinearLeakyRelu",
                  "QLinearSoftmax"):
            x, xs, xz, ys, yz = ins[:5]
            if int(a.get("channels_last", 0)):
                raise GraphError(f"{src}: {label}: channels_last=1 is not supported")
            keep.pop("channels_last", None)
            keep.pop("opset", None)
            fop = {"QLinearAveragePool": "AveragePool", "QLinearGlobalAveragePool": "GlobalAveragePool",
                   "QLinearSigmoid": "Sigmoid", "QLinearLeakyRelu": "LeakyRelu", "QLinearSoftmax": "Softmax"}[op]
            xd, n1 = r.dq(x, xs, xz)
            yf = r.fresh(n.output[0] + "_f")
            out_nodes += [n1, helper.make_node(fop, [xd], [yf], name=n.name, **keep), r.q(yf, ys, yz, n.output[0])]
            continue
        if op in ("ConvInteger", "MatMulInteger"):
            out_nodes += _integer_op(r, n, producers, consumers, skip, src)
            continue
        qin = [i for i in n.input if i in qp]
        if qin and op != "DequantizeLinear":
            # an op of the QOperator graph that runs on the integers themselves (MaxPool, Reshape, ...)
            if op not in INT_DATA_MOVES or qin != [n.input[0]]:
                raise GraphError(f"{src}: {label}: runs on quantized tensor {qin[0]!r}, which is supported for "
                                 f"{', '.join(sorted(INT_DATA_MOVES))} only")
            s_, z_ = qp[n.input[0]]
            xd, nd = r.dq(n.input[0], s_, z_)
            yf = r.fresh(n.output[0] + "_f")
            moved = helper.make_node(op, [xd] + list(n.input[1:]), [yf] + list(n.output[1:]), name=n.name, **keep)
            out_nodes += [nd, moved, r.q(yf, s_, z_, n.output[0])]
            qp[n.output[0]] = (s_, z_)
            continue
        out_nodes.append(n)
    g = model.graph
    newg = helper.make_graph(out_nodes, g.name, list(g.input), list(g.output),
                             list(g.initializer) + r.new_inits, value_info=list(g.value_info))
    opsets = [o for o in model.opset_import if o.domain not in ("", "ai.onnx", "com.microsoft")]
    ver = max([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] + [13])
    m = helper.make_model(newg, opset_imports=opsets + [helper.make_opsetid("", ver)],
                          producer_name=model.producer_name)
    m.ir_version = model.ir_version
    return m


def _integer_op(r: _Rewriter, n, producers, consumers, skip, src) -> list:
    """ConvInteger / MatMulInteger -> Cast -> Mul(const) as DequantizeLinear + float Conv / MatMul."""
    import onnx
    helper = onnx.helper
    label = f"node {n.name or n.op_type!r} ({n.op_type})"
    x, w = n.input[0], n.input[1]
    xz = n.input[2] if len(n.input) > 2 else ""
    wz = n.input[3] if len(n.input) > 3 else ""
    qx = producers.get(x)
    if qx is None or qx.op_type != "QuantizeLinear":
        raise GraphError(f"{src}: {label}: its input must come from a QuantizeLinear with a constant scale "
                         f"(dynamic quantization is not supported)")
    sx = float(np.asarray(r.value(qx, qx.input[1], "the input scale"), np.float32).reshape(-1)[0])
    users = consumers.get(n.output[0], [])
    cast = users[0] if len(users) == 1 else None
    if cast is None or cast.op_type != "Cast":
        raise GraphError(f"{src}: {label}: expected Cast(to=float) -> Mul(scale) after it")
    mul_users = consumers.get(cast.output[0], [])
    mul = mul_users[0] if len(mul_users) == 1 else None
    if mul is None or mul.op_type != "Mul":
        raise GraphError(f"{src}: {label}: expected Cast(to=float) -> Mul(scale) after it")
    cname = [i for i in mul.input if i != cast.output[0]][0]
    c = np.asarray(r.value(mul, cname, "the scale of the integer result"), np.float32)
    wv = r.value(n, w, "the weight")
    if n.op_type == "ConvInteger":
        cout = wv.shape[0]
        axis = 0
    else:
        cout = wv.shape[1]
        axis = 1
    cv = c.reshape(-1)
    if cv.size not in (1, cout):
        raise GraphError(f"{src}: {label}: the result scale {c.shape} is not per tensor or per output channel")
    ws = (cv / np.float32(sx)).astype(np.float32)
    wsn = r.const(w + "_scale", ws if ws.size > 1 else ws.reshape(()))
    if not wz:
        wz = r.const(w + "_zp", np.zeros((), wv.dtype))
    elif ws.size > 1 and np.asarray(r.value(n, wz, "the weight zero point")).size == 1:
        wz = r.const(w + "_zp", np.full(cout, np.asarray(r.inits[wz]).reshape(-1)[0], wv.dtype))
    xd, n1 = r.dq(x, qx.input[1], xz or (qx.input[2] if len(qx.input) > 2 else ""))
    wd, n2 = r.dq(w, wsn, wz, axis if ws.size > 1 else None)
    fop = "Conv" if n.op_type == "ConvInteger" else "MatMul"
    keep = {k: v for k, v in _attrs(onnx, n).items()}
    skip.update((id(cast), id(mul)))
    return [n1, n2, helper.make_node(fop, [xd, wd], [mul.output[0]], name=n.name, **keep)]


# ================================================================= 2. import with Q/DQ nodes

class _QDQImporter(OnnxImporter):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.qconst: Dict[str, dict] = {}   # ONNX name of a dequantized constant -> its integers and format
        self.origin: Dict[str, object] = {}  # IR node name -> ONNX node it came from

    def emit(self, op, inputs, attrs, out=None, name=None):
        o = super().emit(op, inputs, attrs, out, name)
        self.origin[self.g.nodes[-1].name] = self.current
        return o

    def _qparams(self, node, ins) -> Tuple[np.ndarray, np.ndarray, Optional[int]]:
        s = self.const_in(node, ins, 1, "scale")
        zv = ins[2] if len(ins) > 2 else None
        if zv is not None and not zv.is_const:
            self.fail(node, "zero point must be a constant")
        z = zv.const if zv is not None else np.zeros(np.shape(s), np.uint8)
        return np.asarray(s, np.float32), np.asarray(z), self.attrs(node).get("axis", 1)

    def _fmt(self, node, s, z, bits_ok=(np.int8, np.uint8)) -> AffineFormat:
        if s.size != 1 or z.size != 1:
            self.fail(node, "per-axis quantization of an activation is not supported")
        if z.dtype.type not in bits_ok:
            self.fail(node, f"{z.dtype} quantization is not supported (int8 and uint8 only)")
        try:
            return AffineFormat(8, float(s.reshape(-1)[0]), int(z.reshape(-1)[0]), signed=z.dtype == np.int8)
        except ValueError as e:
            self.fail(node, str(e))

    def _import_node(self, node):
        if node.op_type == "DequantizeLinear" and node.input and self.vals.get(node.input[0]) is not None \
                and self.vals[node.input[0]].is_const:
            self.current = node
            ins = [self.vals.get(i) if i else None for i in node.input]
            s, z, axis = self._qparams(node, ins)
            q = np.asarray(ins[0].const)
            if not np.issubdtype(q.dtype, np.integer):
                self.fail(node, f"dequantizes {q.dtype} data")
            if not (np.isfinite(s).all() and (s > 0).all()):
                self.fail(node, "scales must be finite and > 0")
            if s.size > 1:
                if q.ndim == 0 or not -q.ndim <= axis < q.ndim or q.shape[axis] != s.size or \
                        z.size not in (1, s.size):
                    self.fail(node, f"{s.size} scales and {z.size} zero points do not fit axis {axis} of the "
                                    f"{q.shape} data")
                ax = axis % q.ndim
                shp = [1] * q.ndim
                shp[ax] = s.size
                sb, zb = s.reshape(shp), np.broadcast_to(z.reshape(-1), (s.size,)).reshape(shp)
            else:
                if z.size != 1:
                    self.fail(node, f"one scale and {z.size} zero points")
                ax, sb, zb = None, s.reshape(()), z.reshape(())
            val = ((q.astype(np.int64) - zb.astype(np.int64)).astype(np.float32) * sb).astype(np.float32)
            self.vals[node.output[0]] = self._const_val(val)
            self.qconst[node.output[0]] = {"q": q, "scale": s.reshape(-1), "zp": z.reshape(-1).astype(np.int64),
                                           "axis": ax, "dtype": q.dtype}
            return
        super()._import_node(node)

    def op_QuantizeLinear(self, node, ins, a):
        s, z, _ = self._qparams(node, ins)
        if len(node.output) != 1:
            self.fail(node, "expected one output")
        fmt = self._fmt(node, s, z)
        self._unary(node, ins[0], "quantize", {})
        self.g.tensors[self.vals[node.output[0]].ir].fmt = fmt

    def op_DequantizeLinear(self, node, ins, a):
        x = ins[0]
        s, z, _ = self._qparams(node, ins)
        fmt = self._fmt(node, s, z)
        have = self.g.tensors[x.ir].fmt if x.ir in self.g.tensors else None
        if have != fmt:
            self.fail(node, f"its scale / zero point ({fmt}) differ from the format of its input ({have})")
        self._unary(node, x, "dequantize", {})


# ================================================================= 3. fold into affine layers

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


def _sink_dequantize(g: Graph) -> None:
    """dequantize -> reshape / transpose / channel_shuffle  ==>  the data move in int8, then dequantize."""
    changed = True
    while changed:
        changed = False
        prod = _producers(g)
        for n in list(g.nodes):
            if n.op not in ("reshape", "transpose", "channel_shuffle"):
                continue
            d = prod.get(n.inputs[0])
            if d is None or d.op != "dequantize":
                continue
            src = g.tensors[d.inputs[0]]
            out = g.tensors[n.outputs[0]]
            moved = g.unique_name(out.name + "_q")
            g.add_tensor(Tensor(moved, out.shape, src.fmt))
            n.inputs = [src.name]
            old_out = n.outputs[0]
            n.outputs = [moved]
            g.nodes.insert(g.nodes.index(n) + 1, Node(g.unique_name(n.name + "_dq"), "dequantize", [moved], [old_out]))
            changed = True
            break


def _hoist_quantize(g: Graph) -> None:
    """float -> reshape / transpose / channel_shuffle -> quantize (one format)  ==>  quantize first, then
    the data move in int8 (a Flatten on the model input, before its QuantizeLinear)."""
    changed = True
    while changed:
        changed = False
        cons = _consumers(g)
        for n in list(g.nodes):
            if n.op not in ("reshape", "transpose", "channel_shuffle"):
                continue
            x, y = n.inputs[0], n.outputs[0]
            users = cons.get(y, [])
            if g.tensors[x].fmt.kind != "float" or not users or any(u.op != "quantize" for u in users) or \
                    y in g.outputs or len({g.tensors[u.outputs[0]].fmt for u in users}) != 1:
                continue
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
            changed = True
            break


class _Folder:
    def __init__(self, g: Graph, imp: _QDQImporter):
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
        if len(node.inputs) > 2:
            bt = g.tensors[node.inputs[2]]
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
                if np.abs(bq).max(initial=0) >= 2 ** 31 - 1:
                    return False
                bq = bq.astype(np.int32)
                self.notes.append(f"{node.name}: bias quantized to int32 at s_in*s_w")
            bt.fmt = AffineFormat(32, tuple(float(v) for v in want), 0, 0)
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
            if p is None or p.op not in ACT_FUSABLE or p.attrs.get("act", "none") != "none":
                continue
            if len(_consumers(g).get(src, [])) != 1 or src in g.outputs:
                continue
            p.attrs.update(attrs)
            p.outputs = [dst]
            g.nodes.remove(n)
            del g.tensors[src]


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


def fold_qdq(g: Graph, imp: _QDQImporter, rounding: str = "onnxruntime") -> Graph:
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
