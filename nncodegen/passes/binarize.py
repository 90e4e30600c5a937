"""Turn imported binarized layers into fused binary ops with exact thresholds, and give every tensor
of a binarized graph its number format.

Runs only on graphs with weights tagged binary / ternary (``meta["qonnx_weight"]``, set by the QONNX
importer); any other graph comes back unchanged.

1. Each conv2d / dense with tagged weights: the weights must be +-alpha[c] (binary) or
   {-alpha[c], 0, +alpha[c]} (ternary) per output channel, else a GraphError names the layer and
   its quantizer.  The layer becomes ``bconv2d`` / ``bdense`` with +-1 weights, and the chain of
   single-use ``batchnorm`` / ``mul`` / ``add`` (/ ``sub``) by per-channel constants after it is
   folded symbolically, with fractions.Fraction of the float32 parameters:

       f(d) = (a*d + b) / sqrt(S) + c        d = conv(x, w+-1), the real accumulator

   (S = 1 until the one batch norm: gamma*(v - mean)/sqrt(var + eps) + beta).
2. If the chain ends in ``sign``: +1 iff f(d) >= 0 (sign(0) = +1, as QONNX's BipolarQuant and
   Brevitas).  The accumulator takes only integer values k * u (u = 1 for a {-1, +1} input, 2^-f_in
   for a Q-format one, the scale s for an affine int8 input with zero point 0: an input Quant whose
   scale is not a power of two), so the threshold is the integer
       T = min { k : f(k * u) >= 0 }
   found by bisection over the reachable range with an exact predicate: A + c*sqrt(S) >= 0 with
   A = a*d + b rational is decided by comparing A^2 with c^2*S on the signs of A and c.  Channels
   with a < 0 get negated weights (then f is increasing in the new accumulator), channels with
   a = 0 (gamma = 0) a constant output (T = -inf or +inf), thresholds outside the reachable range
   simply saturate.  The op's threshold input holds T * u (exact in float32 for powers of two; for
   another s the largest float32 <= T * s, from which lowering recovers T = ceil(t / s) exactly).
3. Otherwise the chain becomes the affine epilogue: scale = a / sqrt(S), bias = b / sqrt(S) + c
   (float64), output float32.
4. A ``mul`` by a scalar after a sign (BipolarQuant with scale != 1) is folded into the next
   binary layer's slope; a constant ``pad`` of 0 / +1 / -1 before a binary-input layer becomes its
   padding.
5. Integer weights (a multi-bit weight Quant inside the binarized network, tagged "int" with its scale by the
   QONNX importer: Brevitas' 8-bit first and last layers): the layer is fused the same way with the
   integers q (int8) as its weights and the Quant's scale per channel as alpha[c], so the first layer's
   batch norm + sign becomes an integer threshold on sum(x_int * q), and a last layer reading binary
   activations gets the affine epilogue on sum(+-q).  The fused layer computes with q * scale exactly, where
   the exported model's float weights are float32(q * scale) (a relative 2^-24 apart).  Its weights get
   QFormat(8, 0) with int8 qdata; a channel whose slope is negative is negated, which a -128 (a weight
   Quant that is not narrow) cannot be: that is refused, naming the layer.
6. Formats: the input from the QONNX input Quant (Q8 or Q16, or affine int8), a clip or reshape of it
   keeps that format;
   sign outputs, threshold outputs and max pools of them are packed binary; a flatten of a packed
   map is packed per pixel (group = channels); affine outputs are float32; binary / ternary
   weights get BinaryFormat / TernaryFormat (grouped like the dense input they read).
"""
from __future__ import annotations

from fractions import Fraction
from typing import List, Optional, Tuple

import numpy as np

from ..ir.checker import check_graph
from ..ir.formats import FLOAT32, AffineFormat, BinaryFormat, QFormat, TernaryFormat
from ..ir.graph import Graph, GraphError, Node
from .affine_chain import F1, _Affine, _fr, _single_consumer, affine_chain


def _err(node: Node, t, msg: str):
    q = t.meta.get("qonnx_node") if t is not None else None
    who = f"node {node.name!r} ({node.op})" + (f", weights from {q!r}" if q else "")
    raise GraphError(f"{who}: {msg}")


def _split_alpha(w: np.ndarray, tern: bool):
    """(sign array int64, alpha per output channel as Fractions) or None when not +-alpha[c]."""
    wf = np.asarray(w, np.float32).reshape(w.shape[0], -1)
    signs, alphas = [], []
    for row in wf:
        nz = row[row != 0]
        if not tern and nz.size != row.size:
            return None
        if nz.size == 0:
            alphas.append(F1)
            signs.append(np.zeros(row.size, np.int64))
            continue
        a = np.abs(nz[0])
        if not np.all(np.abs(nz) == a):
            return None
        alphas.append(_fr(a))
        signs.append(np.sign(row).astype(np.int64))
    return np.stack(signs).reshape(w.shape), alphas


def _split_int(node: Node, wt) -> Tuple[np.ndarray, List[Fraction]]:
    """(integers int64, scale per output channel as Fractions) of multi-bit weights tagged "int" by the QONNX
    importer (meta["qonnx_scale"]: one scale, or one per output channel); GraphError naming the layer when the
    values are not the integers times the scale or do not fit int8."""
    cout = wt.shape[0]
    sc = np.asarray(wt.meta.get("qonnx_scale", []), np.float64).reshape(-1)
    if sc.size not in (1, cout) or not np.all(np.isfinite(sc)) or np.any(sc <= 0):
        _err(node, wt, f"integer weights need one positive scale or one per output channel ({cout}), "
                       f"got {sc.size}")
    s = np.broadcast_to(sc, (cout,)).reshape((cout,) + (1,) * (len(wt.shape) - 1))
    w = np.asarray(wt.data, np.float32)
    q = np.rint(w.astype(np.float64) / s)
    if not np.array_equal((q * s).astype(np.float32), w):
        _err(node, wt, "integer weights must be the Quant's integers times its scale")
    if q.size and (q.min() < -128 or q.max() > 127):
        _err(node, wt, f"integer weights inside a binarized network must fit int8, reach "
                       f"[{int(q.min())}, {int(q.max())}]")
    return q.astype(np.int64), [_fr(v) for v in np.broadcast_to(sc, (cout,))]


def _input_unit(g: Graph, x: str) -> Optional[Fraction]:
    """The real value of one integer step of a Q-format (2^-frac) or affine (scale, zero point 0) input."""
    f = g.tensors[x].fmt
    if isinstance(f, QFormat) and not f.per_channel:
        return Fraction(2) ** -int(f.frac)
    if isinstance(f, AffineFormat) and not f.per_channel and f.zero_point == 0:
        return Fraction(float(f.scale))
    return None


def _input_policy(qin) -> str:
    if not qin:
        return "float"
    if qin.get("scale"):
        return f"int{qin['bits']} scale {qin['scale']!r}, folded into the first layer's thresholds"
    return f"Q{qin['bits']} frac {qin['frac']}"


def binarize(graph: Graph) -> Graph:
    if not any("qonnx_weight" in t.meta for t in graph.tensors.values()):
        return graph
    g = graph.copy()
    qin = g.meta.get("qonnx_input")
    if qin:   # an input Quant with a scale that is not a power of two gives an affine int8 input
        g.tensors[g.inputs[0]].fmt = AffineFormat(qin["bits"], qin["scale"], 0) if qin.get("scale") else \
            QFormat(qin["bits"], qin["frac"])
    g.meta["quantization"] = {
        "scheme": "binary", "bits": qin["bits"] if qin else 32,
        "policy": "binarized (QONNX): +-1 weights and activations packed 32 per word; batch norm, scales and "
                  "sign folded into exact integer thresholds; input format from the input Quant "
                  f"({_input_policy(qin)}); last layer float"}
    for node in list(g.nodes):
        if node not in g.nodes:
            continue
        _propagate_format(g, node)
        if node.op in ("conv2d", "dense") and "qonnx_weight" in g.tensors[node.inputs[1]].meta:
            _fuse_layer(g, node)
    _drop_dead(g)
    g.remove_unused()
    return check_graph(g, "binarize")


def _drop_dead(g: Graph) -> None:
    """Remove nodes whose outputs nobody reads (folded pads and scales)."""
    while True:
        used = set(g.outputs) | {i for n in g.nodes for i in n.inputs}
        dead = [n for n in g.nodes if not any(o in used for o in n.outputs)]
        if not dead:
            return
        for n in dead:
            g.nodes.remove(n)


def _propagate_format(g: Graph, node: Node) -> None:
    """Formats of the data-movement ops met before their consumers are fused."""
    x = g.tensors[node.inputs[0]] if node.inputs else None
    y = g.tensors[node.outputs[0]]
    if x is None:
        return
    if node.op == "clip" and isinstance(x.fmt, (QFormat, AffineFormat)):
        y.fmt = x.fmt
    elif node.op in ("reshape", "transpose") and isinstance(x.fmt, (QFormat, AffineFormat)):
        y.fmt = x.fmt
    elif node.op == "sign":
        y.fmt = BinaryFormat()
    elif node.op == "maxpool" and x.fmt.kind == "binary":
        y.fmt = x.fmt
    elif node.op == "reshape" and x.fmt.kind == "binary":
        run = x.fmt.run(x.shape)
        if len(y.shape) == len(x.shape) and y.shape[-1] == x.shape[-1]:
            y.fmt = x.fmt
        else:
            y.fmt = BinaryFormat(group=run)


def _absorb_input(g: Graph, node: Node, attrs: dict) -> Tuple[str, Fraction]:
    """The layer's input after folding a scalar mul (BipolarQuant scale) and a constant pad."""
    x = node.inputs[0]
    slope = F1
    prod = g.producer(x)
    if prod is not None and prod.op == "pad" and prod.attrs["mode"] == "constant" and \
            float(prod.attrs["value"]) in (0.0, 1.0, -1.0) and node.op == "conv2d":
        src = g.tensors[prod.inputs[0]]
        p = prod.attrs["pads"]
        if len(p) == 8 and not any(p[k] for k in (0, 1, 6, 7)) and src.fmt.kind == "binary" and \
                (not any(attrs["pads"]) or float(prod.attrs["value"]) == 0.0) and _single_consumer(g, x) is node:
            pt, pb, pl, pr = p[2], p[3], p[4], p[5]
            cp = attrs["pads"]
            attrs["pads"] = (cp[0] + pt, cp[1] + pl, cp[2] + pb, cp[3] + pr)
            attrs["pad_value"] = float(prod.attrs["value"])
            x = prod.inputs[0]
            prod = g.producer(x)
    if prod is not None and prod.op == "mul" and _single_consumer(g, x) is node:
        ci = [i for i in prod.inputs if g.tensors[i].is_const]
        if len(ci) == 1 and g.tensors[ci[0]].size == 1:
            src = [i for i in prod.inputs if i != ci[0]][0]
            if g.tensors[src].fmt.kind == "binary":
                slope = _fr(np.float32(g.tensors[ci[0]].data.reshape(-1)[0]))
                x = src
    return x, slope


def _fuse_layer(g: Graph, node: Node) -> None:
    wt = g.tensors[node.inputs[1]]
    tern = wt.meta["qonnx_weight"] == "ternary"
    wint = wt.meta["qonnx_weight"] == "int"
    if wint:   # multi-bit weights: integers q (int8) times a scale per channel, which moves into the epilogue
        signs, alphas = _split_int(node, wt)
    else:
        split = _split_alpha(wt.data, tern)
        if split is None:
            _err(node, wt, f"{'ternary' if tern else 'binary'} weights must be "
                           f"{'{-a, 0, +a}' if tern else '+-a'} with one a per output channel")
        signs, alphas = split
    cout = wt.shape[0]
    attrs = {k: node.attrs[k] for k in ("strides", "pads", "dilations", "groups") if k in node.attrs}
    if node.op == "conv2d":
        attrs["pad_value"] = 0.0
    x, slope = _absorb_input(g, node, attrs)
    xf = g.tensors[x].fmt
    if xf.kind == "binary":
        unit = F1
    else:
        unit = _input_unit(g, x)
        if unit is None:
            _err(node, wt, f"a binary-weight layer needs a Q-format or int8 input (an input Quant), "
                           f"its input {x!r} is {xf}")
    bias = np.zeros(cout) if len(node.inputs) < 3 else np.asarray(g.tensors[node.inputs[2]].data, np.float32)
    aff = _Affine([al * slope for al in alphas], [_fr(b) for b in bias])
    # walk the chain of per-channel affine ops
    chain, end_sign, cur = affine_chain(g, node.outputs[0], cout, aff, lambda n, _: n.op == "sign")
    w = signs.astype(np.float32)
    ins = [x, None]
    if end_sign is not None:
        taps = int(np.prod(wt.shape[1:]))
        qbits = 0 if xf.kind == "binary" else xf.bits - 1
        if wint:   # |acc| <= max over channels of sum |q| times the largest input integer
            taps = max(1, int(np.abs(signs).reshape(cout, -1).sum(axis=1).max(initial=0)))
        bound = taps << qbits
        thr = np.zeros(cout)
        for k in range(cout):
            thr[k], neg = aff.threshold(k, unit, bound)
            if neg:
                if wint and np.any(w[k] == -128):
                    _err(node, wt, f"output channel {k} has a negative slope (its batch norm's gamma or a scale "
                                   f"is negative) and a weight -128: negated, it does not fit int8 (use a narrow "
                                   f"weight range)")
                w[k] = -w[k]
        ins[1] = g.add_const(f"{node.name}_{'wint' if wint else 'wpm1'}", w).name
        ins.append(g.add_const(f"{node.name}_thr", thr).name)
        out = end_sign.outputs[0]
        attrs["epilogue"] = "threshold"
        removed = chain + [end_sign]
        g.tensors[out].fmt = BinaryFormat()
    else:
        sb = [aff.affine(k) for k in range(cout)]
        ins[1] = g.add_const(f"{node.name}_{'wint' if wint else 'wpm1'}", w).name
        ins.append(g.add_const(f"{node.name}_scale", np.array([s for s, _ in sb])).name)
        ins.append(g.add_const(f"{node.name}_bias", np.array([b for _, b in sb])).name)
        out = cur
        attrs["epilogue"] = "affine"
        removed = chain
        g.tensors[out].fmt = FLOAT32
    wnew = g.tensors[ins[1]]
    wnew.meta = dict(wt.meta)
    if wint:   # int8 weights, stored plain (QFormat(8, 0): the value is the integer)
        wnew.fmt = QFormat(8, 0)
        wnew.qdata = w.astype(np.int8)
    else:
        run = xf.run(g.tensors[x].shape) if (xf.kind == "binary" and node.op == "dense") else None
        if run == g.tensors[x].shape[-1]:
            run = None
        wnew.fmt = TernaryFormat(run) if tern else BinaryFormat(run)
    fused = Node(node.name, "b" + node.op, ins, [out], attrs)
    i = g.nodes.index(node)
    g.nodes[i] = fused
    for n in removed:
        g.nodes.remove(n)
