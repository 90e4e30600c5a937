"""Float reference semantics of every IR op (numpy, float64 inside).

This module is the definition of what an op computes; the float C kernels,
the integer twins and the frontends are all checked against it.
"""
from __future__ import annotations

from typing import Callable, Dict

import numpy as np

from ..ir.ops import fused_act_bounds


def apply_act(y: np.ndarray, attrs: dict) -> np.ndarray:
    if attrs.get("act") == "leaky_relu":
        return np.where(y >= 0, y, y * attrs["alpha"])
    lo, hi = fused_act_bounds(attrs)
    if lo == -np.inf and hi == np.inf:
        return y
    return np.clip(y, lo, hi)


def im2col(x: np.ndarray, kh: int, kw: int, strides, pads, dilations, pad_value=0.0):
    """NHWC -> (N, OH, OW, KH, KW, C) patches."""
    n, h, w, c = x.shape
    sh, sw = strides
    pt, pl, pb, pr = pads
    dh, dw = dilations
    xp = np.full((n, h + pt + pb, w + pl + pr, c), pad_value, dtype=x.dtype)
    xp[:, pt:pt + h, pl:pl + w, :] = x
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (w + pl + pr - dw * (kw - 1) - 1) // sw + 1
    iy = (np.arange(oh) * sh)[:, None] + np.arange(kh)[None, :] * dh  # (OH, KH)
    ix = (np.arange(ow) * sw)[:, None] + np.arange(kw)[None, :] * dw  # (OW, KW)
    return xp[:, iy[:, None, :, None], ix[None, :, None, :], :]       # (N, OH, OW, KH, KW, C)


def conv2d_raw(x, w, attrs) -> np.ndarray:
    """Sum of products of a grouped conv, before bias: (N, OH, OW, Cout)."""
    g = attrs["groups"]
    cout, kh, kw, cin_g = w.shape
    cols = im2col(x, kh, kw, attrs["strides"], attrs["pads"], attrs["dilations"])
    n, oh, ow = cols.shape[:3]
    cols = cols.reshape(n, oh, ow, kh, kw, g, cin_g)
    wg = w.reshape(g, cout // g, kh, kw, cin_g)
    out = np.einsum("nyxhwgc,gohwc->nyxgo", cols, wg, optimize=True)
    return out.reshape(n, oh, ow, cout)


def conv2d(attrs, x, w, b=None):
    y = conv2d_raw(x.astype(np.float64), w.astype(np.float64), attrs)
    if b is not None:
        y = y + b
    return apply_act(y, attrs)


def conv_transpose2d_raw(x, w, attrs, out_hw) -> np.ndarray:
    g = attrs["groups"]
    cout, kh, kw, cin_g = w.shape
    n, h, wd, cin = x.shape
    sh, sw = attrs["strides"]
    pt, pl, _, _ = attrs["pads"]
    dh, dw = attrs["dilations"]
    oh, ow = out_hw
    full_h = max((h - 1) * sh + dh * (kh - 1) + 1, pt + oh)
    full_w = max((wd - 1) * sw + dw * (kw - 1) + 1, pl + ow)
    acc = np.zeros((n, full_h, full_w, cout), dtype=np.float64)
    xg = x.reshape(n, h, wd, g, cin_g)
    wg = w.reshape(g, cout // g, kh, kw, cin_g)
    for ky in range(kh):
        for kx in range(kw):
            contrib = np.einsum("nyxgc,goc->nyxgo", xg, wg[:, :, ky, kx, :]).reshape(n, h, wd, cout)
            acc[:, ky * dh: ky * dh + (h - 1) * sh + 1: sh, kx * dw: kx * dw + (wd - 1) * sw + 1: sw, :] += contrib
    return acc[:, pt:pt + oh, pl:pl + ow, :]


def conv_transpose2d(attrs, x, w, b=None, out_shape=None):
    y = conv_transpose2d_raw(x.astype(np.float64), w.astype(np.float64), attrs, out_shape[1:3])
    if b is not None:
        y = y + b
    return apply_act(y, attrs)


def dense(attrs, x, w, b=None):
    y = x.astype(np.float64) @ w.astype(np.float64).T
    if b is not None:
        y = y + b
    return apply_act(y, attrs)


def pool_windows(x, attrs, pad_value):
    kh, kw = attrs["kernel"]
    return im2col(x, kh, kw, attrs["strides"], attrs["pads"], (1, 1), pad_value)


def maxpool(attrs, x):
    return pool_windows(x.astype(np.float64), attrs, -np.inf).max(axis=(3, 4))


def avgpool_counts(shape_hw, attrs) -> np.ndarray:
    """Divisor of every output position: the window size, or the number of
    real (non-pad) elements when count_include_pad is false.  (OH, OW) ints."""
    h, w = shape_hw
    ones = np.ones((1, h, w, 1))
    kh, kw = attrs["kernel"]
    if attrs.get("count_include_pad"):
        cols = im2col(ones, kh, kw, attrs["strides"], attrs["pads"], (1, 1), 1.0)
        # pads beyond the input still count; but ONNX counts only the declared pads, which im2col adds
        return cols.sum(axis=(3, 4, 5))[0].astype(np.int64)
    cols = im2col(ones, kh, kw, attrs["strides"], attrs["pads"], (1, 1), 0.0)
    return cols.sum(axis=(3, 4, 5))[0].astype(np.int64)


def avgpool(attrs, x):
    s = pool_windows(x.astype(np.float64), attrs, 0.0).sum(axis=(3, 4))
    return s / avgpool_counts(x.shape[1:3], attrs)[None, :, :, None]


def global_avgpool(attrs, x):
    return x.astype(np.float64).mean(axis=(1, 2), keepdims=True)


def global_maxpool(attrs, x):
    return x.astype(np.float64).max(axis=(1, 2), keepdims=True)


def add(attrs, a, b):
    return apply_act(a.astype(np.float64) + b, attrs)


def sub(attrs, a, b):
    return apply_act(a.astype(np.float64) - b, attrs)


def mul(attrs, a, b):
    return apply_act(a.astype(np.float64) * b, attrs)


def maximum(attrs, a, b):
    return np.maximum(a.astype(np.float64), b)


def minimum(attrs, a, b):
    return np.minimum(a.astype(np.float64), b)


def concat(attrs, *xs):
    return np.concatenate([x.astype(np.float64) for x in xs], axis=attrs["axis"])


def relu(attrs, x):
    return np.maximum(x.astype(np.float64), 0.0)


def clip(attrs, x):
    lo = -np.inf if attrs["min"] is None else attrs["min"]
    hi = np.inf if attrs["max"] is None else attrs["max"]
    return np.clip(x.astype(np.float64), lo, hi)


def leaky_relu(attrs, x):
    x = x.astype(np.float64)
    return np.where(x >= 0, x, x * attrs["alpha"])


def sigmoid(attrs, x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def tanh(attrs, x):
    return np.tanh(x.astype(np.float64))


def hard_sigmoid(attrs, x):
    return np.clip(attrs["alpha"] * x.astype(np.float64) + attrs["beta"], 0.0, 1.0)


def hard_swish(attrs, x):
    x = x.astype(np.float64)
    return x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def prelu(attrs, x, slope):
    x = x.astype(np.float64)
    return np.where(x >= 0, x, x * slope)


def softmax(attrs, x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=attrs["axis"], keepdims=True))
    return e / e.sum(axis=attrs["axis"], keepdims=True)


def log_softmax(attrs, x):
    x = x.astype(np.float64)
    d = x - x.max(axis=attrs["axis"], keepdims=True)
    return d - np.log(np.exp(d).sum(axis=attrs["axis"], keepdims=True))


def pad(attrs, x):
    p = attrs["pads"]
    widths = [(p[2 * i], p[2 * i + 1]) for i in range(x.ndim)]
    mode = attrs["mode"]
    if mode == "constant":
        return np.pad(x.astype(np.float64), widths, mode="constant", constant_values=attrs["value"])
    return np.pad(x.astype(np.float64), widths, mode={"reflect": "reflect", "edge": "edge"}[mode])


def resize_source_coords(in_size: int, out_size: int, coord: str, scale: float = 0.0) -> np.ndarray:
    """Real source coordinate of every output index (ONNX Resize rules)."""
    o = np.arange(out_size, dtype=np.float64)
    s = scale if scale else out_size / in_size
    if coord == "asymmetric":
        return o / s
    if coord == "half_pixel":
        return (o + 0.5) / s - 0.5
    if coord == "pytorch_half_pixel":
        return (o + 0.5) / s - 0.5 if out_size > 1 else np.zeros(out_size)
    if coord == "align_corners":
        return o * (in_size - 1) / (out_size - 1) if out_size > 1 else np.zeros(out_size)
    if coord == "tf_half_pixel_for_nn":
        return (o + 0.5) / s
    if coord == "half_pixel_symmetric":
        # half_pixel about the centre of the input: differs from half_pixel when out_size != in_size * scale
        offset = in_size / 2.0 * (1.0 - out_size / (s * in_size))
        return offset + (o + 0.5) / s - 0.5
    raise ValueError(f"coordinate_transformation_mode {coord!r}")


TFLITE_NEAREST = {"tflite_asymmetric": (False, False), "tflite_align_corners": (True, False),
                  "tflite_half_pixel": (False, True), "tflite_align_corners_half_pixel": (True, True)}


def tflite_nearest_index(in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> np.ndarray:
    """TFLite's RESIZE_NEAREST_NEIGHBOR source index (reference_ops GetNearestNeighbor), in float32 as TFLite
    computes it: scale = (in - 1) / (out - 1) (align_corners, out > 1) or in / out; v = (o + offset) * scale
    with offset 0.5 for half_pixel_centers; round half away from zero (align_corners) or floor; at most
    in - 1 (and at least 0 with half_pixel_centers)."""
    f = np.float32
    scale = f(f(in_size - 1) / f(out_size - 1)) if align_corners and out_size > 1 else f(f(in_size) / f(out_size))
    o = np.arange(out_size).astype(np.float32)
    v = ((o + f(0.5 if half_pixel else 0.0)).astype(np.float32) * scale).astype(np.float32)
    v = v.astype(np.float64)  # exact: std::round of a float, without float32's rounding of v + 0.5
    i = np.sign(v) * np.floor(np.abs(v) + 0.5) if align_corners else np.floor(v)
    i = np.minimum(i.astype(np.int64), in_size - 1)
    return np.maximum(i, 0) if half_pixel else i


def resize_nearest_index(in_size, out_size, coord, nearest_mode, scale=0.0) -> np.ndarray:
    if coord in TFLITE_NEAREST:
        return tflite_nearest_index(in_size, out_size, *TFLITE_NEAREST[coord])
    c = resize_source_coords(in_size, out_size, coord, scale)
    if nearest_mode == "floor":
        i = np.floor(c)
    elif nearest_mode == "ceil":
        i = np.ceil(c)
    elif nearest_mode == "round_prefer_floor":
        i = np.where(c - np.floor(c) == 0.5, np.floor(c), np.round(c))
    elif nearest_mode == "round_prefer_ceil":
        i = np.where(c - np.floor(c) == 0.5, np.ceil(c), np.round(c))
    else:
        raise ValueError(f"nearest_mode {nearest_mode!r}")
    return np.clip(i, 0, in_size - 1).astype(np.int64)


def resize_linear_taps(in_size, out_size, coord, scale=0.0):
    """(i0, i1, w1) per output index: value = (1-w1)*x[i0] + w1*x[i1]."""
    c = np.clip(resize_source_coords(in_size, out_size, coord, scale), 0, in_size - 1)
    i0 = np.floor(c).astype(np.int64)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return i0, i1, c - i0


def resize(attrs, x):
    n, h, w, c = x.shape
    oh, ow = attrs["size"]
    sc = attrs.get("scales") or (0.0, 0.0)
    x = x.astype(np.float64)
    if attrs["mode"] == "nearest":
        iy = resize_nearest_index(h, oh, attrs["coord"], attrs["nearest_mode"], sc[0])
        ix = resize_nearest_index(w, ow, attrs["coord"], attrs["nearest_mode"], sc[1])
        return x[:, iy][:, :, ix]
    y0, y1, wy = resize_linear_taps(h, oh, attrs["coord"], sc[0])
    x0, x1, wx = resize_linear_taps(w, ow, attrs["coord"], sc[1])
    top = x[:, y0] * (1 - wy)[None, :, None, None] + x[:, y1] * wy[None, :, None, None]
    return top[:, :, x0] * (1 - wx)[None, None, :, None] + top[:, :, x1] * wx[None, None, :, None]


def reshape(attrs, x):
    return x.reshape(attrs["shape"])


def transpose(attrs, x):
    return np.transpose(x, attrs["perm"])


def mean(attrs, x):
    return x.astype(np.float64).mean(axis=tuple(a % x.ndim for a in attrs["axes"]), keepdims=bool(attrs["keepdims"]))


def format_change(attrs, x):
    """quantize / dequantize / requantize: the identity on real values."""
    return x


def channel_shuffle(attrs, x):
    g = attrs["groups"]
    c = x.shape[-1]
    return x.reshape(x.shape[:-1] + (g, c // g)).swapaxes(-1, -2).reshape(x.shape)


def strided_slice(attrs, x):
    """x[b0 + i0 * s0, b1 + i1 * s1, ...] (see ir/ops.py strided_slice)."""
    idx = np.ix_(*[b + st * np.arange(n) for b, st, n in zip(attrs["begin"], attrs["strides"], attrs["size"])])
    return np.asarray(x)[idx]


FLOAT_OPS: Dict[str, Callable] = {
    "conv2d": conv2d, "conv_transpose2d": conv_transpose2d, "dense": dense, "maxpool": maxpool,
    "avgpool": avgpool, "global_avgpool": global_avgpool, "global_maxpool": global_maxpool, "add": add,
    "sub": sub, "mul": mul, "maximum": maximum, "minimum": minimum, "concat": concat, "relu": relu, "clip": clip, "leaky_relu": leaky_relu,
    "sigmoid": sigmoid, "tanh": tanh, "hard_sigmoid": hard_sigmoid, "hard_swish": hard_swish, "prelu": prelu,
    "softmax": softmax, "pad": pad, "resize": resize, "reshape": reshape, "transpose": transpose,
    "channel_shuffle": channel_shuffle, "quantize": format_change, "dequantize": format_change,
    "requantize": format_change, "log_softmax": log_softmax, "mean": mean, "strided_slice": strided_slice,
}

