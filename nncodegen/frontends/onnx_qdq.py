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

from typing import Dict, Optional, Tuple

import numpy as np

from ..ir.formats import AffineFormat
from ..ir.graph import Graph, GraphError
from .common import one_line
from .onnx_base import load_model, run_guarded
from .onnx_float import OnnxImporter
from .onnx_qdq_fold import fold_qdq, set_int8_rounding  # noqa: F401 -- set_int8_rounding: public here
from .onnx_qoperator import QDQ_OPS, QOPERATOR_OPS, canonicalize

def is_quantized_onnx(model) -> bool:
    return any(n.op_type in QDQ_OPS or n.op_type in QOPERATOR_OPS for n in model.graph.node)


def load_qdq(path_or_model, name: Optional[str] = None, rounding: str = "onnxruntime", int16: bool = False) -> Graph:
    """Import a QDQ / QOperator int8 ONNX model as an affine int8 IR graph (checked).

    ``rounding``: the requantization mode recorded in the graph (lower/lower_s8.py).  The default,
    "onnxruntime", reproduces onnxruntime's CPU int8 kernels (the runtime these models are made
    for) with integer arithmetic; "single" is the exact semantics of DequantizeLinear -> op ->
    QuantizeLinear with TFLite's fixed-point multipliers (one rounding, averages ties to even);
    "double" is TFLite's default (docs/INT8.md).  ``int16``: int16 activations are accepted (zero point 0,
    run on the 16x8 kernels; the QONNX importer's rewrite of Quants wider than 8 bits)."""
    model, src = load_model(path_or_model)
    try:
        model = canonicalize(model, src)
    except GraphError:
        raise
    except Exception as e:  # noqa: BLE001 -- last resort: one line, never a traceback
        raise GraphError(f"{src}: cannot import: converting the QOperator nodes: {type(e).__name__}: "
                         f"{one_line(e)}") from None
    imp = _QDQImporter(model, src, name, path_or_model)
    imp.int16 = int16
    return run_guarded(imp, src, finish=lambda g: fold_qdq(g, imp, rounding))


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
        if getattr(self, "int16", False) and z.dtype.type == np.int16:
            try:
                return AffineFormat(16, float(s.reshape(-1)[0]), int(z.reshape(-1)[0]))
            except ValueError as e:
                self.fail(node, str(e))
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
            if len(ins) > 2 and ins[2] is not None and z.dtype != q.dtype:
                self.fail(node, f"zero point of type {z.dtype} for {q.dtype} data (ONNX: the same type)")
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
