"""TFLite import of 16x8 models: int16 activations, int8 weights, int64 biases (TFLite's
"int16x8" post-training quantization), as TFLite's reference kernels compute them.

A model whose activations are int16 is imported here as a whole (``load_int16``, called by
importer.Importer.run); a model mixing int8 and int16 activations is refused.  Operators:

* CONV_2D (int8 filters per output channel, int64 bias; input and output zero points 0),
  TRANSPOSE_CONV (its output-shape input must be the output tensor's static shape: the model's
  shape is used, and a model input feeding only that is not an input of the C), ADD and SUB
  (TFLite's general int16 path, 4-D broadcast; fused ReLU / ReLU6 / ReLU_N1_TO_1), LEAKY_RELU
  (alpha >= 0), PAD / PADV2, STRIDED_SLICE (constant begin / end / strides; begin, end and
  shrink-axis masks), RESHAPE / SQUEEZE / EXPAND_DIMS, QUANTIZE (int16 -> int16, int32 <-> int16,
  or of the float model input), DEQUANTIZE (of the model output).
* Several int16 model inputs are joined into one C input of shape (1, inputs, longest) (join.py): row k
  holds input k flattened (its first size_k elements; the rest of the row is not read), each row in
  its input's format (a per-row affine format).  ``graph.meta["inputs"]`` lists them.
* The element-wise rescalings round as TFLite's default build does (double rounding, meta
  quantization.rounding "double"): the seanet goldens of TFLite Micro's integration tests and LiteRT's
  BUILTIN_REF resolver follow it; ``set_int8_rounding(g, "single")`` gives TFLITE_SINGLE_ROUNDING's.
* ADD / SUB whose scales are all powers of two with zero points 0 and the pot_scale_int16 option
  set are refused: LiteRT runs them through another kernel than TFLite Micro.

Anything else is refused with every offending operator listed at once.
"""
from __future__ import annotations

import math
from typing import List

import numpy as np

from ...ir.checker import check_graph
from ...ir.formats import AffineFormat
from ...ir.graph import Graph, GraphError, Node, Tensor
from .flatbuf import ACTS, TflOp
from .join import join_inputs, join_kind
from .ops_shape import pad as shape_pad, reshape as shape_reshape

INT16_OPS = ("CONV_2D", "TRANSPOSE_CONV", "ADD", "SUB", "LEAKY_RELU", "PAD", "PADV2", "STRIDED_SLICE",
             "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "QUANTIZE", "DEQUANTIZE")


def is_int16(imp) -> bool:
    """Does the model have int16 activations (non-constant int16 tensors)?"""
    used = {i for op in imp.ops for i in op.inputs + op.outputs if i >= 0} | set(imp.inputs) | set(imp.outputs)
    return any(imp.tensors[i].type == "int16" and imp.tensors[i].data is None for i in used)


def _label(imp, op: TflOp) -> str:
    out = imp.tensors[op.outputs[0]].name if op.outputs else "?"
    kind = f"{op.code} ({op.custom})" if op.code == "CUSTOM" else op.code
    return f"operator #{op.index} {kind} -> {out!r}"


def _shape_inputs(imp) -> set:
    """Model inputs that only feed TRANSPOSE_CONV's output-shape operand."""
    users = {}
    for op in imp.ops:
        for k, i in enumerate(op.inputs):
            users.setdefault(i, []).append((op.code, k))
    return {i for i in imp.inputs if users.get(i) and all(u == ("TRANSPOSE_CONV", 0) for u in users[i])}


def check(imp) -> None:
    bad = [_label(imp, op) + (" (not supported with int16 activations)" if op.code != "CUSTOM" else "")
           for op in imp.ops if op.code not in INT16_OPS]
    if bad:
        raise GraphError(f"{imp.src}: {len(bad)} unsupported TFLite operator(s) in a 16x8 model: " + "; ".join(bad))
    if len(imp.outputs) != 1:
        raise GraphError(f"{imp.src}: {len(imp.outputs)} outputs: nncodegen compiles 16x8 models with one output")
    shape_in = _shape_inputs(imp)
    for op in imp.ops:
        for k, i in enumerate(op.inputs + op.outputs):
            t = imp.tensors[i] if i >= 0 else None
            if t is None or t.data is not None or i in shape_in:
                continue
            edge = op.code in ("QUANTIZE", "DEQUANTIZE") and (i in imp.inputs or i in imp.outputs)
            if t.type == "int16" or (t.type in ("int32", "float32") and edge):
                if t.type != "float32" and (not t.quantized or t.scale.size != 1):
                    imp.fail(op, f"tensor {t.name!r}: activations need one scale and zero point")
                continue
            imp.fail(op, f"tensor {t.name!r} has type {t.type}: a 16x8 model needs int16 activations "
                         "(int32 or float32 only as the input or output of a QUANTIZE / DEQUANTIZE at the "
                         "model's edge)")
    real = [i for i in imp.inputs if i not in shape_in]
    if len(real) > 1:
        join_kind(imp, real)


# ---------------------------------------------------------------- operators

def _options(imp, op):
    if op.options is None:
        imp.fail(op, "missing options")
    return op.options


def _act_attrs(imp, op, code: int) -> dict:
    try:
        return imp.act_attrs(code)
    except GraphError as e:
        imp.fail(op, str(e))


def _const16(imp, i: int) -> str:
    t = imp.tensors[i]
    if t.data is None:
        return imp.act(i)
    if t.type != "int16":
        raise GraphError(f"{imp.src}: constant {t.name!r} of type {t.type} in a 16x8 model")
    return imp.const(t, t.data.astype(np.int16), imp.fmt(t), "")


def _filters(imp, op, w):
    if w.data is None or w.type != "int8":
        imp.fail(op, "filters must be int8 constants")
    if w.scale.size > 1 and w.qdim != 0:
        imp.fail(op, "per-channel filter scales must be along the output channels")
    if np.any(w.zero_point != 0):
        imp.fail(op, "filter zero points must be 0 (symmetric int8 weights)")
    return imp.const(w, w.data, imp.fmt(w, 0), "")


def _bias64(imp, op, b):
    if b is None:
        return []
    if b.data is None or b.type != "int64":
        imp.fail(op, f"bias {b.name!r} of type {b.type}: 16x8 convolutions take int64 biases")
    return [imp.const(b, b.data.astype(np.int64), imp.fmt(b, 0), "")]


def conv(imp, op):
    o = _options(imp, op)
    x, w = imp.tensors[op.inputs[0]], imp.tensors[op.inputs[1]]
    b = imp.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    pad, sw, sh, act, dw, dh = o.scalar(0, "b"), o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(3, "b"), \
        o.scalar(4, "i", 1), o.scalar(5, "i", 1)
    if x.shape[3] != w.shape[3]:
        imp.fail(op, "grouped convolutions are not supported in 16x8 models")
    ins = [imp.act(op.inputs[0]), _filters(imp, op, w)] + _bias64(imp, op, b)
    pads = imp.pads(op, pad, x.shape[1:3], w.shape[1:3], (sh, sw), (dh, dw))
    imp.node(op, "conv2d", ins, op.outputs[0], strides=(sh, sw), pads=pads, dilations=(dh, dw), groups=1,
             **_act_attrs(imp, op, act))


def _tconv_pad(padding: int, size: int, k: int, stride: int) -> int:
    """TFLite's ComputePaddingHeightWidth on the transposed convolution's output size."""
    out = (size + stride - 1) // stride if padding == 0 else (size + stride - k) // stride
    return max((out - 1) * stride + k - size, 0) // 2


def transpose_conv(imp, op):
    o = _options(imp, op)
    w, x, y = imp.tensors[op.inputs[1]], imp.tensors[op.inputs[2]], imp.tensors[op.outputs[0]]
    b = imp.tensors[op.inputs[3]] if len(op.inputs) > 3 and op.inputs[3] >= 0 else None
    pad, sw, sh, act = o.scalar(0, "b"), o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(3, "b")
    if pad not in (0, 1):
        imp.fail(op, f"padding mode {pad}")
    if ACTS.get(act, "?") != "none":
        imp.fail(op, "fused activations on TRANSPOSE_CONV are not supported")
    s = imp.tensors[op.inputs[0]]
    if s.data is not None and tuple(int(v) for v in s.data.reshape(-1)) != tuple(y.shape):
        imp.fail(op, f"output shape {s.data.reshape(-1).tolist()} differs from the output tensor's {list(y.shape)}")
    if len(x.shape) != 4 or len(y.shape) != 4 or w.shape[3] != x.shape[3] or w.shape[0] != y.shape[3]:
        imp.fail(op, f"shapes input {x.shape}, filters {w.shape}, output {y.shape} do not fit")
    attrs = {}
    for ax, (size, k, st, n_in) in enumerate(zip(y.shape[1:3], w.shape[1:3], (sh, sw), x.shape[1:3])):
        before = _tconv_pad(pad, size, k, st)
        after = (n_in - 1) * st + k - before - size
        attrs.setdefault("pads", [0, 0, 0, 0])
        attrs.setdefault("output_padding", [0, 0])
        attrs["pads"][ax] = before
        attrs["pads"][2 + ax] = max(after, 0)
        attrs["output_padding"][ax] = max(-after, 0)
    if imp.float_model:  # float32 filters and bias (conv_transpose2d_f32)
        ins = [imp.act(op.inputs[2]), imp.fconst(op, op.inputs[1], "filters")]
        if b is not None:
            ins.append(imp.fconst(op, op.inputs[3], "bias"))
        imp.node(op, "conv_transpose2d", ins, op.outputs[0], strides=(sh, sw), pads=tuple(attrs["pads"]),
                 dilations=(1, 1), groups=1, output_padding=tuple(attrs["output_padding"]))
        return
    if x.type == "int8":  # an int8 model (ops_conv.HANDLERS): TFLite's int8 kernel takes an int32 bias
        if b is not None and (b.data is None or b.type != "int32"):
            imp.fail(op, f"bias {b.name!r} of type {b.type}: int8 transposed convolutions take int32 biases")
        bias = [] if b is None else [imp.const(b, b.data.astype(np.int32), imp.fmt(b, 0), "")]
    else:
        bias = _bias64(imp, op, b)
    ins = [imp.act(op.inputs[2]), _filters(imp, op, w)] + bias
    imp.node(op, "conv_transpose2d", ins, op.outputs[0], strides=(sh, sw), pads=tuple(attrs["pads"]),
             dilations=(1, 1), groups=1, output_padding=tuple(attrs["output_padding"]))


def _pot(scale: float) -> bool:
    m, _ = math.frexp(float(np.float32(scale)))
    return m == 0.5


def add_sub(imp, op):
    o = op.options
    act = o.scalar(0, "b") if o is not None else 0
    pot_flag = bool(o.scalar(1, "b", 1)) if o is not None else True
    ts = [imp.tensors[i] for i in op.inputs[:2] + op.outputs[:1]]
    if pot_flag and all(_pot(t.scale[0]) and int(t.zero_point[0]) == 0 for t in ts):
        imp.fail(op, "power-of-two int16 scales with pot_scale_int16 set: LiteRT and TFLite Micro compute this "
                     "differently (not supported)")
    for t in ts[:2]:
        if len(t.shape) > 4:
            imp.fail(op, f"operand {t.name!r} has rank > 4")
    imp.node(op, op.code.lower(), [_const16(imp, i) for i in op.inputs[:2]], op.outputs[0], **_act_attrs(imp, op, act))


def leaky_relu(imp, op):
    alpha = op.options.scalar(0, "f", 0.0) if op.options is not None else 0.0
    if not alpha >= 0:
        imp.fail(op, f"alpha {alpha} < 0 is not supported")
    imp.node(op, "leaky_relu", [imp.act(op.inputs[0])], op.outputs[0], alpha=float(alpha))


def _slice_axis(size: int, begin: int, end: int, stride: int, bmask: bool, emask: bool, shrink: bool):
    """TFLite's StartForAxis / StopForAxis: (start, count)."""
    big = 1 << 40
    start = (-big if stride > 0 else big) if bmask else begin
    if start < 0:
        start += size
    start = min(max(start, 0), size) if stride > 0 else min(max(start, -1), size - 1)
    if shrink:
        stop = start + 1
    else:
        stop = (big if stride > 0 else -big) if emask else end
        if stop < 0:
            stop += size
        stop = min(max(stop, 0), size) if stride > 0 else min(max(stop, -1), size - 1)
    n = -(-(stop - start) // stride) if stride > 0 else -(-(start - stop) // -stride)
    return start, max(n, 0)


def strided_slice(imp, op):
    o = _options(imp, op)
    x, y = imp.tensors[op.inputs[0]], imp.tensors[op.outputs[0]]
    consts = [imp.tensors[i] for i in op.inputs[1:4]]
    if any(c.data is None for c in consts):
        imp.fail(op, "begin, end and strides must be constant")
    begin, end, strides = (np.asarray(c.data).reshape(-1).astype(np.int64) for c in consts)
    bm, em, ell, new, shrink = (o.scalar(k, "i") for k in range(5))
    if ell or new or o.scalar(5, "b"):
        imp.fail(op, "ellipsis / new-axis masks and offset mode are not supported")
    r = len(x.shape)
    if not len(begin) == len(end) == len(strides) == r or r > 6:
        imp.fail(op, f"begin / end / strides do not fit rank {r}")
    if np.any(strides == 0):
        imp.fail(op, "a stride is 0")
    starts, sizes = [], []
    for k in range(r):
        s0, n = _slice_axis(x.shape[k], int(begin[k]), int(end[k]), int(strides[k]), bool(bm >> k & 1),
                            bool(em >> k & 1), bool(shrink >> k & 1))
        if n == 0:
            imp.fail(op, f"axis {k} slices to nothing (empty outputs are not supported)")
        starts.append(s0)
        sizes.append(n)
    kept = tuple(n for k, n in enumerate(sizes) if not shrink >> k & 1)
    if int(np.prod(kept)) != int(np.prod(y.shape)) or (kept != tuple(y.shape) and len(kept) == len(y.shape)):
        imp.fail(op, f"the slice has shape {kept}, the output tensor {tuple(y.shape)}")
    g = imp.g
    if tuple(sizes) == tuple(y.shape):
        imp.node(op, "strided_slice", [imp.act(op.inputs[0])], op.outputs[0], begin=tuple(starts),
                 strides=tuple(int(v) for v in strides), size=tuple(sizes))
        return
    mid = g.unique_name(f"{y.name}_slice")
    g.add_tensor(Tensor(mid, tuple(sizes), imp.fmt(y)))
    g.add_node(Node(g.unique_name(f"strided_slice_{op.index}"), "strided_slice", [imp.act(op.inputs[0])], [mid],
                    {"begin": tuple(starts), "strides": tuple(int(v) for v in strides), "size": tuple(sizes)}))
    g.add_node(Node(g.unique_name(f"reshape_{op.index}"), "reshape", [mid], [imp.act(op.outputs[0])],
                    {"shape": tuple(y.shape)}))


def quantize(imp, op):
    x, y = imp.tensors[op.inputs[0]], imp.tensors[op.outputs[0]]
    if x.type == "float32":
        imp.node(op, "quantize", [imp.act(op.inputs[0])], op.outputs[0])
        return
    if (x.type, y.type) not in (("int16", "int16"), ("int32", "int16"), ("int16", "int32")):
        imp.fail(op, f"QUANTIZE from {x.type} to {y.type} is not supported")
    imp.node(op, "requantize", [imp.act(op.inputs[0])], op.outputs[0])


def dequantize(imp, op):
    if imp.tensors[op.inputs[0]].type != "int16":
        imp.fail(op, "DEQUANTIZE of int16 only")
    imp.node(op, "dequantize", [imp.act(op.inputs[0])], op.outputs[0])


HANDLERS = {
    "CONV_2D": conv, "TRANSPOSE_CONV": transpose_conv, "ADD": add_sub, "SUB": add_sub, "LEAKY_RELU": leaky_relu,
    "PAD": shape_pad, "PADV2": shape_pad, "STRIDED_SLICE": strided_slice, "RESHAPE": shape_reshape,
    "SQUEEZE": shape_reshape, "EXPAND_DIMS": shape_reshape, "QUANTIZE": quantize, "DEQUANTIZE": dequantize,
}


# ---------------------------------------------------------------- the model

def load_int16(imp) -> Graph:
    check(imp)
    g = imp.g
    shape_in = _shape_inputs(imp)
    real = [i for i in imp.inputs if i not in shape_in]
    if not real:
        raise GraphError(f"{imp.src}: the model has no input besides TRANSPOSE_CONV output shapes")
    g.inputs = [imp.act(real[0])] if len(real) == 1 else [join_inputs(imp, real)]
    if shape_in:
        g.meta["folded_inputs"] = [{"name": imp.tensors[i].name, "why": "TRANSPOSE_CONV output shape: the output "
                                    "tensor's static shape is used"} for i in sorted(shape_in)]
    for op in imp.ops:
        imp.current = op
        HANDLERS[op.code](imp, op)
    imp.current = None
    g.outputs = [imp.act(imp.outputs[0])]
    g.meta["source"] = "tflite"
    g.meta["input_type"] = imp.tensors[real[0]].type
    g.meta["quantization"] = {
        "scheme": "int16x8", "bits": 16, "rounding": "double", "average_rounding": "half_away", "softmax": "tflite",
        "policy": "formats from the TFLite model (no recalibration); TFLite's reference 16x8 kernels' arithmetic: "
                  "int64 accumulators rescaled by TFLite's 64-bit multiplier, element-wise rescaling with "
                  "TFLite's fixed-point multipliers (double rounding)",
        "float_layers": [], "source": "tflite"}
    g.remove_unused()
    return check_graph(g, "TFLite 16x8 import")
