"""QOperator int8 ONNX ops rewritten in the QDQ form (step 1 of the QDQ import, frontends/onnx_qdq.py).

QLinearConv, QLinearMatMul, QGemm and com.microsoft QLinear* ops become DequantizeLinear -> float op ->
QuantizeLinear; ConvInteger / MatMulInteger (and the Cast -> Mul by a scale after them) become
DequantizeLinear -> Conv / MatMul with weights dequantized by scale / s_x.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from ..ir.graph import GraphError
from .common import FreshNames
from .onnx_checks import to_array

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



class _Rewriter(FreshNames):
    TAG = "qdq"

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
