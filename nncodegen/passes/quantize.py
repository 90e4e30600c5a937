"""Post-training quantization of a float Graph to Q-format (q7 or q15).

Policy (stated in every report):
* Activations: one format per tensor.  The float reference runs on the
  calibration batch.  8-bit: the candidate fracs are f0 (the largest frac
  whose range holds the observed max |x|), f0+1 and f0+2, and the one with
  the smallest mean squared quantization error over the calibration values
  wins (it may clip rare outliers when that lowers the error).  16-bit: f0
  (max-abs): precision is plentiful, and clipping outliers the calibration
  set barely shows cost far more than it saves (measured on the MNIST
  example: max logit error 0.7 with MSE choice, 0.005 with max-abs).
* Ops that move data without arithmetic (max pools, pad, reshape, transpose,
  channel shuffle, nearest resize) and averaging ops keep their input's
  format; sigmoid-like outputs take frac = bits-1.
* Weights: per output channel, the largest frac that holds the channel's
  max |w|.  Biases: int32 with frac = frac_in + frac_w[c]; a channel whose
  bias would overflow int32 gets a smaller weight frac.
* Merge points (add, sub, concat) rescale every input to the output format
  explicitly; nothing forces a shared format.
"""
from __future__ import annotations

import math
from typing import Dict

import numpy as np

from ..ir.checker import check_graph
from ..ir.formats import QFormat
from ..ir.graph import Graph, GraphError
from ..ref.interpreter import run_float

SCHEMES = {"q7": 8, "q15": 16}
FRAC_RANGE = (-16, 30)
KEEP_FORMAT = {"maxpool", "global_maxpool", "pad", "reshape", "transpose", "channel_shuffle", "avgpool",
               "global_avgpool", "resize"}
UNIT_RANGE = {"sigmoid", "hard_sigmoid", "softmax"}
SYMMETRIC_UNIT = {"tanh"}


def max_abs_frac(max_abs: float, bits: int) -> int:
    """Largest frac with round(max_abs * 2^frac) <= 2^(bits-1) - 1."""
    if not np.isfinite(max_abs):
        raise GraphError(f"non-finite value {max_abs} met while choosing a number format")
    if max_abs <= 0:
        return bits - 1
    qmax = (1 << (bits - 1)) - 1
    f = bits - 1 - int(math.ceil(math.log2(max_abs)))
    while np.floor(max_abs * 2.0 ** f + 0.5) > qmax:
        f -= 1
    return int(np.clip(f, *FRAC_RANGE))


def mse_frac(values: np.ndarray, bits: int) -> int:
    v = np.asarray(values, dtype=np.float64).ravel()
    if bits >= 16:
        return max_abs_frac(float(np.max(np.abs(v))) if v.size else 0.0, bits)
    if v.size > 200_000:
        v = np.random.default_rng(0).choice(v, 200_000, replace=False)
    f0 = max_abs_frac(float(np.max(np.abs(v))) if v.size else 0.0, bits)
    best, best_err = f0, None
    for f in (f0, f0 + 1, f0 + 2):
        if f > FRAC_RANGE[1]:
            break
        q = QFormat(bits, f)
        err = float(np.mean((q.dequantize(q.quantize(v)).astype(np.float64) - v) ** 2))
        if best_err is None or err < best_err * 0.999:
            best, best_err = f, err
    return best


def quantize_weights(w: np.ndarray, bits: int, axis: int = 0):
    """Per-output-channel fracs and integer weights."""
    wc = np.moveaxis(np.asarray(w, dtype=np.float64), axis, 0).reshape(w.shape[axis], -1)
    fracs = [max_abs_frac(float(np.max(np.abs(row))) if row.size else 0.0, bits) for row in wc]
    fmt = QFormat(bits, tuple(fracs), axis)
    return fmt, fmt.quantize(w)


def quantize_graph(graph: Graph, calib: np.ndarray, scheme: str = "q7") -> Graph:
    if scheme not in SCHEMES:
        raise GraphError(f"unknown quantization scheme {scheme!r} (choose q7 or q15)")
    if graph.is_quantized:
        return graph.copy()
    bits = SCHEMES[scheme]
    g = graph.copy()
    calib = np.asarray(calib, dtype=np.float32)
    _, trace = run_float(g, calib, trace=True)
    fmt: Dict[str, QFormat] = {}
    inp = g.inputs[0]
    fmt[inp] = QFormat(bits, mse_frac(trace[inp], bits))
    for node in g.nodes:
        out = node.outputs[0]
        x_fmt = fmt.get(node.inputs[0])
        if node.op in KEEP_FORMAT:
            fmt[out] = x_fmt
        elif node.op in UNIT_RANGE:
            fmt[out] = QFormat(bits, bits - 1)
        elif node.op in SYMMETRIC_UNIT:
            fmt[out] = QFormat(bits, bits - 1)
        else:
            fmt[out] = QFormat(bits, mse_frac(trace[out], bits))
        # constants read by this node
        for idx, name in enumerate(node.inputs):
            t = g.tensors[name]
            if not t.is_const or name in fmt and t.qdata is not None:
                continue
            _quantize_const(g, node, idx, t, fmt, bits)
    for name, f in fmt.items():
        g.tensors[name].fmt = f
    g.meta["quantization"] = {"scheme": scheme, "bits": bits,
                              "policy": "activations per tensor, power-of-two scale chosen over the "
                                        f"calibration set ({len(calib)} samples): "
                                        + ("MSE-optimal of max-abs and 1-2 bits finer" if bits == 8 else "max-abs")
                                        + "; weights per output channel, max-abs; bias int32 at frac_in + frac_w"}
    return check_graph(g, "quantize")


def _one_frac(g: Graph, t) -> bool:
    """Weights quantized with one frac for all channels: those a compression tool marks as codebook /
    hashed (``meta["storage_request"]``), and, when the compile compresses (``graph.meta["compress"]``
    not "none"), float weights with at most 256 distinct values (weight sharing).  Without either the
    per-channel policy is unchanged."""
    if t.meta.get("storage_request") in ("codebook", "hashed"):
        return True
    if g.meta.get("compress", "none") == "none" or t.data is None:
        return False
    n = np.unique(np.asarray(t.data, dtype=np.float32)).size
    return n <= 256 and t.size >= 2 * n


def _quantize_const(g: Graph, node, idx: int, t, fmt: Dict[str, QFormat], bits: int) -> None:
    if node.op in ("conv2d", "conv_transpose2d", "dense"):
        if idx == 1:
            wfmt, wq = quantize_weights(t.data, bits, axis=0)
            if _one_frac(g, t) and wfmt.per_channel:
                # shared (codebook / hashed) weights: one frac for the whole tensor, so that equal float
                # values stay equal integers across channels and one codebook / bucket array serves the layer
                wfmt = QFormat(bits, (min(wfmt.frac),) * len(wfmt.frac), 0)
                wq = wfmt.quantize(t.data)
            fin = fmt[node.inputs[0]]
            if len(node.inputs) > 2:
                b = g.tensors[node.inputs[2]].data.astype(np.float64)
                fr = np.array(wfmt.frac)
                # shrink the weight frac of channels whose bias would overflow int32
                while True:
                    bq = np.floor(b * np.power(2.0, int(fin.frac) + fr) + 0.5)
                    bad = np.abs(bq) >= 2 ** 31 - 1
                    if not bad.any():
                        break
                    fr = np.where(bad, fr - 1, fr)
                wfmt = QFormat(bits, tuple(int(f) for f in fr), 0)
                wq = wfmt.quantize(t.data)
            t.fmt, t.qdata = wfmt, wq
            fmt[t.name] = wfmt
        elif idx == 2:
            return  # biases are set below once the weight format is known
        if len(node.inputs) > 2:
            bt = g.tensors[node.inputs[2]]
            wfmt = g.tensors[node.inputs[1]].fmt
            bfrac = tuple(int(fmt[node.inputs[0]].frac) + int(f) for f in wfmt.frac)
            bt.fmt = QFormat(32, bfrac, 0)
            bt.qdata = np.floor(bt.data.astype(np.float64) * np.power(2.0, np.array(bfrac)) + 0.5).astype(np.int32)
            fmt[bt.name] = bt.fmt
    elif node.op == "prelu":
        slope = t.data.astype(np.float64)
        f = min(max_abs_frac(float(np.max(np.abs(slope))), 16), 15)
        t.fmt = QFormat(16, f)
        t.qdata = t.fmt.quantize(slope)
        fmt[t.name] = t.fmt
    else:  # add/sub/mul/concat operands that are constants
        v = t.data.astype(np.float64)
        t.fmt = QFormat(bits, max_abs_frac(float(np.max(np.abs(v))) if v.size else 0.0, bits))
        t.qdata = t.fmt.quantize(v)
        fmt[t.name] = t.fmt
