"""ONNX import: float, QDQ / QOperator int8 and QONNX models -> IR Graph (NHWC).

    g = load_onnx("model.onnx")          # or load_onnx(onnx.ModelProto)

``load_onnx`` reads the model once and hands it to the front end that fits: QONNX (a node in a
QONNX / FINN domain, frontends/qonnx_import.py), quantized int8 (QDQ or QOperator nodes,
frontends/onnx_qdq.py), or float (frontends/onnx_float.py, whose docstring lists the ops and the
layout rules).  All three build on frontends/onnx_base.py; the op handlers are in frontends/onnx_ops/.
"""
from __future__ import annotations

from typing import Optional

from ..ir.graph import Graph
from .onnx_base import load_model
from .onnx_float import load_float
from .onnx_qdq import is_quantized_onnx, load_qdq
from .qonnx_finn import refuse_finn_dataflow
from .qonnx_load import is_qonnx, load_qonnx


def load_onnx(path_or_model, name: Optional[str] = None) -> Graph:
    """Import an ONNX model (path or ModelProto) as a checked, fused NHWC IR Graph."""
    model, src = load_model(path_or_model)
    refuse_finn_dataflow(model, src)   # FINN's FPGA dataflow nodes, all named in one error
    if is_qonnx(model):  # QONNX (Brevitas, FINN): quantizer nodes, binary / ternary layers
        return load_qonnx(model, src, name, path_or_model)
    if is_quantized_onnx(model):  # int8 QDQ / QOperator models (onnxruntime's quantizer, PyTorch)
        return load_qdq(path_or_model, name)
    return load_float(model, src, name, path_or_model)
