"""Lowering of affine int8 nodes to *_s8 kernel calls (called by lower.lower first).

A node is lowered here when it changes number format (quantize, dequantize,
requantize) or when its output tensor has an AffineFormat; every other node
returns None and is lowered by lower.py (a float layer of a mixed model runs
its _f32 kernel between a dequantize and a quantize call).

Parameters follow TFLite's kernels (see nncodegen/ref/affine.py for the
multipliers): conv/dense per output channel s_in * s_w[c] / s_out, add with
left shift 20, mul s_a * s_b / s_out, global average s_in / (s_out * H * W).
Element-wise functions (sigmoid, tanh, hard-sigmoid, hard-swish, leaky ReLU,
ReLU / clip / requantization between two formats, concat inputs in another
format) become 256-entry tables computed in float32 with ONNX's
QuantizeLinear rounding: table[q] = Q_out(f(DQ_in(q))), which is exactly what
DequantizeLinear -> f -> QuantizeLinear computes.  The rounding mode of the
fixed-point multipliers is ``graph.meta["quantization"]["rounding"]``
("double", TFLite's default, or "single").  TFLite models (meta quantization.softmax "tflite") run
softmax, log-softmax, sigmoid and tanh as TFLite's own gemmlowp fixed-point kernels instead.

The rules live by op family: lower_s8_mac.py (conv / dense), lower_s8_eltwise.py (two-operand
element-wise, concat, format changes), lower_s8_act.py (tables, activations, softmax), lower_s8_data.py
(pools, mean, data movement), with their shared helpers in lower_s8_common.py; this module holds the op
table and the dispatch, and re-exports the names other modules import from it.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

from ..ir.formats import AffineFormat
from ..ir.graph import Node
from .lower_s8_act import (lower_hard_swish, lower_leaky_relu, lower_log_softmax, lower_lut, lower_prelu,
                           lower_sigmoid_tanh, lower_softmax)
from .lower_s8_common import _fail, tflite_model
from .lower_s8_data import (lower_mean, lower_pad, lower_pool, lower_reshape, lower_resize, lower_strided_slice,
                            lower_transpose)
from .lower_s8_eltwise import lower_concat, lower_convert, lower_eltwise, lower_minmax
from .lower_s8_mac import lower_mac
from .program import Call

# re-exported: names that other modules and the tests import from lower_s8
from .lower_s8_act import _prelu_period, ort_softmax_table  # noqa: F401
from .lower_s8_common import (ACC32, F32, _act, act_bounds, average_half_even, lut_table,  # noqa: F401
                              onnxruntime_mode, ort_scale, rounding_of)
from .lower_s8_eltwise import ort_add_table  # noqa: F401
from .lower_s8_mac import (PWP_K, _bias, _mac_requant, _weights, accumulator_bound_s8,  # noqa: F401
                           dsp_pointwise_s8, packed_s8, pointwise_s8)


LOWER_S8: Dict[str, Callable] = {
    "conv2d": lower_mac, "dense": lower_mac, "conv_transpose2d": lower_mac, "strided_slice": lower_strided_slice,
    "add": lower_eltwise, "sub": lower_eltwise, "mul": lower_eltwise,
    "maximum": lower_minmax, "minimum": lower_minmax,
    "relu": lower_lut, "clip": lower_lut, "leaky_relu": lower_leaky_relu, "sigmoid": lower_sigmoid_tanh,
    "tanh": lower_sigmoid_tanh,
    "hard_sigmoid": lower_lut, "hard_swish": lower_hard_swish, "prelu": lower_prelu, "softmax": lower_softmax,
    "log_softmax": lower_log_softmax,
    "concat": lower_concat, "maxpool": lower_pool, "avgpool": lower_pool, "global_avgpool": lower_pool,
    "global_maxpool": lower_pool, "pad": lower_pad, "resize": lower_resize, "transpose": lower_transpose,
    "channel_shuffle": lower_transpose, "reshape": lower_reshape, "mean": lower_mean,
}


TFLITE_ONLY = ("conv_transpose2d", "strided_slice", "maximum", "minimum")  # kernels written for TFLite's operators


SAME_FORMAT_OPS = ("maxpool", "global_maxpool", "avgpool", "pad", "resize", "transpose", "channel_shuffle",
                   "reshape")


def unsupported_reason(graph, node: Node) -> Optional[str]:
    """Why ``node`` cannot run as an affine int8 layer (None: it can), judged from its op and
    attributes; used by the QDQ importer to keep such nodes in float."""
    if node.op not in LOWER_S8:
        return f"no affine int8 kernel for op {node.op!r}"
    if node.op in TFLITE_ONLY and not tflite_model(graph):
        return f"the affine int8 {node.op} kernel follows TFLite (TFLite models only)"
    if node.op == "resize" and node.attrs.get("mode") != "nearest":
        return "only nearest resize has an int8 kernel"
    if node.op == "log_softmax" and graph.meta.get("quantization", {}).get("softmax") != "tflite":
        return "log_softmax has an int8 kernel only for TFLite models"
    if node.op in ("softmax", "log_softmax"):
        r = len(graph.tensors[node.inputs[0]].shape)
        if node.attrs.get("axis", -1) % r != r - 1:
            return f"{node.op} over a non-last axis"
    if node.attrs.get("act", "none") == "leaky_relu":
        return "fused leaky ReLU"
    if node.op in ("conv2d", "dense"):
        w = graph.tensors[node.inputs[1]]
        if len(node.inputs) > 1 and not w.is_const:
            return "weights are not constant"
    return None


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    if node.op in ("quantize", "dequantize", "requantize"):
        return lower_convert(ctx, node)
    if not isinstance(ctx.g.tensors[node.outputs[0]].fmt, AffineFormat):
        return None
    fn = LOWER_S8.get(node.op)
    if fn is None:
        _fail(node, "no affine int8 kernel for this op")
    return fn(ctx, node)
