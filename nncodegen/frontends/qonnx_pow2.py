"""QONNX multi-bit ``Quant`` with power-of-two scales -> Q-format, without recalibration.

A QONNX ``Quant(x, scale, zero_point, bit_width; signed, narrow, rounding_mode)`` computes
``clip(round(x / scale + zp), qmin, qmax) - zp) * scale``.  With zero point 0, a signed type and
a scale 2^-f (one per tensor, or one per output channel for weights), its values are exactly
those of the Q format Q(8 or 16, f) restricted to [qmin, qmax]: the model's own quantization
maps onto Q-format directly.  Storage is 8 bits for bit widths up to 8 and 16 bits up to 16;
a narrower range (e.g. 4 bits, or narrow=1) is a clip in the graph.

For the QONNX importer (frontends/qonnx_import.py), which owns the ONNX side:

    pq = pow2_quant(scale, zero_point, bit_width, signed, narrow, rounding_mode)  # ValueError if not
    ... emit the Quant as a ``clip`` to pq.clip_range() whose output tensor is T ...
    g = assign_pow2_formats(g, acts={T: pq, ...}, consts={weight tensor: pq_w, ...})

``assign_pow2_formats`` gives every tensor its format: the Quant outputs theirs; a tensor that
only feeds a clip / ReLU takes that clip's format (a conv followed by ReLU and a Quant writes in
the Quant's format, the clip then narrows to its bit width); pure data moves and averages keep
their input's format; weights take their Quant's per-channel fracs and integers; biases int32 at
frac_in + frac_w.  What no Quant determines is an error naming the tensor (calibrate instead).

Rounding: QONNX's ROUND is half to even; Q-format requantization rounds half up.  Outputs differ
only where an exact tie x / scale = k + 1/2 occurs (docs/INT8.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

import numpy as np

from ..ir.checker import check_graph
from ..ir.formats import QFormat
from ..ir.graph import Graph, GraphError

KEEP_FORMAT = {"maxpool", "global_maxpool", "pad", "reshape", "transpose", "channel_shuffle", "avgpool",
               "global_avgpool", "resize"}
CLAMPS = {"clip", "relu"}


@dataclass(frozen=True)
class Pow2Quant:
    """A power-of-two QONNX Quant as a Q format plus its integer range."""
    fmt: QFormat
    qmin: int
    qmax: int
    rounding_mode: str = "ROUND"

    def clip_range(self) -> Tuple[float, float]:
        """Real bounds of the Quant's range (per-tensor formats)."""
        s = 2.0 ** -int(self.fmt.frac)
        return self.qmin * s, self.qmax * s


def pow2_frac(scale) -> Union[int, Tuple[int, ...]]:
    """f with scale == 2^-f exactly (a tuple for per-channel scales); ValueError otherwise."""
    s = np.asarray(scale, dtype=np.float64).reshape(-1)
    if s.size == 0 or np.any(~np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(f"scale {s[:4]} is not positive")
    fr = []
    for v in s:
        m, e = math.frexp(float(v))
        if m != 0.5:
            raise ValueError(f"scale {float(v)!r} is not a power of two")
        fr.append(1 - e)
    return fr[0] if len(fr) == 1 else tuple(fr)


def pow2_quant(scale, zero_point=0, bit_width=8, signed=1, narrow=0, rounding_mode="ROUND",
               axis: Optional[int] = None) -> Pow2Quant:
    """Map a QONNX Quant onto Q-format; ValueError naming the reason when it does not map."""
    bits = float(np.asarray(bit_width).reshape(-1)[0])
    if bits != int(bits) or not 2 <= bits <= 16:
        raise ValueError(f"bit width {bits} is not an integer in [2, 16] (1 bit is a bipolar quantizer)")
    bits = int(bits)
    if not int(signed):
        raise ValueError("an unsigned Quant does not map onto signed Q formats")
    if np.any(np.asarray(zero_point) != 0):
        raise ValueError("a nonzero zero point does not map onto Q formats (use the affine int8 path)")
    frac = pow2_frac(scale)
    if isinstance(frac, tuple) and axis is None:
        raise ValueError("per-channel scales need an axis")
    qmin = -(1 << (bits - 1)) + (1 if int(narrow) else 0)
    qmax = (1 << (bits - 1)) - 1
    store = 8 if bits <= 8 else 16
    fmt = QFormat(store, frac, axis if isinstance(frac, tuple) else None)
    return Pow2Quant(fmt, qmin, qmax, str(rounding_mode).upper())


_ROUND = {"ROUND": np.rint, "HALF_EVEN": np.rint, "FLOOR": np.floor, "CEIL": np.ceil, "DOWN": np.fix,
          "ROUND_TO_ZERO": np.fix, "HALF_UP": lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5),
          "UP": lambda v: np.sign(v) * np.ceil(np.abs(v)), "HALF_DOWN": lambda v: np.sign(v) * np.ceil(np.abs(v) - 0.5)}


def quantize_const_pow2(x: np.ndarray, pq: Pow2Quant) -> np.ndarray:
    """The Quant's integers of a constant (QONNX's rounding and clip), in the format's storage type."""
    if pq.rounding_mode not in _ROUND:
        raise ValueError(f"rounding_mode {pq.rounding_mode!r}")
    x = np.asarray(x, dtype=np.float64)
    q = _ROUND[pq.rounding_mode](x / pq.fmt.scale_array(x.shape))
    return np.clip(q, pq.qmin, pq.qmax).astype(pq.fmt.np_dtype)


def assign_pow2_formats(graph: Graph, acts: Dict[str, Pow2Quant], consts: Dict[str, Pow2Quant]) -> Graph:
    """Q formats for a float IR graph from its power-of-two Quants (see the module docstring); returns a
    new, checked graph whose constants keep their float data (the float reference) and get qdata."""
    g = graph.copy()
    fmt: Dict[str, QFormat] = {name: pq.fmt for name, pq in acts.items()}
    for name, pq in acts.items():
        if name not in g.tensors:
            raise GraphError(f"Quant output {name!r} is not a tensor of the graph")
        if pq.fmt.per_channel:
            raise GraphError(f"tensor {name!r}: per-channel activation formats are not supported")
    producer = {o: n for n in g.nodes for o in n.outputs}
    consumers: Dict[str, list] = {}
    for n in g.nodes:
        for i in n.inputs:
            consumers.setdefault(i, []).append(n)
    changed = True
    while changed:
        changed = False
        for n in g.nodes:  # forward: data moves and averages keep their input's format
            o = n.outputs[0]
            if o not in fmt and n.op in KEEP_FORMAT and n.inputs[0] in fmt:
                fmt[o] = fmt[n.inputs[0]]
                changed = True
        for name, t in g.tensors.items():  # backward: a tensor that only feeds clamps takes their format
            if name in fmt or t.is_const:
                continue
            cs = consumers.get(name, [])
            if cs and all(c.op in CLAMPS and c.outputs[0] in fmt for c in cs) and \
                    len({fmt[c.outputs[0]] for c in cs}) == 1 and name not in g.outputs:
                fmt[name] = fmt[cs[0].outputs[0]]
                changed = True
    for name in g.activations():
        if name not in fmt:
            p = producer.get(name)
            where = f"output of node {p.name!r} ({p.op})" if p else "graph input"
            raise GraphError(f"tensor {name!r} ({where}): no power-of-two Quant determines its format; "
                             f"quantize with calibration data instead")
    widths = {f.bits for f in fmt.values()}
    if len(widths) != 1:
        raise GraphError(f"the Quants give activation widths {sorted(widths)}; one model needs one width")
    bits = widths.pop()
    for name, pq in consts.items():
        t = g.tensors[name]
        if pq.fmt.bits != bits:
            pq = Pow2Quant(QFormat(bits, pq.fmt.frac, pq.fmt.axis), pq.qmin, pq.qmax, pq.rounding_mode)
        t.fmt, t.qdata = pq.fmt, quantize_const_pow2(t.data, pq)
    for n in g.nodes:
        if n.op in ("conv2d", "conv_transpose2d", "dense"):
            w = g.tensors[n.inputs[1]]
            if w.qdata is None:
                raise GraphError(f"node {n.name!r} ({n.op}): its weights {w.name!r} have no power-of-two Quant")
            if len(n.inputs) > 2:
                b = g.tensors[n.inputs[2]]
                if b.qdata is None:
                    bfrac = tuple(int(fmt[n.inputs[0]].frac) + int(f) for f in w.fmt.fracs(w.shape[0]))
                    b.fmt = QFormat(32, bfrac, 0)
                    q = np.floor(b.data.astype(np.float64) * np.power(2.0, np.array(bfrac)) + 0.5)
                    if np.abs(q).max(initial=0) >= 2 ** 31 - 1:
                        raise GraphError(f"node {n.name!r}: the bias does not fit int32 at frac_in + frac_w")
                    b.qdata = q.astype(np.int32)
        elif any(g.tensors[i].is_const and g.tensors[i].qdata is None for i in n.inputs):
            k = next(i for i in n.inputs if g.tensors[i].is_const and g.tensors[i].qdata is None)
            raise GraphError(f"node {n.name!r} ({n.op}): constant {k!r} has no power-of-two Quant")
    for name, f in fmt.items():
        g.tensors[name].fmt = f
    g.meta["quantization"] = {"scheme": {8: "q7", 16: "q15"}[bits], "bits": bits,
                              "policy": "formats from the model's power-of-two QONNX Quant nodes (no calibration); "
                                        "Q-format requantization rounds half up, QONNX's ROUND half to even"}
    return check_graph(g, "QONNX power-of-two formats")
