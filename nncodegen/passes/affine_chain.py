"""Exact per-channel affine chains after a MAC layer (shared by binarize.py and finn_thresholds.py): the
batch norms and per-channel mul / add / sub that follow a layer, folded into one scale and offset per
channel in exact fractions (_Affine), so a following sign or threshold can be moved onto the integers."""
from __future__ import annotations

from fractions import Fraction
from typing import List, Optional, Tuple

import numpy as np

from ..ir.graph import Graph, GraphError, Node


F0, F1 = Fraction(0), Fraction(1)


INF_T = float("inf")


def _fr(v) -> Fraction:
    return Fraction(float(v))


def _single_consumer(g: Graph, name: str) -> Optional[Node]:
    cons = g.consumers(name)
    if len(cons) != 1 or name in g.outputs:
        return None
    return cons[0]


def _channel_const(g: Graph, node: Node, cout: int) -> Optional[np.ndarray]:
    """The per-channel (or scalar) constant operand of a mul/add/sub, as float32 values, else None."""
    if len(node.inputs) != 2:
        return None
    ci = [i for i in node.inputs if g.tensors[i].is_const]
    if len(ci) != 1 or (node.op == "sub" and node.inputs[0] == ci[0]):
        return None
    c = np.asarray(g.tensors[ci[0]].data, np.float32)
    if c.size == 1:
        return np.full(cout, c.reshape(-1)[0], np.float32)
    if c.shape and c.shape[-1] == cout and c.size == cout:
        return c.reshape(-1)
    return None


def absorb_affine(g: Graph, nxt: Node, cur: str, cout: int, aff: "_Affine") -> bool:
    """Fold ``nxt``, the consumer of ``cur``, into ``aff`` when it is a per-channel affine step: a batch norm,
    or mul / add / sub by a per-channel constant without a fused activation.  False: the chain ends here."""
    if nxt.op == "batchnorm":
        p = [np.asarray(g.tensors[i].data, np.float32).reshape(-1) for i in nxt.inputs[1:]]
        return bool(aff.batchnorm(*p, np.float32(nxt.attrs["epsilon"])))
    if nxt.op in ("mul", "add", "sub") and nxt.inputs[0] == cur or nxt.op in ("mul", "add") and nxt.inputs[1] == cur:
        c = _channel_const(g, nxt, cout)
        if c is None or nxt.attrs.get("act", "none") != "none":
            return False
        if nxt.op == "mul":
            aff.mul(c)
        else:
            aff.add(c if nxt.op == "add" else -c)
        return True
    return False


def affine_chain(g: Graph, start: str, cout: int, aff: "_Affine", is_end) -> Tuple[List[Node], Optional[Node], str]:
    """Follow the single consumers of ``start`` while they are per-channel affine steps (folded into ``aff`` by
    absorb_affine): (the steps, the node ending the chain (is_end(node, its input) holds) or None when the
    chain ends otherwise, the tensor the end node reads)."""
    chain: List[Node] = []
    cur = start
    while True:
        nxt = _single_consumer(g, cur)
        if nxt is None:
            return chain, None, cur
        if is_end(nxt, cur):
            return chain, nxt, cur
        if not absorb_affine(g, nxt, cur, cout, aff):
            return chain, None, cur
        chain.append(nxt)
        cur = nxt.outputs[0]


class _Affine:
    """f(d) = (a*d + b) / sqrt(S) + c per channel, exact."""

    def __init__(self, a, b):
        self.a, self.b = list(a), list(b)
        self.c = [F0] * len(a)
        self.S: Optional[List[Fraction]] = None

    def mul(self, m):
        self.a = [x * _fr(v) for x, v in zip(self.a, m)]
        self.b = [x * _fr(v) for x, v in zip(self.b, m)]
        self.c = [x * _fr(v) for x, v in zip(self.c, m)]

    def add(self, t):
        if self.S is None:
            self.b = [x + _fr(v) for x, v in zip(self.b, t)]
        else:
            self.c = [x + _fr(v) for x, v in zip(self.c, t)]

    def batchnorm(self, gamma, beta, mean, var, eps) -> bool:
        if self.S is not None:
            return False
        e = _fr(eps)
        self.a = [_fr(gm) * x for gm, x in zip(gamma, self.a)]
        self.b = [_fr(gm) * (x + c - _fr(mu)) for gm, x, c, mu in zip(gamma, self.b, self.c, mean)]
        self.S = [_fr(v) + e for v in var]
        self.c = [_fr(bt) for bt in beta]
        return True

    def nonneg(self, k: int, d: Fraction) -> bool:
        """f(d) >= 0 exactly, channel k."""
        A = self.a[k] * d + self.b[k]
        c = self.c[k]
        if self.S is None:
            return A + c >= 0
        S = self.S[k]
        if S <= 0:
            raise GraphError("batch norm with var + epsilon <= 0")
        if A >= 0 and c >= 0:
            return True
        if A <= 0 and c <= 0:
            return A == 0 and c == 0
        if A >= 0:  # c < 0
            return A * A >= c * c * S
        return c * c * S >= A * A  # A < 0 <= c

    def threshold(self, k: int, unit: Fraction, bound: int) -> Tuple[float, bool]:
        """(T * unit as float, negate weights?) with +1 iff acc >= T for the (maybe negated) accumulator."""
        a = self.a[k]
        if a == 0:
            return (-INF_T if self.nonneg(k, F0) else INF_T), False
        neg = a < 0
        ok = (lambda i: self.nonneg(k, -i * unit)) if neg else (lambda i: self.nonneg(k, i * unit))
        lo, hi = -bound - 1, bound + 1   # ok(hi) is the answer if nothing smaller works
        if ok(lo):
            return -INF_T, neg
        if not ok(hi):
            return INF_T, neg
        while hi - lo > 1:       # invariant: not ok(lo), ok(hi)
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid
        t = hi * unit
        f = float(np.float32(float(t)))
        if Fraction(f) != t:    # a scale that is not a power of two: the largest float32 <= T * unit (the
            if Fraction(f) > t:  # IR keeps float32 constants), so that ceil(f / unit) = T in lowering
                f = float(np.nextafter(np.float32(f), np.float32(-np.inf)))
            if Fraction(f) <= (hi - 1) * unit:
                raise GraphError(f"threshold {hi} of channel {k} is too large for a float32 multiple of the "
                                 f"input scale {float(unit)!r}")
        return f, neg

    def affine(self, k: int) -> Tuple[float, float]:
        r = 1.0 if self.S is None else 1.0 / np.sqrt(float(self.S[k]))
        return float(self.a[k]) * r, float(self.b[k]) * r + float(self.c[k])
