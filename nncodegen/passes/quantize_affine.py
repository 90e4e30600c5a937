"""Post-training quantization of a float Graph to affine int8 (``--quantize int8``).

Policy (stated in every report), the one of onnxruntime's quantize_static with
CalibrationMethod.MinMax, QuantFormat.QDQ, per_channel=True, int8 weights and
int8 activations:
* Activations: one format per tensor from the calibration batch's min and
  max, widened to hold 0: scale = (max - min) / 255, zero point
  round(-128 - min / scale).  Ops that only move data (max pools, pad,
  reshape, transpose, channel shuffle, nearest resize) and average pools keep
  their input's format (TFLite and onnxruntime's QDQ quantizer do the same).
  Sigmoid outputs get scale 1/256 and zero point -128, softmax outputs too,
  tanh 1/128 and 0 (TFLite's fixed output formats).
* Weights: per output channel, symmetric: scale max|w| / 127, zero point 0,
  integers clipped to [-127, 127].  Biases: int32 at scale s_in * s_w[c].
  Constant operands of add / sub / mul / concat: per tensor, min/max like an
  activation; PReLU slopes: per tensor, symmetric.
* A layer without an int8 kernel (transposed conv, bilinear resize, ...)
  runs in float between a dequantize and a quantize layer; a fused leaky
  ReLU is split off again and runs as a table.
* Requantization: TFLite's fixed-point multipliers, ``rounding`` "double"
  (TFLite's default) or "single".

The helpers here (formats from ranges, weight / bias quantization, float
islands) are shared with the QDQ importer (frontends/onnx_qdq.py).
"""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np

from ..ir.checker import check_graph
from ..ir.formats import FLOAT32, AffineFormat
from ..ir.graph import Graph, GraphError, Node, Tensor

SAME_FORMAT = {"maxpool", "global_maxpool", "pad", "reshape", "transpose", "channel_shuffle", "avgpool"}
FIXED_OUTPUT = {"sigmoid": (1.0 / 256, -128), "hard_sigmoid": (1.0 / 256, -128), "softmax": (1.0 / 256, -128),
                "tanh": (1.0 / 128, 0)}
FLOAT_ONLY = {"conv_transpose2d"}


def format_from_range(lo: float, hi: float) -> AffineFormat:
    """onnxruntime's asymmetric int8 activation format for the range [lo, hi] (widened to hold 0)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise GraphError(f"non-finite calibration range [{lo}, {hi}]")
    scale = np.float32((hi - lo) / 255.0) if hi > lo else np.float32(1.0)
    zp = int(np.clip(np.rint(-128 - lo / float(scale)), -128, 127))
    return AffineFormat(8, float(scale), zp)


def quantize_weights(w: np.ndarray, axis: int = 0):
    """Per-channel symmetric int8: (format, int8 data)."""
    w = np.asarray(w, dtype=np.float32)
    wc = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
    amax = np.abs(wc).max(axis=1) if wc.size else np.zeros(w.shape[axis])
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    fmt = AffineFormat(8, tuple(float(s) for s in scale), 0, axis)
    q = np.clip(np.rint(w / fmt._bcast(fmt.scale, w.shape, np.float32)), -127, 127).astype(np.int8)
    return fmt, q


def quantize_bias(b: np.ndarray, s_in: float, s_w: np.ndarray):
    """int32 bias at scale float32(s_in * s_w[c]): (format, int32 data)."""
    scale = (np.float32(s_in) * np.asarray(s_w, dtype=np.float32)).astype(np.float32)
    fmt = AffineFormat(32, tuple(float(s) for s in scale), 0, 0)
    q = np.rint(np.asarray(b, dtype=np.float64) / scale.astype(np.float64))
    if np.abs(q).max(initial=0) >= 2 ** 31 - 1:
        raise GraphError("a bias does not fit int32 at scale s_in * s_w")
    return fmt, q.astype(np.int32)


def quantize_const(t: Tensor, symmetric: bool = False) -> None:
    """A per-tensor int8 format for a constant operand (in place)."""
    v = np.asarray(t.data, dtype=np.float32)
    if symmetric:
        amax = float(np.abs(v).max(initial=0.0))
        fmt = AffineFormat(8, amax / 127.0 if amax > 0 else 1.0, 0)
    else:
        fmt = format_from_range(float(v.min(initial=0.0)), float(v.max(initial=0.0)))
    t.fmt, t.qdata = fmt, fmt.quantize(v)


def float_island(g: Graph, node: Node) -> None:
    """Run ``node`` in float: dequantize each affine activation input, quantize the output back to
    its affine format (in place; the output tensor keeps its name and format)."""
    for k, name in enumerate(node.inputs):
        t = g.tensors[name]
        if t.is_const:
            if t.qdata is not None and t.fmt.kind != "float":
                t.qdata, t.fmt = None, FLOAT32
                if t.data is None:
                    raise GraphError(f"node {node.name!r}: constant {name!r} has no float values")
            continue
        if t.fmt.kind == "float":
            continue
        f = g.unique_name(f"{name}_f")
        g.add_tensor(Tensor(f, t.shape, FLOAT32))
        dq = Node(g.unique_name(f"{node.name}_dequant{k}"), "dequantize", [name], [f])
        g.nodes.insert(g.nodes.index(node), dq)
        node.inputs[k] = f
    out = g.tensors[node.outputs[0]]
    if out.fmt.kind != "float":
        f = g.unique_name(f"{out.name}_f")
        g.add_tensor(Tensor(f, out.shape, FLOAT32))
        q = Node(g.unique_name(f"{node.name}_quant"), "quantize", [f], [out.name])
        node.outputs = [f]
        g.nodes.insert(g.nodes.index(node) + 1, q)


def unfuse_leaky(g: Graph) -> None:
    """A fused leaky ReLU becomes its own node again (in place): int8 runs it as a table after the
    layer, whose output then gets its own calibrated format."""
    for node in list(g.nodes):
        if node.attrs.get("act") != "leaky_relu":
            continue
        out = node.outputs[0]
        pre = g.unique_name(out + "_pre")
        g.add_tensor(Tensor(pre, g.tensors[out].shape, FLOAT32))
        node.outputs = [pre]
        alpha = float(node.attrs["alpha"])
        node.attrs.update({"act": "none", "act_min": None, "act_max": None, "alpha": 0.0})
        g.nodes.insert(g.nodes.index(node) + 1, Node(g.unique_name(node.name + "_leaky"), "leaky_relu", [pre], [out],
                                                     {"alpha": alpha}))


def quantize_graph_int8(graph: Graph, calib: np.ndarray, rounding: str = "double") -> Graph:
    from ..lower.lower_s8 import unsupported_reason
    from ..ref.interpreter import run_float
    if graph.is_quantized:
        return graph.copy()
    if rounding not in ("double", "single", "onnxruntime"):
        raise GraphError(f"rounding {rounding!r}: choose 'double', 'single' or 'onnxruntime'")
    g = graph.copy()
    unfuse_leaky(g)
    g = check_graph(g, "unfuse leaky ReLU")
    calib = np.asarray(calib, dtype=np.float32)
    _, trace = run_float(g, calib, trace=True)

    def rng_fmt(name):
        v = trace[name]
        return format_from_range(float(v.min()), float(v.max()))

    fmt: Dict[str, AffineFormat] = {g.inputs[0]: rng_fmt(g.inputs[0])}
    islands = []
    for node in g.nodes:
        out = node.outputs[0]
        x_fmt: Optional[AffineFormat] = fmt.get(node.inputs[0])
        if node.op in SAME_FORMAT or (node.op == "resize" and node.attrs.get("mode") == "nearest"):
            fmt[out] = x_fmt
        elif node.op in FIXED_OUTPUT:
            s, z = FIXED_OUTPUT[node.op]
            fmt[out] = AffineFormat(8, s, z)
        else:
            fmt[out] = rng_fmt(out)
        for k, name in enumerate(node.inputs):
            t = g.tensors[name]
            if t.is_const and t.qdata is None:
                if node.op in ("conv2d", "dense", "conv_transpose2d") and k == 1:
                    t.fmt, t.qdata = quantize_weights(t.data, 0)
                elif node.op in ("conv2d", "dense", "conv_transpose2d") and k == 2:
                    pass  # below, once the weight scales are known
                else:
                    quantize_const(t, symmetric=(node.op == "prelu"))
        if node.op in ("conv2d", "dense", "conv_transpose2d") and len(node.inputs) > 2:
            bt = g.tensors[node.inputs[2]]
            wt = g.tensors[node.inputs[1]]
            bt.fmt, bt.qdata = quantize_bias(bt.data, fmt[node.inputs[0]].scale, wt.fmt.scales(wt.shape[0]))
        if node.op in FLOAT_ONLY or unsupported_reason(g, node) is not None:
            islands.append(node)
    for name, f in fmt.items():
        g.tensors[name].fmt = f
    for node in islands:
        float_island(g, node)
    g.meta["quantization"] = {
        "scheme": "int8", "bits": 8, "rounding": rounding,
        "policy": "affine int8 (onnxruntime MinMax): activations per tensor from the calibration min/max "
                  f"({len(calib)} samples), weights per output channel symmetric, bias int32 at s_in*s_w; "
                  f"TFLite fixed-point requantization, {rounding} rounding"
                  + (f"; in float: {', '.join(n.name for n in islands)}" if islands else "")}
    return check_graph(g, "quantize int8")
