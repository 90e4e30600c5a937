"""QONNX multi-bit ``Quant`` as Brevitas writes it: any bit width, float scales, zero points.

The QONNX importer (frontends/qonnx_import.py) calls these:

* ``check_quants(model, src)`` before importing: every ``Quant`` / ``IntQuant`` must have constant
  scale, zero point and bit width; the scale finite and > 0, the bit width an integer in 1..16, the
  zero point an integer inside the range, a known rounding mode, and a per-channel scale only where
  it can be honoured: on weights along the consumer's output-channel axis (Conv: axis 0 of OIHW;
  Gemm: 0 with transB, else 1; MatMul: the last axis; followed through Transpose), never on
  activations.  Each failure is one line naming the node.
* ``is_affine_model(model)``: a model without binary / ternary weights whose multi-bit Quants are
  not just one input Quant.  Such a model is rewritten by ``to_qdq`` into the QDQ form and imported
  by the affine int8 front end (frontends/onnx_qdq.py): every activation Quant becomes
  QuantizeLinear -> DequantizeLinear with its scale and zero point (int8 storage for signed types,
  uint8 for unsigned; a range narrower than the storage, e.g. 4 bits or narrow, adds a Clip
  between two Q/DQ pairs), every weight Quant its integers (QONNX's rounding mode and clip, any
  rounding mode) behind a DequantizeLinear (per tensor or per output channel).  A ReLU in front
  of a Quant (QuantReLU) gets the Quant's Q/DQ pair on its input as well, which is exact
  (round(max(v, 0) / s) = max(round(v / s), 0)), so it folds into the producer's saturation;
  max pools of quantized values keep their format.  Layers then run as affine int8 kernels with
  the "single" rounding (one rounding of the exact product, the closest integer form of
  Brevitas' float arithmetic); a layer whose output is not quantized (the float logits of a last
  QuantLinear) runs in float on its int8-valued inputs and weights.
* ``all_pow2`` / ``load_pow2``: when every multi-bit Quant has a power-of-two scale, zero point 0 and
  a signed type, the model is imported as Q formats instead (each activation Quant a clip whose
  format it gives, weights their integers: qonnx_pow2.assign_pow2_formats); where that cannot give
  every tensor a format (float logits), the importer falls back to the affine path.
* int16 activations (``_QdqWriter.wide``): when an activation Quant is wider than 8 bits (9..16, any scale),
  every activation Quant of the model takes int16 storage with zero point 0 (a range narrower than int16,
  e.g. a 12-bit or an 8-bit Quant, unsigned up to 15 bits, adds its Clip), the QDQ import keeps them as
  16-bit AffineFormats (``load_qdq(int16=True)``) and the layers run on TFLite's 16x8 kernels
  (lower/lower_s16.py): conv2d (not grouped) and dense (a 1x1 conv2d_s16) with int8 weights and int64
  biases, ReLU / range clips fused into their saturation bounds (or a standalone int16 clamp), max pools,
  add / sub, reshapes; other ops stay in float between dequantize / quantize.  Requantization is
  TFLite's (graph rounding "double"): the 64-bit multiplier rounded to 15 bits makes a MAC layer's integers
  at most one LSB off QDQ's exact round(acc * s_in * s_w / s_out) (tests/test_qonnx_int16.py).  Refused,
  naming the node: a nonzero zero point on an activation, unsigned 16-bit activations (0..65535), weights
  wider than 8 bits or with a zero point in such a model.
* ``binary_input_format(...)``: a binary network's input Quant with a scale that is not a power
  of two gives the input the affine format (scale s, zero point 0, int8): the binary-weight first
  layer then accumulates sum(q * w) exactly and the binarize pass folds s into its integer
  thresholds (exact, with fractions.Fraction of the float32 s).

What the affine kernels cannot do is refused here, naming the node: the int16 cases above, QONNX
rounding modes other than ROUND / HALF_EVEN on activations (QuantizeLinear
rounds half to even), per-channel activation scales.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..ir.graph import GraphError
from .onnx_checks import to_array
from .qonnx_defs import QONNX_DOMAINS

QUANT_OPS = ("Quant", "IntQuant")
ROUND_MODES = ("ROUND", "HALF_EVEN", "CEIL", "FLOOR", "DOWN", "ROUND_TO_ZERO", "UP", "HALF_UP", "HALF_DOWN")
_ROUND = {"ROUND": np.rint, "HALF_EVEN": np.rint, "CEIL": np.ceil, "FLOOR": np.floor, "DOWN": np.fix,
          "ROUND_TO_ZERO": np.fix, "UP": lambda v: np.sign(v) * np.ceil(np.abs(v)),
          "HALF_UP": lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5),
          "HALF_DOWN": lambda v: np.sign(v) * np.ceil(np.abs(v) - 0.5)}
MOVES = ("MaxPool", "GlobalMaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Identity")


@dataclass
class QuantSpec:
    """A validated QONNX Quant: y = (clip(round(x / scale + zp), qmin, qmax) - zp) * scale."""
    name: str
    scale: np.ndarray
    zp: np.ndarray
    bits: int
    signed: bool
    narrow: bool
    mode: str

    @property
    def qmin(self) -> int:
        return -(1 << (self.bits - 1)) + int(self.narrow) if self.signed else 0

    @property
    def qmax(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1 - int(self.narrow)

    @property
    def per_tensor(self) -> bool:
        return self.scale.size == 1 and self.zp.size == 1

    def pow2(self) -> bool:
        return all(math.frexp(float(v))[0] == 0.5 for v in self.scale.reshape(-1))

    def integers(self, x: np.ndarray) -> np.ndarray:
        """QONNX's integers of a constant (before subtracting the zero point), float64."""
        y = np.asarray(x, np.float64) / self.scale + self.zp
        if self.bits == 1 and self.signed:
            return np.where(y >= 0, 1.0, -1.0)
        return np.clip(_ROUND[self.mode](np.clip(y, self.qmin, self.qmax)), self.qmin, self.qmax)


def _attrs(node) -> dict:
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _label(src, node) -> str:
    return f"{src}: node {node.name or node.op_type!r} ({node.op_type})"


def _constants(model, src: str = "onnx model") -> Dict[str, np.ndarray]:
    import onnx
    c = {t.name: to_array(onnx, t, src) for t in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant" and n.domain == "":
            a = _attrs(n)
            if "value" in a and n.output:
                c[n.output[0]] = to_array(onnx, a["value"], _label(src, n), "value")
    return c


def quant_spec(node, consts: Dict[str, np.ndarray], src: str) -> QuantSpec:
    """Validate one Quant / IntQuant node; GraphError naming it."""
    where = _label(src, node)
    if len(node.input) < 4:
        raise GraphError(f"{where}: expects 4 inputs (x, scale, zero_point, bit_width), got {len(node.input)}")
    vals = []
    for k, what in ((1, "scale"), (2, "zero point"), (3, "bit width")):
        if node.input[k] not in consts:
            raise GraphError(f"{where}: the {what} must be a constant")
        vals.append(np.asarray(consts[node.input[k]], np.float64))
    scale, zp, bw = vals
    if bw.size != 1 or not np.isfinite(bw).all() or bw.reshape(-1)[0] != int(bw.reshape(-1)[0]) \
            or not 1 <= bw.reshape(-1)[0] <= 16:
        raise GraphError(f"{where}: bit width {bw.reshape(-1)[:4].tolist()} is not an integer in 1..16")
    if scale.size == 0 or not np.isfinite(scale).all() or (scale <= 0).any():
        bad = scale.reshape(-1)[~(np.isfinite(scale.reshape(-1)) & (scale.reshape(-1) > 0))][:3].tolist() \
            if scale.size else []
        raise GraphError(f"{where}: the scale must be finite and > 0, got {bad}")
    a = _attrs(node)
    mode = a.get("rounding_mode", b"ROUND")
    mode = (mode.decode() if isinstance(mode, bytes) else str(mode)).upper()
    if mode not in ROUND_MODES:
        raise GraphError(f"{where}: unsupported rounding_mode {mode!r} (supported: {', '.join(ROUND_MODES)})")
    for k in ("signed", "narrow"):
        if k in a and not isinstance(a[k], int):
            raise GraphError(f"{where}: attribute {k} must be an integer (0 or 1)")
    spec = QuantSpec(node.name or node.op_type, scale, zp, int(bw.reshape(-1)[0]), bool(int(a.get("signed", 1))),
                     bool(int(a.get("narrow", 0))), mode)
    if not np.isfinite(zp).all() or (zp != np.round(zp)).any():
        raise GraphError(f"{where}: the zero point must hold integers, got {zp.reshape(-1)[:4].tolist()}")
    if spec.bits > 1 and ((zp < spec.qmin).any() or (zp > spec.qmax).any()):
        raise GraphError(f"{where}: zero point {zp.reshape(-1)[:4].tolist()} outside the "
                         f"{spec.bits}-bit range [{spec.qmin}, {spec.qmax}]")
    return spec


def _weight_axis(model, name: str, ndim: int) -> Optional[int]:
    """The axis of constant ``name`` (a Quant output) that is its consumer's output channel, following
    Transpose nodes; None when the consumer is not a Conv / Gemm / MatMul weight input."""
    cons: Dict[str, list] = {}
    for n in model.graph.node:
        for i in n.input:
            cons.setdefault(i, []).append(n)
    perm = list(range(ndim))
    cur = name
    for _ in range(8):
        users = cons.get(cur, [])
        if len(users) != 1:
            return None
        u = users[0]
        if u.op_type == "Transpose":
            p = _attrs(u).get("perm", list(range(len(perm)))[::-1])
            perm = [perm[i] for i in p]
            cur = u.output[0]
            continue
        if u.op_type in ("Conv",) and list(u.input).index(cur) == 1:
            return perm[0]
        if u.op_type == "Gemm" and list(u.input).index(cur) == 1:
            return perm[0] if int(_attrs(u).get("transB", 0)) else perm[1]
        if u.op_type == "MatMul" and list(u.input).index(cur) == 1:
            return perm[-1]
        return None
    return None


def check_quants(model, src: str) -> Dict[str, QuantSpec]:
    """Validate every Quant / IntQuant (see the module docstring); returns the specs by output name."""
    consts = _constants(model, src)
    specs = {}
    for n in model.graph.node:
        if n.domain not in QONNX_DOMAINS or n.op_type not in QUANT_OPS:
            continue
        spec = quant_spec(n, consts, src)
        specs[n.output[0]] = spec
        if spec.scale.size == 1 and spec.zp.size == 1:
            continue
        if n.input[0] not in consts:
            raise GraphError(f"{_label(src, n)}: a per-channel scale or zero point "
                             f"{list(spec.scale.shape)} on an activation is not supported (only per tensor)")
        w = consts[n.input[0]]
        axis = _weight_axis(model, n.output[0], w.ndim)
        for what, v in (("scale", spec.scale), ("zero point", spec.zp)):
            if v.size == 1:
                continue
            big = [i for i, d in enumerate(v.shape) if d != 1]
            ok = v.ndim <= w.ndim and len(big) == 1 and axis is not None and \
                big[0] + (w.ndim - v.ndim) == axis and v.shape[big[0]] == w.shape[axis]
            if not ok:
                want = f"axis {axis} (the output channels, {w.shape[axis]})" if axis is not None else \
                    "the output channels of a Conv / Gemm / MatMul weight"
                raise GraphError(f"{_label(src, n)}: per-channel {what} of shape {list(v.shape)} does not lie "
                                 f"along {want} of the weights {list(w.shape)}")
    return specs


def _is_binary_weight(node, spec: Optional[QuantSpec], consts) -> bool:
    if node.input[0] not in consts:
        return False
    if node.op_type == "BipolarQuant":
        return True
    return spec is not None and (spec.bits == 1 and spec.signed or spec.bits == 2 and spec.signed and spec.narrow)


def is_affine_model(model, specs: Dict[str, QuantSpec]) -> bool:
    """No binary / ternary weights, and multi-bit Quants beyond a single Quant of the graph input."""
    consts = _constants(model)
    qnodes = [n for n in model.graph.node if n.domain in QONNX_DOMAINS]
    if any(_is_binary_weight(n, specs.get(n.output[0]), consts) for n in qnodes):
        return False
    multi = [n for n in qnodes if n.op_type in QUANT_OPS and specs[n.output[0]].bits > 1]
    inputs = {i.name for i in model.graph.input} - set(consts)
    return bool(multi) and not (len(multi) == 1 and multi[0].input[0] in inputs)


def binary_input_format(spec: QuantSpec, fail) -> Tuple[int, float]:
    """(storage bits, scale) of a binary network's input Quant whose scale is not a power of two."""
    if not spec.per_tensor or np.any(spec.zp != 0):
        fail("an input Quant with a nonzero zero point is not supported before a binary layer")
    bits_ok = spec.bits <= 8 if spec.signed else spec.bits <= 7
    if not bits_ok:
        fail(f"a {spec.bits}-bit {'signed' if spec.signed else 'unsigned'} input with a scale that is not a power "
             f"of two ({float(spec.scale.reshape(-1)[0])!r}) does not fit int8; binary-weight layers take it as "
             f"int8 (signed up to 8 bits, unsigned up to 7) or with a power-of-two scale")
    return 8, float(np.float32(spec.scale.reshape(-1)[0]))


def from_graph_input(g, name: str) -> bool:
    """IR tensor ``name`` is the graph input or a reshape / transpose chain of it (a Flatten before the
    input Quant, as Brevitas MLPs have it)."""
    while name not in g.inputs:
        p = g.producer(name)
        if p is None or p.op not in ("reshape", "transpose"):
            return False
        name = p.inputs[0]
    return True


# ---------------------------------------------------------------- QONNX -> QDQ

class _QdqWriter:
    def __init__(self, model, src, specs):
        import onnx
        self.onnx, self.h = onnx, onnx.helper
        self.model, self.src, self.specs = model, src, specs
        self.consts = _constants(model, src)
        self.names = {o for n in model.graph.node for o in n.output} | set(self.consts) | \
            {i.name for i in model.graph.input}
        self.inits: List = []
        self.nodes: List = []
        self.k = 0
        self.fmt: Dict[str, Tuple[str, str]] = {}   # value -> (scale, zero point) initializers of its Q/DQ pair
        cons: Dict[str, list] = {}
        for n in model.graph.node:
            for i in n.input:
                cons.setdefault(i, []).append(n)
        self.cons = cons
        self.skip = set()
        # int16 activations (TFLite 16x8) when an activation Quant is wider than 8 bits: every activation
        # Quant then takes int16 storage (narrower ranges are clips), weights must fit int8
        self.wide = any(n.op_type in QUANT_OPS and n.domain in QONNX_DOMAINS and n.input[0] not in self.consts
                        and specs[n.output[0]].bits > 8 for n in model.graph.node)

    def fresh(self, base: str) -> str:
        while True:
            self.k += 1
            n = f"{base}__q{self.k}"
            if n not in self.names:
                self.names.add(n)
                return n

    def init(self, base: str, arr) -> str:
        n = self.fresh(base)
        self.inits.append(self.onnx.numpy_helper.from_array(np.asarray(arr), n))
        return n

    def fail(self, node, msg):
        raise GraphError(f"{_label(self.src, node)}: {msg}")

    def qdq(self, x: str, fmt: Tuple[str, str], out: str, name: str) -> str:
        q = self.fresh(x + "_int")
        self.nodes.append(self.h.make_node("QuantizeLinear", [x, fmt[0], fmt[1]], [q], name=name + "_quantize"))
        self.nodes.append(self.h.make_node("DequantizeLinear", [q, fmt[0], fmt[1]], [out], name=name + "_dequantize"))
        self.fmt[out] = fmt
        return out

    def storage(self, spec: QuantSpec) -> Tuple[int, int]:
        """(qmin, qmax) of an activation Quant's storage type."""
        if self.wide:
            return -32768, 32767
        return (-128, 127) if spec.signed else (0, 255)

    def act_format(self, node, spec: QuantSpec) -> Tuple[str, str]:
        if spec.mode not in ("ROUND", "HALF_EVEN"):
            self.fail(node, f"Quant with rounding_mode {spec.mode!r} on activations is not supported here "
                            f"(QuantizeLinear rounds half to even: ROUND, HALF_EVEN)")
        if self.wide:   # TFLite 16x8: symmetric int16 activations
            z = int(spec.zp.reshape(-1)[0])
            if z != 0:
                self.fail(node, f"zero point {z} on a Quant of a model with activations wider than 8 bits: "
                                f"int16 activations take zero point 0 (TFLite's 16x8 kernels)")
            if spec.qmax > 32767:
                self.fail(node, f"an unsigned {spec.bits}-bit Quant on activations (0..{spec.qmax}) does not fit "
                                f"int16 (unsigned activations up to 15 bits, signed up to 16)")
            return (self.init(spec.name + "_scale", np.float32(spec.scale.reshape(-1)[0]).reshape(())),
                    self.init(spec.name + "_zp", np.asarray(0, np.int16).reshape(())))
        if spec.bits > 8:
            self.fail(node, f"a {spec.bits}-bit Quant on activations: the affine kernels are 8-bit (bit widths 2..8)")
        dt = np.int8 if spec.signed else np.uint8
        s = np.float32(spec.scale.reshape(-1)[0])
        return (self.init(spec.name + "_scale", s.reshape(())),
                self.init(spec.name + "_zp", np.asarray(int(spec.zp.reshape(-1)[0]), dt).reshape(())))

    def act_quant(self, node, spec: QuantSpec):
        x, out = node.input[0], node.output[0]
        if spec.bits == 1:
            self.fail(node, "a 1-bit Quant on activations in a network without binary weights is not supported")
        fmt = self.act_format(node, spec)
        full = (spec.qmin, spec.qmax) == self.storage(spec)
        if full:
            self.qdq(x, fmt, out, spec.name)
            return
        mid = self.qdq(x, fmt, self.fresh(out + "_wide"), spec.name)
        s, z = float(np.float32(spec.scale.reshape(-1)[0])), int(spec.zp.reshape(-1)[0])
        lo = self.init(spec.name + "_lo", np.float32((spec.qmin - z) * s))
        hi = self.init(spec.name + "_hi", np.float32((spec.qmax - z) * s))
        clipped = self.fresh(out + "_clip")
        self.nodes.append(self.h.make_node("Clip", [mid, lo, hi], [clipped], name=spec.name + "_range"))
        self.qdq(clipped, fmt, out, spec.name + "_narrow")

    def weight_quant(self, node, spec: QuantSpec):
        """Integers behind a DequantizeLinear (int8, per tensor or per output channel), or float values
        when they do not fit int8 (the layer then runs in float)."""
        w = np.asarray(self.consts[node.input[0]], np.float64)
        q = spec.integers(w)
        zp = np.broadcast_to(spec.zp, q.shape) if spec.zp.size > 1 else spec.zp.reshape(())
        out = node.output[0]
        # follow Transpose nodes of the constant (the Linear weight of a MatMul)
        perm = list(range(q.ndim))
        while len(self.cons.get(out, [])) == 1 and self.cons[out][0].op_type == "Transpose":
            t = self.cons[out][0]
            p = _attrs(t).get("perm", list(range(q.ndim))[::-1])
            perm = [perm[i] for i in p]
            self.skip.add(id(t))
            out = t.output[0]
        q = np.transpose(q, perm)
        sc = np.transpose(np.broadcast_to(spec.scale, w.shape), perm) if spec.scale.size > 1 else spec.scale
        zpa = np.transpose(np.broadcast_to(zp, w.shape), perm) if np.ndim(zp) else zp
        ints = q - zpa
        fits = spec.bits <= 8 and spec.signed and not np.any(spec.zp) and ints.min(initial=0) >= -128 and \
            ints.max(initial=0) <= 127
        if not fits and self.wide:
            self.fail(node, f"{spec.bits}-bit {'signed' if spec.signed else 'unsigned'} weights"
                            f"{' with a zero point' if np.any(spec.zp) else ''} in a model with activations wider "
                            f"than 8 bits: int16 activations take symmetric signed weights of up to 8 bits "
                            f"(TFLite's 16x8 kernels)")
        if not fits:
            val = (ints * sc).astype(np.float32)
            self.inits.append(self.onnx.numpy_helper.from_array(val, out))
            return
        if spec.scale.size > 1:
            axis = [i for i, d in enumerate(np.shape(sc)) if d != 1]
            axis = axis[0] if len(axis) == 1 else 0
            s1 = np.moveaxis(np.asarray(sc), axis, 0).reshape(np.shape(sc)[axis], -1)[:, 0].astype(np.float32)
            attrs = {"axis": axis}
        else:
            s1, attrs = np.float32(spec.scale.reshape(-1)[0]).reshape(()), {}
        qn = self.init(spec.name + "_int", ints.astype(np.int8))
        sn = self.init(spec.name + "_scale", s1)
        zn = self.init(spec.name + "_zp", np.zeros(np.shape(s1), np.int8))
        self.nodes.append(self.h.make_node("DequantizeLinear", [qn, sn, zn], [out], name=spec.name, **attrs))

    def relu_before_quant(self, node) -> Optional[QuantSpec]:
        """The spec of the Quant that alone reads this Relu's output, when the Relu alone reads its input."""
        users = self.cons.get(node.output[0], [])
        if len(users) != 1 or users[0].op_type not in QUANT_OPS or len(self.cons.get(node.input[0], [])) != 1:
            return None
        return self.specs.get(users[0].output[0])

    def run(self):
        m = copy.deepcopy(self.model)
        for node in self.model.graph.node:
            if id(node) in self.skip:
                continue
            if node.domain in QONNX_DOMAINS:
                if node.op_type not in QUANT_OPS:
                    self.fail(node, "only Quant / IntQuant are supported in a network without binary weights")
                spec = self.specs[node.output[0]]
                if node.input[0] in self.consts:
                    self.weight_quant(node, spec)
                else:
                    self.act_quant(node, spec)
                continue
            n = copy.deepcopy(node)
            if node.op_type == "Relu":
                spec = self.relu_before_quant(node)
                if spec is not None and (spec.bits <= 8 or self.wide):
                    fmt = self.act_format(self.cons[node.output[0]][0], spec)   # errors name the Quant
                    n.input[0] = self.qdq(node.input[0], fmt, self.fresh(node.input[0] + "_q"),
                                          (node.name or "relu") + "_in")
            if node.op_type in MOVES and node.input and node.input[0] in self.fmt:
                if node.op_type in ("MaxPool", "GlobalMaxPool"):
                    raw = self.fresh(node.output[0] + "_raw")
                    n.output[0] = raw
                    self.nodes.append(n)
                    self.qdq(raw, self.fmt[node.input[0]], node.output[0], node.name or node.op_type)
                    continue
                self.fmt[node.output[0]] = self.fmt[node.input[0]]
            self.nodes.append(n)
        del m.graph.node[:]
        m.graph.node.extend(self.nodes)
        m.graph.initializer.extend(self.inits)
        keep = [o for o in m.opset_import if o.domain not in QONNX_DOMAINS]
        del m.opset_import[:]
        m.opset_import.extend(keep)
        return m


def to_qdq(model, src: str, specs: Dict[str, QuantSpec]):
    """The QONNX model rewritten into QDQ form (see the module docstring)."""
    return _QdqWriter(model, src, specs).run()


def load_affine(model, src: str, name: Optional[str], specs: Dict[str, QuantSpec]):
    """Import a multi-bit QONNX model through the affine int8 front end (int16 activations when an
    activation Quant is wider than 8 bits: see the module docstring)."""
    from .onnx_qdq import load_qdq
    from .onnx_qdq_fold import ROUNDING_POLICY
    ROUNDING_POLICY_DOUBLE = ROUNDING_POLICY["double"]
    w = _QdqWriter(model, src, specs)
    m = w.run()
    m.graph.name = m.graph.name or "qonnx"
    tag = f"onnx model {m.graph.name!r}"
    try:   # int16 activations run on TFLite's 16x8 kernels, whose element-wise rescaling rounds twice
        g = load_qdq(m, name, rounding="double" if w.wide else "single", int16=w.wide)
    except GraphError as e:
        raise GraphError(str(e).replace(tag, src, 1)) from None
    q = g.meta["quantization"]
    q["policy"] = "formats from the model's QONNX Quant nodes (no recalibration); " + \
        q["policy"].split("; ", 1)[1] if "; " in q["policy"] else q["policy"]
    if w.wide:
        q.update(scheme="int16x8", bits=16)
        q["policy"] = q["policy"].replace(
            ROUNDING_POLICY_DOUBLE, "int16 activations (an activation Quant is wider than 8 bits) on TFLite's "
            "16x8 kernels: int64 accumulators rescaled by TFLite's 64-bit multiplier (15-bit), element-wise "
            "rescaling with double rounding", 1)
    q["source"] = "qonnx"
    g.meta["source"] = "qonnx"
    return g


# ---------------------------------------------------------------- power-of-two scales: Q formats

def all_pow2(model, specs: Dict[str, QuantSpec]) -> bool:
    """Every multi-bit Quant maps onto a Q format: a power-of-two scale, zero point 0, signed, and on
    activations one scale per tensor and a rounding the input / requantization can follow."""
    consts = _constants(model)
    for n in model.graph.node:
        spec = specs.get(n.output[0]) if n.op_type in QUANT_OPS else None
        if spec is None or spec.bits == 1:
            continue
        if not (spec.pow2() and spec.signed and not np.any(spec.zp)):
            return False
        if n.input[0] not in consts and (not spec.per_tensor or spec.mode not in ("ROUND", "HALF_EVEN", "HALF_UP")):
            return False
    return True
