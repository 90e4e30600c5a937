"""QONNX models (Brevitas / FINN exports) -> IR Graph.

onnx_import.load_onnx hands a model here when a node belongs to a QONNX
domain.  The float importer does the ONNX part (layouts, Conv, Gemm,
MatMul, MaxPool, Pad, Reshape/Flatten, Identity chains, constant folding);
this subclass adds the QONNX ops and keeps what the binarize pass
(passes/binarize.py) needs to compute exact thresholds:

* ``BipolarQuant(x, scale)``: y = (x >= 0 ? +1 : -1) * scale.  On constant
  weights it folds and tags the weights binary; on activations it becomes an
  IR ``sign`` (times ``scale`` when that is not 1).
* ``Quant(x, scale, zero_point, bit_width; signed, narrow, rounding_mode)``:
  on constants it folds with QONNX's arithmetic (every rounding mode);
  1-bit signed weights are binary, 2-bit signed narrow weights ternary
  ({-1, 0, +1} * scale).  On the graph input (or a Flatten / Reshape of it),
  with a power-of-two scale and zero point 0, it defines the input's Q format
  (Q8 for signed 8-bit, Q16 for anything else that fits) and a ``clip`` to the
  Quant's integer range (kept even where the storage saturates the same way,
  so that the float reference saturates too).  The C input quantization rounds
  half up, QONNX's ROUND rounds half to even: they differ only on exact ties
  x / scale = k + 1/2.  Supported there: ROUND, HALF_EVEN, HALF_UP.  With any
  other scale s (Brevitas' default Int8ActPerTensorFloat) the input is affine
  int8 (scale s, zero point 0, rounded half to even like QONNX): the binary
  first layer sums q * w exactly and binarize folds s into its integer
  thresholds.  1-bit signed Quant on activations is a sign.
* Before import, ``qonnx_quant.check_quants`` validates every Quant (scale
  finite and > 0, bit width 1..16, zero point in range, per-channel scales only
  along a weight's output channels) with one-line errors naming the node.  A
  model without binary / ternary weights whose multi-bit Quants are more than
  one input Quant (Brevitas' QuantConv2d / QuantLinear / QuantReLU defaults:
  Int8 / Uint8 activations, 2..8-bit weights, float scales, zero points) is
  imported as Q formats when every scale is a power of two (zero point 0, signed) and every tensor
  gets its format from a Quant (qonnx_quant.load_pow2), else rewritten to QDQ and imported as affine
  int8 (qonnx_to_qdq.load_affine).
* ``BatchNormalization`` after a binary / ternary layer stays an IR
  ``batchnorm`` (never folded into the +-1 weights), and so do Mul / Add by
  constants after such a layer.
* ``MultiThreshold`` with one threshold per channel and a bipolar output
  (out_scale 2 and out_bias -1): y = +1 iff x >= t, imported as add(-t)
  then sign.  Every other MultiThreshold, TopK / ArgMax and FINN's
  streamlined patterns: qonnx_finn.py.
* Quirks of real exports: weights listed as graph inputs with initializers,
  external-data files, IR versions newer than onnxruntime reads (nothing here
  needs onnxruntime), Identity chains, the dynamo exporter's Reshape / Gemm.

Weight tags live in the IR weight tensor's ``meta["qonnx_weight"]``
("binary" / "ternary") and ``meta["qonnx_node"]`` (the quantizer's name, for
errors); the input format in ``graph.meta["qonnx_input"]``.
"""
from __future__ import annotations

import copy
import math
from typing import Dict

import numpy as np

from ..ir.graph import Graph, GraphError
from .onnx_base import Val
from .onnx_float import OnnxImporter
from .qonnx_defs import ACT_ROUNDING, QONNX_DOMAINS, ROUNDING, SHAPE_OPS, SUPPORTED  # noqa: F401
from .qonnx_finn import FinnOps, prepare_finn

def _min_int(signed, narrow, bits):
    if signed:
        return -(2 ** (bits - 1)) + (1 if narrow else 0)
    return 0


def _max_int(signed, narrow, bits):
    if signed:
        return 2 ** (bits - 1) - 1
    return 2 ** bits - 1 - (1 if narrow else 0)


def _has_binary_weights(model, src: str) -> bool:
    """A BipolarQuant, a 1-bit signed Quant or a 2-bit signed narrow (ternary) Quant of a constant (call
    before the QONNX domains are cleared)."""
    from .qonnx_quant import QUANT_OPS, _constants, _is_binary_weight, quant_spec
    consts = _constants(model, src)
    for n in model.graph.node:
        if n.domain not in QONNX_DOMAINS or not n.input or n.input[0] not in consts:
            continue
        if n.op_type == "BipolarQuant":
            return True
        if n.op_type in QUANT_OPS and _is_binary_weight(n, quant_spec(n, consts, src), consts):
            return True
    return False


class QonnxImporter(FinnOps, OnnxImporter):
    JOIN_IO = False

    def __init__(self, model, src, name, path_or_model=None):
        model = copy.deepcopy(model)
        self.qnodes = {}
        has_binary = _has_binary_weights(model, src)
        bad = [f"node {n.name or n.op_type!r} ({n.domain}.{n.op_type})" for n in model.graph.node
               if n.domain in QONNX_DOMAINS and n.op_type not in SUPPORTED]
        if bad:   # all at once
            raise GraphError(f"{src}: {', '.join(bad)}: unsupported QONNX op{'s' if len(bad) > 1 else ''} "
                             f"(supported: {', '.join(SUPPORTED)})")
        for n in model.graph.node:
            if n.domain in QONNX_DOMAINS:
                self.qnodes[id(n)] = n.domain
                n.domain = ""   # the float importer's checks see a handled op
        finn_weights = prepare_finn(model, src)   # FINN's streamlined patterns (qonnx_finn.py)
        super().__init__(model, src, name, path_or_model)
        self.qinfo: Dict[str, dict] = dict(finn_weights)  # ONNX value name -> {"kind", "node"} of quantized constants
        # multi-bit weight Quants are tagged "int" (integer weights of a binarized network) only when the
        # network has binary / ternary weights; other QONNX models take the Q-format / affine paths
        self.binary_net = bool(finn_weights) or has_binary

    # ---- driver -----------------------------------------------------------------------
    def run(self) -> Graph:
        g = super().run()
        g.meta["source"] = "qonnx"
        return g

    # ---- constants ----------------------------------------------------------------------
    def _fold(self, node, ins):
        if node.op_type in ("BipolarQuant", "Quant", "IntQuant"):
            return [self._quant_const(node, ins)]
        if node.op_type == "MultiThreshold":
            self.fail(node, "MultiThreshold on constants is not supported")
        outs = super()._fold(node, ins)
        if node.op_type in SHAPE_OPS:
            for i in node.input:
                if i in self.qinfo:
                    for o in node.output:
                        self.qinfo[o] = self.qinfo[i]
        return outs

    def _quant_const(self, node, ins) -> np.ndarray:
        a = self.attrs(node)
        x = np.asarray(ins[0].const, np.float64)
        scale = np.asarray(ins[1].const, np.float64)
        label = self.node_name(node)
        if node.op_type == "BipolarQuant":
            self.qinfo[node.output[0]] = {"kind": "binary", "node": label}
            return (np.where(x >= 0, 1.0, -1.0) * scale).astype(np.float32)
        zp = np.asarray(ins[2].const, np.float64)
        bits = int(np.asarray(ins[3].const).reshape(-1)[0])
        signed, narrow = int(a.get("signed", 1)), int(a.get("narrow", 0))
        mode = str(a.get("rounding_mode", "ROUND")).upper()
        if mode not in ROUNDING:
            self.fail(node, f"unsupported rounding_mode {mode!r} (supported: {', '.join(ROUNDING)})")
        y = x / scale + zp
        if bits == 1 and signed:
            y = np.where(y >= 0, 1.0, -1.0)
            kind = "binary"
        else:
            y = np.clip(y, _min_int(signed, narrow, bits), _max_int(signed, narrow, bits))
            y = ROUNDING[mode](y)
            kind = "ternary" if (bits == 2 and signed and narrow) else None
        if kind and np.any(zp != 0):
            self.fail(node, f"{kind} weights with a nonzero zero point are not supported")
        if kind:
            self.qinfo[node.output[0]] = {"kind": kind, "node": label}
        elif self.binary_net:   # multi-bit weights inside a binarized network: integer weights (int8 storage)
            self.qinfo[node.output[0]] = self._int_weight_info(node, label, y, scale, zp, bits, signed)
        return ((y - zp) * scale).astype(np.float32)

    def _int_weight_info(self, node, label, y, scale, zp, bits, signed) -> dict:
        """The tag of a multi-bit weight Quant in a binarized network: its integers must fit int8 with zero point
        0 (the kernels' int8 weights); the scale (per tensor, or per output channel: qonnx_quant.check_quants
        has checked its axis) goes with the tag so that the binarize pass can fold it into the epilogue."""
        if np.any(zp != 0):
            self.fail(node, "multi-bit weights with a nonzero zero point inside a binarized network are not "
                            "supported (the integer-weight kernels take symmetric int8 weights)")
        ints = y - zp
        if ints.size and (ints.min() < -128 or ints.max() > 127):
            self.fail(node, f"{bits}-bit {'signed' if signed else 'unsigned'} weights inside a binarized network "
                            f"must fit int8 (integers in [-128, 127]; these reach [{int(ints.min())}, "
                            f"{int(ints.max())}])")
        return {"kind": "int", "node": label, "bits": int(bits),
                "scale": [float(v) for v in np.asarray(scale, np.float32).reshape(-1)]}

    # ---- QONNX ops on activations ----------------------------------------------------------
    def _layout_src(self, x: Val):
        if x.layout in ("nhwc", "flat"):
            return x.ir, x.layout
        return self.plain(x), "plain"

    def _sign(self, node, x: Val, scale: np.ndarray, out_name: str):
        """y = sign(x) * scale (scale one number)."""
        src, layout = self._layout_src(x)
        chw = x.chw if layout == "flat" else None
        if np.all(scale == 1.0):
            out = self.emit("sign", [src], {}, out=out_name, name=self.nname(node))
            self.set_out(node, out, layout, chw=chw)
            return
        if scale.size != 1:
            self.fail(node, f"a per-channel activation scale {scale.shape} is not supported")
        s = self.emit("sign", [src], {}, name=f"{self.nname(node)}_sign")
        self._binary_const(node, "mul", Val(tuple(x.shape), ir=s, layout=layout, chw=chw),
                           scale.reshape(()), const_first=False, out=out_name)

    def op_BipolarQuant(self, node, ins, a):
        x = ins[0]
        scale = np.asarray(self.const_in(node, ins, 1, "scale"), np.float64)
        self._sign(node, x, scale, node.output[0])

    def op_IntQuant(self, node, ins, a):
        self.op_Quant(node, ins, a)

    def op_Quant(self, node, ins, a):
        x = ins[0]
        scale = np.asarray(self.const_in(node, ins, 1, "scale"), np.float64)
        zp = np.asarray(self.const_in(node, ins, 2, "zero_point"), np.float64)
        bits = self.const_in(node, ins, 3, "bit_width")
        bits = float(np.asarray(bits).reshape(-1)[0])
        signed, narrow = int(a.get("signed", 1)), int(a.get("narrow", 0))
        mode = str(a.get("rounding_mode", "ROUND")).upper()
        if mode not in ROUNDING:
            self.fail(node, f"unsupported rounding_mode {mode!r} (supported: {', '.join(ROUNDING)})")
        if bits != int(bits) or bits < 1:
            self.fail(node, f"bit width {bits} must be a positive integer")
        bits = int(bits)
        if np.any(zp != 0):
            self.fail(node, f"Quant with a nonzero zero point on activations is not supported")
        if bits == 1:
            if not signed:
                self.fail(node, "1-bit unsigned Quant ({0, 1} activations) is not supported; use a bipolar quantizer")
            self._sign(node, x, scale, node.output[0])
            return
        if mode not in ACT_ROUNDING:
            self.fail(node, f"Quant with rounding_mode {mode!r} on activations is not supported "
                            f"(supported: {', '.join(ACT_ROUNDING)})")
        from .qonnx_quant import QuantSpec, binary_input_format, from_graph_input
        if x.is_const or not from_graph_input(self.g, x.ir):
            self.fail(node, "a multi-bit Quant in a network with binary weights is only supported on the graph input "
                            "(or a Flatten / Reshape of it): it sets the input format")
        if scale.size != 1 or scale.reshape(-1)[0] <= 0:
            self.fail(node, f"the input scale must be one positive number, got {scale.ravel()[:4]}")
        s = float(scale.reshape(-1)[0])
        frac = -math.log2(s)
        lo, hi = _min_int(signed, narrow, bits), _max_int(signed, narrow, bits)
        if frac != int(frac):   # affine int8 input: the binary layer folds s into its thresholds
            if mode not in ("ROUND", "HALF_EVEN"):
                self.fail(node, f"rounding_mode {mode!r} with a scale that is not a power of two (the input is "
                                f"quantized as QuantizeLinear does: half to even)")
            store, s = binary_input_format(QuantSpec(self.nname(node), scale, zp, bits, bool(signed), bool(narrow),
                                                     mode), lambda msg: self.fail(node, msg))
            frac = None
        else:
            frac = int(frac)
            store = 8 if (signed and bits <= 8) else 16
            if hi > (1 << (store - 1)) - 1 or lo < -(1 << (store - 1)):
                self.fail(node, f"a {bits}-bit {'signed' if signed else 'unsigned'} input does not fit a 16-bit Q "
                                f"format")
        self.g.meta["qonnx_input"] = {"bits": store, "frac": frac, "qmin": lo, "qmax": hi, "node": self.nname(node),
                                      "rounding_mode": mode}
        if frac is None:
            self.g.meta["qonnx_input"]["scale"] = s
        smin, smax = -(1 << (store - 1)), (1 << (store - 1)) - 1
        src, layout = self._layout_src(x)
        del smin, smax  # the clip is kept even when the storage saturates the same way: the float
        # reference then sees the Quant's saturation too (x = 1.0 -> 127/128 for signed 8-bit, scale 2^-7)
        out = self.emit("clip", [src], {"min": lo * s, "max": hi * s}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, layout, chw=x.chw if layout == "flat" else None)

    def op_MultiThreshold(self, node, ins, a):
        x = ins[0]
        t = np.asarray(self.const_in(node, ins, 1, "thresholds"), np.float64)
        out_scale = float(a.get("out_scale", 1.0))
        out_bias = float(a.get("out_bias", 0.0))
        bipolar = out_scale == 2.0 and out_bias == -1.0   # y = 2 * count - 1 (QONNX ignores out_dtype)
        if t.ndim != 2 or t.shape[1] != 1 or not bipolar:   # many thresholds or a multi-bit output
            return self.op_MultiThreshold_multi(node, ins, a)
        layout = str(a.get("data_layout", "")) or ("NCHW" if len(x.shape) == 4 else "NC")
        if layout not in ("NCHW", "NC", "NHWC"):
            self.fail(node, f"data_layout {layout!r} is not supported")
        c = t.shape[0]
        if len(x.shape) == 4 and layout == "NHWC":
            self.fail(node, "MultiThreshold with data_layout NHWC on a 4-D value is not supported")
        cshape = (c,) + (1,) * (len(x.shape) - 2) if c > 1 else (1,)
        y = self._binary_const(node, "add", x, -t.reshape(cshape), const_first=False, out=None)
        self._sign(node, y, np.ones(1), node.output[0])

    # ---- layers: tag binary / ternary weights, never fold into them ----------------------------
    def _tag_last(self, node, op_names, w_onnx: str):
        info = self.qinfo.get(w_onnx)
        if info is None:
            return
        for n in reversed(self.g.nodes):
            if n.op in op_names:
                t = self.g.tensors[n.inputs[1]]
                t.meta["qonnx_weight"] = info["kind"]
                t.meta["qonnx_node"] = info["node"]
                if info["kind"] == "int":
                    t.meta["qonnx_scale"] = list(info["scale"])
                    t.meta["qonnx_bits"] = info["bits"]
                return

    def op_Conv(self, node, ins, a):
        super().op_Conv(node, ins, a)
        self._tag_last(node, ("conv2d",), node.input[1])

    def op_Gemm(self, node, ins, a):
        super().op_Gemm(node, ins, a)
        self._tag_last(node, ("dense",), node.input[1])

    def op_MatMul(self, node, ins, a):
        super().op_MatMul(node, ins, a)
        self._tag_last(node, ("dense",), node.input[1])

    def _binary_producer(self, x: Val) -> bool:
        if x.is_const or x.ir is None:
            return False
        prod = self.g.producer(x.ir)
        while prod is not None and prod.op in ("mul", "add", "batchnorm"):
            prod = self.g.producer(prod.inputs[0])
        return prod is not None and prod.op in ("conv2d", "dense") and \
            "qonnx_weight" in self.g.tensors[prod.inputs[1]].meta

    def try_fold_affine(self, node, x, scale, shift) -> bool:
        if self._binary_producer(x):
            return False
        return super().try_fold_affine(node, x, scale, shift)

    def op_BatchNormalization(self, node, ins, a):
        x = ins[0]
        if not self._binary_producer(x) or x.layout not in ("nhwc", "plain") or \
                (x.layout == "plain" and len(x.shape) != 2):
            return super().op_BatchNormalization(node, ins, a)
        if int(a.get("training_mode", 0)):
            self.bad_attr(node, "training_mode", a["training_mode"])
        params = [np.asarray(self.const_in(node, ins, k, nm), np.float32).reshape(-1)
                  for k, nm in ((1, "scale"), (2, "B"), (3, "mean"), (4, "var"))]
        c = x.shape[1]
        if any(p.size != c for p in params):
            self.fail(node, f"batch norm parameters do not have {c} channels")
        eps = float(np.float32(a.get("epsilon", 1e-5)))
        cs = [self.const(p, f"{self.nname(node)}_{nm}") for p, nm in zip(params, ("gamma", "beta", "mean", "var"))]
        out = self.emit("batchnorm", [x.ir] + cs, {"epsilon": eps}, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, x.layout)
