"""TFLite import, element-wise family: ADD, SUB, MUL (4-D broadcast), RELU / RELU6 / RELU_N1_TO_1 (input and output in one format),
LOGISTIC / TANH (TFLite's fixed output formats 1/256, -128 and 1/128, 0; the gemmlowp fixed-point kernels),
SOFTMAX (beta 1), LOG_SOFTMAX, QUANTIZE (int8 -> int8, or of the float model input: rounded half away
from zero, as TFLite does), DEQUANTIZE; after a DEQUANTIZE, SOFTMAX / LOG_SOFTMAX may run in float32.
HARD_SWISH (TFLite's 16-bit fixed-point kernel; input scale / output scale < 128), MAXIMUM / MINIMUM (4-D
broadcast; both operands and the output in one format), PRELU (a constant int8 slope with one scale and
zero point, of any shape that broadcasts to the input), LEAKY_RELU (alpha >= 0; the handler of 16x8
models, ops_int16.leaky_relu).

A constant operand of a binary operator becomes an int8 constant of the IR in its own format (a float32
constant in float32 models, importer.py; there a DEQUANTIZE of a float16 constant is folded into one).
"""
from __future__ import annotations

import numpy as np

from ...ref import affine as af
from .ops_int16 import leaky_relu as leaky_relu_16x8


def _operands(imp, op, n: int = 2):
    ins = []
    for i in op.inputs[:n]:
        t = imp.tensors[i]
        if imp.float_model:
            ins.append(imp.fconst(op, i, "operand") if imp.is_const(i) else imp.act(i))
            continue
        ins.append(imp.const(t, t.data.astype(np.int8), imp.fmt(t), "") if t.data is not None else imp.act(i))
    return ins


def add(imp, op):
    """ADD / SUB (add_s8 / sub_s8: TFLite's left shift 20 and three multipliers)."""
    act = op.options.scalar(0, "b") if op.options is not None else 0
    imp.node(op, op.code.lower(), _operands(imp, op), op.outputs[0], **imp.act_attrs(act))


def mul(imp, op):
    """MUL of int8 tensors (4-D broadcast, fused activation; mul_s8, TFLite's one multiplier)."""
    act = op.options.scalar(0, "b") if op.options is not None else 0
    for i in op.inputs[:2]:
        if len(imp.tensors[i].shape) > 4:
            imp.fail(op, f"operand {imp.tensors[i].name!r} has rank > 4")
    imp.node(op, "mul", _operands(imp, op), op.outputs[0], **imp.act_attrs(act))


def relu(imp, op):
    if imp.fmt(imp.tensors[op.inputs[0]]) != imp.fmt(imp.tensors[op.outputs[0]]):
        imp.fail(op, "input and output must share one format")
    lo, hi = {"RELU": (0.0, None), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[op.code]
    imp.node(op, "clip", [imp.act(op.inputs[0])], op.outputs[0], min=lo, max=hi)


def logistic_tanh(imp, op):  # TFLite's gemmlowp kernels (logistic_tfl_s8, tanh_tfl_s8)
    imp.node(op, "sigmoid" if op.code == "LOGISTIC" else "tanh", [imp.act(op.inputs[0])], op.outputs[0])


def softmax(imp, op):
    beta = op.options.scalar(0, "f", 1.0) if op.options is not None else 1.0
    if beta != 1.0:
        imp.fail(op, f"beta {beta}: only beta 1 is supported")
    imp.node(op, "softmax", [imp.act(op.inputs[0])], op.outputs[0], axis=-1)


def log_softmax(imp, op):
    imp.node(op, "log_softmax", [imp.act(op.inputs[0])], op.outputs[0], axis=-1)


def quantize(imp, op):
    x = imp.tensors[op.inputs[0]]
    if x.type == "float32" and op.inputs[0] not in imp.inputs:
        imp.fail(op, "QUANTIZE from float32 is supported only on the model's input")
    imp.node(op, "quantize" if x.type == "float32" else "requantize", [imp.act(op.inputs[0])], op.outputs[0])


def dequantize(imp, op):
    if imp.float_model:  # of a float16 constant (importer.check_float): folded into a float32 constant
        imp.folded[op.outputs[0]] = imp.fdata(op, op.inputs[0], "input")
        return
    imp.node(op, "dequantize", [imp.act(op.inputs[0])], op.outputs[0])


def hard_swish(imp, op):
    """HARD_SWISH (hard_swish_tfl_s8: TFLite's reference int8 kernel, its HardSwishPrepare parameters)."""
    if imp.float_model:
        imp.node(op, "hard_swish", [imp.act(op.inputs[0])], op.outputs[0])
        return
    fi, fo = (imp.fmt(imp.tensors[i]) for i in (op.inputs[0], op.outputs[0]))
    try:
        af.tflite_hard_swish_params(fi.scale, fo.scale)
    except ValueError as e:
        imp.fail(op, str(e))
    imp.node(op, "hard_swish", [imp.act(op.inputs[0])], op.outputs[0])


def maximum_minimum(imp, op):
    """MAXIMUM / MINIMUM of int8 tensors (maximum_s8 / minimum_s8: TFLite compares the stored integers)."""
    ts = [imp.tensors[i] for i in op.inputs[:2] + op.outputs[:1]]
    if imp.float_model:  # maximum_f32 / minimum_f32: TFLite's std::max / std::min
        imp.node(op, op.code.lower(), _operands(imp, op), op.outputs[0])
        return
    if len({(float(t.scale[0]), int(t.zero_point[0])) if t.quantized and t.scale.size == 1 else None
            for t in ts}) != 1 or not ts[0].quantized:
        imp.fail(op, "both operands and the output must share one format (one scale and zero point)")
    for t in ts[:2]:
        if len(t.shape) > 4:
            imp.fail(op, f"operand {t.name!r} has rank > 4")
    imp.node(op, op.code.lower(), _operands(imp, op), op.outputs[0])


def prelu(imp, op):
    """PRELU with a constant int8 slope (prelu_s8 with TFLite Micro's double-precision multipliers); in float32
    models a constant float slope of one value or one per channel (prelu_f32: x < 0 ? x * slope : x)."""
    x, a = imp.tensors[op.inputs[0]], imp.tensors[op.inputs[1]]
    if imp.float_model:
        alpha = imp.fdata(op, op.inputs[1], "slope (alpha)")
        c = x.shape[-1] if x.shape else 1
        if alpha.size not in (1, c) or (alpha.ndim and alpha.shape[-1] not in (1, c)) or alpha.ndim > len(x.shape):
            imp.fail(op, f"slope of shape {list(alpha.shape)}: float32 PRELU takes one slope or one per channel "
                         f"(the input is {list(x.shape)})")
        imp.node(op, "prelu", [imp.act(op.inputs[0]), imp.fconst(op, op.inputs[1], "slope (alpha)")], op.outputs[0])
        return
    if a.data is None or a.type != "int8" or not a.quantized or a.scale.size != 1:
        imp.fail(op, "the slope (alpha) must be an int8 constant with one scale and zero point")
    if len(a.shape) > len(x.shape):
        imp.fail(op, f"slope of shape {list(a.shape)} does not broadcast to the input {list(x.shape)}")
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(x.shape))
    except ValueError:
        imp.fail(op, f"slope of shape {list(a.shape)} does not broadcast to the input {list(x.shape)}")
    imp.node(op, "prelu", [imp.act(op.inputs[0]), imp.const(a, a.data.astype(np.int8), imp.fmt(a), "")],
             op.outputs[0])


HANDLERS = {
    "ADD": add, "SUB": add, "MUL": mul, "RELU": relu, "RELU6": relu, "RELU_N1_TO_1": relu, "LOGISTIC": logistic_tanh,
    "TANH": logistic_tanh, "SOFTMAX": softmax, "LOG_SOFTMAX": log_softmax, "QUANTIZE": quantize,
    "DEQUANTIZE": dequantize, "HARD_SWISH": hard_swish, "MAXIMUM": maximum_minimum, "MINIMUM": maximum_minimum,
    "PRELU": prelu, "LEAKY_RELU": leaky_relu_16x8,
}
