"""Generated int8 C against onnxruntime: quantize a float ONNX model with onnxruntime's own
quantizer, run both, count identical output integers and the largest difference in LSB.

    q = quantize_with_onnxruntime("float.onnx", "model_qdq.onnx", calib)     # calib: ONNX layout
    r = agreement("model_qdq.onnx", x, outdir)                                # outdir: nncodegen compile

onnxruntime runs twice: with its default graph optimizations (it fuses DequantizeLinear -> op ->
QuantizeLinear into its int8 kernels: QLinearConv, QGemm, QLinearAdd, QLinearSoftmax, ...) and
with optimizations disabled (every op runs in float between DequantizeLinear and QuantizeLinear:
the QDQ graph's own semantics).  Needs onnxruntime (a test dependency).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

import numpy as np

from ..ir.graph import GraphError


def _quiet():
    import logging
    logging.getLogger().setLevel(logging.ERROR)


class _Reader:
    def __init__(self, name: str, calib: np.ndarray):
        self.items = [{name: calib[i:i + 1].astype(np.float32)} for i in range(len(calib))]
        self.i = 0

    def get_next(self):
        if self.i >= len(self.items):
            return None
        self.i += 1
        return self.items[self.i - 1]

    def rewind(self):
        self.i = 0


def quantize_with_onnxruntime(float_path, out_path, calib: np.ndarray, activation: str = "s8",
                              per_channel: bool = True, preprocess: bool = True, quant_format: str = "QDQ") -> Path:
    """onnxruntime.quantization.quantize_static with MinMax calibration on ``calib`` (ONNX layout):
    QInt8 weights (per channel), QInt8 ("s8") or QUInt8 ("u8") activations, QDQ or QOperator format;
    ``preprocess`` runs quant_pre_process first (BatchNormalization folded into Conv, ...)."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    _quiet()
    float_path, out_path = Path(float_path), Path(out_path)
    src = float_path
    if preprocess:
        from onnxruntime.quantization.shape_inference import quant_pre_process
        src = out_path.with_name(out_path.stem + "_pre.onnx")
        quant_pre_process(str(float_path), str(src))
    name = onnx.load(str(src)).graph.input[0].name

    class Reader(_Reader, CalibrationDataReader):
        pass

    quantize_static(str(src), str(out_path), Reader(name, np.asarray(calib)),
                    quant_format=QuantFormat.QDQ if quant_format == "QDQ" else QuantFormat.QOperator,
                    per_channel=per_channel,
                    activation_type=QuantType.QInt8 if activation == "s8" else QuantType.QUInt8,
                    weight_type=QuantType.QInt8)
    return out_path


def run_onnxruntime(path, x: np.ndarray, optimize: bool = True) -> np.ndarray:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    if not optimize:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i:i + 1].astype(np.float32)})[0] for i in range(len(x))])


def to_ir_layout(x: np.ndarray, layout: Optional[str]) -> np.ndarray:
    return x.transpose(0, 2, 3, 1) if layout == "NCHW->NHWC" and x.ndim == 4 else x


def agreement(qdq_path, x: np.ndarray, outdir, optimize: bool = True, y_c_raw: Optional[np.ndarray] = None) -> Dict:
    """Compare the C in ``outdir`` (compiled from ``qdq_path``) with onnxruntime on inputs ``x``
    (ONNX layout).  Returns identical fraction, largest difference in LSB of the output format,
    top-1 agreement (argmax over each sample's outputs) and the sample count."""
    from ..ir.serialize import load_graph
    from .cmodel import CModel
    g = load_graph(Path(outdir) / "model.nnc")
    fo = g.tensors[g.outputs[0]].fmt
    if y_c_raw is None:
        cm = CModel(outdir)
        y_c_raw = cm.run_raw(cm.quantize_input(to_ir_layout(x, g.meta.get("input_layout"))))
    y_o = to_ir_layout(run_onnxruntime(qdq_path, x, optimize), g.meta.get("output_layout"))
    n = len(x)
    if fo.kind != "affine":
        raise GraphError("the model's output is not quantized: compare floats instead")
    q_o = np.rint(y_o.astype(np.float64) / fo.scale) + fo.zero_point
    q_c = y_c_raw.reshape(q_o.shape).astype(np.float64)
    d = np.abs(q_c - q_o)
    return {"samples": n, "elements": int(d.size), "identical": float(np.mean(d == 0)),
            "max_lsb": int(d.max()) if d.size else 0,
            "top1": float(np.mean(q_c.reshape(n, -1).argmax(1) == q_o.reshape(n, -1).argmax(1)))}
