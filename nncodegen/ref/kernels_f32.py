"""Numpy twins of the float C kernels (templates_c/kernels/*_f32.c).

One function per C kernel, with the C name and the C argument order and names,
taking the parameter dataclasses of ``nncodegen.lower.params`` and numpy arrays.
The output pointer is dropped and the output returned instead (float32), except
for ``concat_part_f32``, which writes a slice of an existing buffer: it takes
that buffer and returns an updated copy.  ``result.reshape(-1)`` is the C
output buffer.

The twins are thin adapters from the kernel-call form to the op semantics in
``float_ops`` (float64 inside, rounded to float32 once at the end); the C,
which accumulates in float32, matches them within float32 rounding.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..lower.params import ActF32, Broadcast, ConvGeom, DenseGeom, Pad, Prelu, Rescale, Resize, Transpose
from . import float_ops


def _f64(a) -> np.ndarray:
    """What the C sees (float32), widened to float64 for the reference math."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).astype(np.float32)


def act_epilogue(y: np.ndarray, act: Optional[ActF32]) -> np.ndarray:
    """The fused activation of nnc_act_f32: y < 0 ? y * leaky : y, then clamp (None: identity)."""
    if act is None:
        return y
    leaky, lo, hi = (float(np.float32(v)) for v in (act.leaky, act.out_min, act.out_max))
    y = np.where(y < 0, y * leaky, y)
    return np.minimum(np.maximum(y, lo), hi)


def _pad_after(out: int, size: int, k_eff: int, stride: int, before: int) -> int:
    """Smallest end padding giving at least `out` windows (the C derives nothing else)."""
    return max(0, (out - 1) * stride + k_eff - before - size)


def _window_attrs(g: ConvGeom, dilated: bool) -> dict:
    dh, dw = (g.dil_h, g.dil_w) if dilated else (1, 1)
    pb = _pad_after(g.out_h, g.in_h, dh * (g.k_h - 1) + 1, g.stride_h, g.pad_top)
    pr = _pad_after(g.out_w, g.in_w, dw * (g.k_w - 1) + 1, g.stride_w, g.pad_left)
    return {"strides": (g.stride_h, g.stride_w), "pads": (g.pad_top, g.pad_left, pb, pr),
            "dilations": (dh, dw), "groups": g.groups, "kernel": (g.k_h, g.k_w)}


def _nhwc_in(g: ConvGeom, input) -> np.ndarray:
    return _f64(input).reshape(-1)[:g.batch * g.in_h * g.in_w * g.in_c].reshape(g.batch, g.in_h, g.in_w, g.in_c)


def _conv_w(g: ConvGeom, weights) -> np.ndarray:
    cin_g = g.in_c // g.groups
    return _f64(weights).reshape(-1)[:g.out_c * g.k_h * g.k_w * cin_g].reshape(g.out_c, g.k_h, g.k_w, cin_g)


def _bias(bias, n: int):
    return None if bias is None else _f64(bias).reshape(-1)[:n]


# ---------------------------------------------------------------- MAC kernels

def conv2d_f32(g: ConvGeom, act: Optional[ActF32], input, weights, bias) -> np.ndarray:
    attrs = _window_attrs(g, dilated=True)
    y = float_ops.conv2d_raw(_nhwc_in(g, input), _conv_w(g, weights), attrs)[:, :g.out_h, :g.out_w, :]
    b = _bias(bias, g.out_c)
    if b is not None:
        y = y + b
    return _f32(act_epilogue(y, act))


def conv_transpose2d_f32(g: ConvGeom, act: Optional[ActF32], input, weights, bias) -> np.ndarray:
    attrs = {"strides": (g.stride_h, g.stride_w), "pads": (g.pad_top, g.pad_left, 0, 0),
             "dilations": (g.dil_h, g.dil_w), "groups": g.groups}
    y = float_ops.conv_transpose2d_raw(_nhwc_in(g, input), _conv_w(g, weights), attrs, (g.out_h, g.out_w))
    b = _bias(bias, g.out_c)
    if b is not None:
        y = y + b
    return _f32(act_epilogue(y, act))


def dense_f32(g: DenseGeom, act: Optional[ActF32], input, weights, bias) -> np.ndarray:
    x = _f64(input).reshape(-1)[:g.batch * g.in_features].reshape(g.batch, g.in_features)
    w = _f64(weights).reshape(-1)[:g.out_features * g.in_features].reshape(g.out_features, g.in_features)
    y = float_ops.dense({}, x, w, _bias(bias, g.out_features))
    return _f32(act_epilogue(y, act))


# ---------------------------------------------------------------- pools

def maxpool_f32(g: ConvGeom, input) -> np.ndarray:
    y = float_ops.maxpool(_window_attrs(g, dilated=False), _nhwc_in(g, input))
    return _f32(y[:, :g.out_h, :g.out_w, :])


def avgpool_f32(g: ConvGeom, count_include_pad: int, input) -> np.ndarray:
    attrs = dict(_window_attrs(g, dilated=False), count_include_pad=bool(count_include_pad))
    y = float_ops.avgpool(attrs, _nhwc_in(g, input))
    return _f32(y[:, :g.out_h, :g.out_w, :])


def global_avgpool_f32(g: ConvGeom, input) -> np.ndarray:
    return _f32(float_ops.global_avgpool({}, _nhwc_in(g, input)))


def global_maxpool_f32(g: ConvGeom, input) -> np.ndarray:
    return _f32(float_ops.global_maxpool({}, _nhwc_in(g, input)))


# ---------------------------------------------------------------- element-wise

def gather_strided(buf, shape: Sequence[int], strides: Sequence[int]) -> np.ndarray:
    """buf[sum_k i_k * strides[k]] for every index of `shape` (row-major), as an array of `shape`."""
    shape = tuple(int(s) for s in shape)
    idx = np.zeros(shape, dtype=np.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        view = [1] * len(shape)
        view[k] = n
        idx = idx + (np.arange(n, dtype=np.int64) * int(s)).reshape(view)
    return np.asarray(buf).reshape(-1)[idx]


def _eltwise(op, bc: Broadcast, act, a, b) -> np.ndarray:
    av = gather_strided(_f64(a), bc.shape, bc.a_stride)
    bv = gather_strided(_f64(b), bc.shape, bc.b_stride)
    return _f32(act_epilogue(op({}, av, bv), act))


def add_f32(bc: Broadcast, act: Optional[ActF32], a, b) -> np.ndarray:
    return _eltwise(float_ops.add, bc, act, a, b)


def sub_f32(bc: Broadcast, act: Optional[ActF32], a, b) -> np.ndarray:
    return _eltwise(float_ops.sub, bc, act, a, b)


def mul_f32(bc: Broadcast, act: Optional[ActF32], a, b) -> np.ndarray:
    return _eltwise(float_ops.mul, bc, act, a, b)


def maximum_f32(bc: Broadcast, act: Optional[ActF32], a, b) -> np.ndarray:
    """TFLite's std::max: a < b ? b : a (a on equal operands, -0.0 against +0.0 included)."""
    return _eltwise(lambda _attrs, x, y: np.where(x < y, y, x), bc, act, a, b)


def minimum_f32(bc: Broadcast, act: Optional[ActF32], a, b) -> np.ndarray:
    """TFLite's std::min: b < a ? b : a."""
    return _eltwise(lambda _attrs, x, y: np.where(y < x, y, x), bc, act, a, b)


def _flat(n: int, input) -> np.ndarray:
    return _f64(input).reshape(-1)[:n]


def act_f32(n: int, act: ActF32, input) -> np.ndarray:
    return _f32(act_epilogue(_flat(n, input), act))


def sigmoid_f32(n: int, input) -> np.ndarray:
    return _f32(float_ops.sigmoid({}, _flat(n, input)))


def tanh_f32(n: int, input) -> np.ndarray:
    return _f32(float_ops.tanh({}, _flat(n, input)))


def hard_sigmoid_f32(n: int, alpha: float, beta: float, input) -> np.ndarray:
    attrs = {"alpha": float(np.float32(alpha)), "beta": float(np.float32(beta))}
    return _f32(float_ops.hard_sigmoid(attrs, _flat(n, input)))


def hard_swish_f32(n: int, input) -> np.ndarray:
    return _f32(float_ops.hard_swish({}, _flat(n, input)))


def prelu_f32(p: Prelu, input, slope) -> np.ndarray:
    x = _flat(p.outer * p.channels, input).reshape(p.outer, p.channels)
    return _f32(float_ops.prelu({}, x, _flat(p.channels, slope)))


def softmax_f32(rows: int, cols: int, input) -> np.ndarray:
    x = _flat(rows * cols, input).reshape(rows, cols)
    return _f32(float_ops.softmax({"axis": -1}, x))


def log_softmax_f32(rows: int, cols: int, input) -> np.ndarray:
    x = _flat(rows * cols, input).reshape(rows, cols)
    return _f32(float_ops.log_softmax({"axis": -1}, x))


# ---------------------------------------------------------------- data movement

def concat_part_f32(p: Rescale, input, output) -> np.ndarray:
    """A copy of `output` with this part written: out[o*out_inner + offset + i] = in[o*inner + i]."""
    out = np.array(output, dtype=np.float32, copy=True)
    flat = out.reshape(-1)
    idx = np.arange(p.outer, dtype=np.int64)[:, None] * p.out_inner + p.offset + np.arange(p.inner)[None, :]
    flat[idx] = np.asarray(input, dtype=np.float32).reshape(-1)[:p.outer * p.inner].reshape(p.outer, p.inner)
    return out


_PAD_MODES = {0: "constant", 1: "reflect", 2: "edge"}


def pad_f32(p: Pad, input) -> np.ndarray:
    x = _f64(input).reshape(-1)[:int(np.prod(p.in_shape))].reshape(p.in_shape)
    pads = []
    for k in range(4):
        pads += [p.before[k], p.out_shape[k] - p.in_shape[k] - p.before[k]]
    attrs = {"pads": pads, "mode": _PAD_MODES[p.mode], "value": float(np.float32(p.value_f32))}
    return _f32(float_ops.pad(attrs, x))


def _resize_in(p: Resize, input) -> np.ndarray:
    n = p.batch * p.in_h * p.in_w * p.channels
    return _f64(input).reshape(-1)[:n].reshape(p.batch, p.in_h, p.in_w, p.channels)


def resize_nearest_f32(p: Resize, input) -> np.ndarray:
    x = _resize_in(p, input)
    iy = np.asarray(p.y0[:p.out_h], dtype=np.int64)
    ix = np.asarray(p.x0[:p.out_w], dtype=np.int64)
    return _f32(x[:, iy][:, :, ix])


def resize_bilinear_f32(p: Resize, input) -> np.ndarray:
    x = _resize_in(p, input)
    y0, y1 = (np.asarray(t[:p.out_h], dtype=np.int64) for t in (p.y0, p.y1))
    x0, x1 = (np.asarray(t[:p.out_w], dtype=np.int64) for t in (p.x0, p.x1))
    wy = _f64(p.wf_y[:p.out_h])[None, :, None, None]   # the C reads the weights as float
    wx = _f64(p.wf_x[:p.out_w])[None, None, :, None]

    def row(r):
        xr = x[:, r]
        return xr[:, :, x0] * (1 - wx) + xr[:, :, x1] * wx

    return _f32(row(y0) * (1 - wy) + row(y1) * wy)


def transpose_f32(p: Transpose, input) -> np.ndarray:
    return gather_strided(np.asarray(input, dtype=np.float32), p.out_shape, p.in_stride)


def strided_slice_f32(p, input) -> np.ndarray:
    """A strided copy of float32 values (strided_slice_f32.c; the index arithmetic of kernels_s8_data.strided_slice)."""
    from .kernels_s8_data import strided_slice
    return strided_slice(p, np.asarray(input, dtype=np.float32).reshape(-1), "strided_slice_f32")
