"""MultiThresholds after a binary layer become exact integer thresholds on its accumulator (two passes).

``fold_into_thresholds`` (before binarize): a conv2d / dense with binary / ternary weights (+-alpha[c]) whose
chain of single-use per-channel batchnorm / mul / add / sub ends in a ``multithreshold`` is rewritten so
that the layer computes the bare accumulator d = conv(x, w+-1) (no bias, no scale) and the thresholds
compare d itself: with f(d) the chain (affine_chain._Affine, exact with fractions.Fraction of the float32
parameters), each threshold t becomes

    T = min { k : f(k * unit) >= t }     (unit = 2^-f_in, the input's step)

so that f(d) >= t  <=>  d >= T * unit exactly; channels whose slope is negative get negated weights
(f then increases with the new accumulator), channels with slope 0 a constant count (T = -inf / +inf).
This is the bipolar case of the binarize pass, with T thresholds per channel instead of one.

``integer_accumulators`` (after binarize): such a layer now has an affine epilogue of scale 1 and bias
0; when its only readers are multithresholds and its accumulator bound fits the model's Q width, its
output is stored as Q(width, f_in), i.e. the exact integer accumulator, and the thresholds run on
integers (mthreshold_q7 / _q15).  Otherwise it stays float32, where d is exact too (|d| < 2^24).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..ir.checker import check_graph
from ..ir.formats import QFormat
from ..ir.graph import Graph, Node
from .affine_chain import _Affine, _fr, affine_chain
from .binarize import _split_alpha


def _input_unit(g: Graph, layer: Node):
    """(unit as a Fraction, accumulator bound) of the layer's input, or None when unknown here."""
    x = layer.inputs[0]
    prod = g.producer(x)
    taps = int(np.prod(g.tensors[layer.inputs[1]].shape[1:]))
    f = g.tensors[x].fmt
    if prod is not None and prod.op == "sign":
        return Fraction(1), taps
    if isinstance(f, QFormat) and not f.per_channel:
        return Fraction(1, 1 << int(f.frac)) if int(f.frac) >= 0 else Fraction(1 << -int(f.frac)), \
            taps << (f.bits - 1)
    qin = g.meta.get("qonnx_input")
    if qin and qin.get("frac") is not None and prod is not None and prod.op == "clip" and prod.inputs[0] in g.inputs:
        return Fraction(1, 1 << int(qin["frac"])), taps << (int(qin["bits"]) - 1)
    return None


def fold_into_thresholds(graph: Graph) -> Graph:
    if not any(n.op == "multithreshold" for n in graph.nodes) or \
            not any("qonnx_weight" in t.meta for t in graph.tensors.values()):
        return graph
    g = graph.copy()
    for layer in list(g.nodes):
        if layer.op in ("conv2d", "dense") and "qonnx_weight" in g.tensors[layer.inputs[1]].meta:
            _fold_one(g, layer)
    g.remove_unused()
    return check_graph(g, "fold_into_thresholds")


def _fold_one(g: Graph, layer: Node) -> None:
    wt = g.tensors[layer.inputs[1]]
    if layer.attrs.get("act", "none") != "none":
        return
    split = _split_alpha(wt.data, wt.meta["qonnx_weight"] == "ternary")
    xp = g.producer(layer.inputs[0])
    if split is None or (xp is not None and xp.op == "mul"):   # a scalar on the input: binarize's business
        return
    signs, alphas = split
    cout = wt.shape[0]
    unit = _input_unit(g, layer)
    if unit is None:
        return
    unit, bound = unit
    if bound >= 1 << 24:
        return        # T * unit must stay exact in the float32 threshold tensor
    bias = np.zeros(cout) if len(layer.inputs) < 3 else np.asarray(g.tensors[layer.inputs[2]].data, np.float32)
    aff = _Affine(list(alphas), [_fr(b) for b in bias])
    chain, mt, cur = affine_chain(g, layer.outputs[0], cout, aff,
                                  lambda n, x: n.op == "multithreshold" and n.inputs[0] == x)
    if mt is None:
        return
    thr = np.asarray(g.tensors[mt.inputs[1]].data, np.float32)
    thr = np.broadcast_to(thr, (cout, thr.shape[1]))
    w = signs.astype(np.float32)
    T = np.zeros(thr.shape)
    for k in range(cout):
        c0 = aff.c[k]
        for j, t in enumerate(thr[k]):
            aff.c[k] = c0 - _fr(t)          # f(d) >= t  <=>  f(d) - t >= 0
            T[k, j], neg = aff.threshold(k, unit, bound)
        aff.c[k] = c0
        if neg:
            w[k] = -w[k]
    wn = g.add_const(f"{layer.name}_wpm1_acc", w)
    wn.meta = dict(wt.meta)
    layer.inputs = [layer.inputs[0], wn.name]
    layer.outputs = [cur]
    tn = g.add_const(f"{mt.name}_thr_acc", T)
    mt.inputs = [cur, tn.name]
    for n in chain:
        g.nodes.remove(n)


def _max_abs_input(g: Graph, x: str) -> int:
    """Largest |integer| the layer's input can hold: 1 for bits, the levels of a multithreshold, the input
    Quant's range, else the storage range."""
    f = g.tensors[x].fmt
    if f.kind == "binary":
        return 1
    prod = g.producer(x)
    while prod is not None and prod.op == "reshape":
        prod = g.producer(prod.inputs[0])
    if prod is not None and prod.op == "multithreshold" and isinstance(f, QFormat):
        from .finn_formats import threshold_levels
        lv = threshold_levels(prod.attrs["out_scale"], prod.attrs["out_bias"], g.tensors[prod.inputs[1]].shape[1])
        if lv is not None and lv[0] == int(f.frac):
            return max(abs(lv[2]), abs(lv[2] + lv[1] * g.tensors[prod.inputs[1]].shape[1]))
    qin = g.meta.get("qonnx_input")
    if qin and prod is not None and prod.op == "clip" and prod.inputs[0] in g.inputs:
        return max(abs(int(qin["qmin"])), abs(int(qin["qmax"])))
    return 1 << (f.bits - 1)


def integer_accumulators(graph: Graph) -> Graph:
    g = graph
    cands = [n for n in g.nodes if n.op in ("bconv2d", "bdense") and n.attrs["epilogue"] == "affine" and
             n.attrs["act"] == "none" and not n.attrs["residual"] and g.tensors[n.outputs[0]].fmt.kind == "float"
             and n.outputs[0] not in g.outputs and g.consumers(n.outputs[0])
             and all(c.op == "multithreshold" and c.inputs[0] == n.outputs[0] for c in g.consumers(n.outputs[0]))
             and np.all(g.tensors[n.inputs[2]].data == 1) and np.all(g.tensors[n.inputs[3]].data == 0)]
    if not cands:
        return graph
    g = graph.copy()
    widths = {t.fmt.bits for t in g.tensors.values() if t.fmt.kind == "q" and not t.is_const}
    for n in cands:
        x = g.tensors[n.inputs[0]]
        fin = int(x.fmt.frac) if isinstance(x.fmt, QFormat) else 0
        taps = int(np.prod(g.tensors[n.inputs[1]].shape[1:]))
        bound = taps * _max_abs_input(g, n.inputs[0])
        outs = {g.tensors[c.outputs[0]].fmt.bits for c in g.consumers(n.outputs[0])
                if g.tensors[c.outputs[0]].fmt.kind == "q"}
        cand = sorted(widths | outs) or [8, 16]
        for bits in cand:
            if bound <= (1 << (bits - 1)) - 1 and (not outs or outs == {bits}) and (not widths or widths == {bits}):
                g.tensors[n.outputs[0]].fmt = QFormat(bits, fin)
                widths.add(bits)
                break
    return check_graph(g, "integer_accumulators")
