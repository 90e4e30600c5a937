"""QONNX facts shared by the QONNX modules: its domains, the ops handled, rounding modes, shape ops."""
from __future__ import annotations

import numpy as np

QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas",
                 "qonnx.custom_op.general.v2")
SUPPORTED = ("BipolarQuant", "Quant", "IntQuant", "MultiThreshold")
ROUNDING = {
    "ROUND": np.round, "HALF_EVEN": np.round, "CEIL": np.ceil, "FLOOR": np.floor, "DOWN": np.fix,
    "ROUND_TO_ZERO": np.fix, "UP": lambda v: np.sign(v) * np.ceil(np.abs(v)),
    "HALF_UP": lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5),
    "HALF_DOWN": lambda v: np.sign(v) * np.ceil(np.abs(v) - 0.5),
}
ACT_ROUNDING = ("ROUND", "HALF_EVEN", "HALF_UP")
SHAPE_OPS = ("Transpose", "Reshape", "Identity", "Flatten", "Squeeze", "Unsqueeze", "Cast")


def is_qonnx(model) -> bool:
    return any(n.domain in QONNX_DOMAINS for n in model.graph.node)
