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

The QDQ rewriting (``to_qdq``, ``load_affine``) lives in qonnx_to_qdq.py.  What the affine kernels cannot do
is refused here, naming the node: the int16 cases above, QONNX
rounding modes other than ROUND / HALF_EVEN on activations (QuantizeLinear
rounds half to even), per-channel activation scales.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

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
