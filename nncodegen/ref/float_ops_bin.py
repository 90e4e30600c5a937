"""Float reference semantics of the binary IR ops (see ir/ops_bin.py),
registered into float_ops.FLOAT_OPS.  float64 inside, like every float op."""
from __future__ import annotations

import numpy as np

from .float_ops import FLOAT_OPS, im2col


def bconv_acc(x, w, attrs) -> np.ndarray:
    """conv(x, w) with the input padded by attrs["pad_value"]: (N, OH, OW, Cout)."""
    g = attrs["groups"]
    cout, kh, kw, cin_g = w.shape
    cols = im2col(np.asarray(x, np.float64), kh, kw, attrs["strides"], attrs["pads"], attrs["dilations"],
                  float(attrs["pad_value"]))
    n, oh, ow = cols.shape[:3]
    cols = cols.reshape(n, oh, ow, kh, kw, g, cin_g)
    wg = np.asarray(w, np.float64).reshape(g, cout // g, kh, kw, cin_g)
    return np.einsum("nyxhwgc,gohwc->nyxgo", cols, wg, optimize=True).reshape(n, oh, ow, cout)


def epilogue(attrs, acc, *p):
    if attrs["epilogue"] == "threshold":
        return np.where(acc >= p[0], 1.0, -1.0)
    y = acc * p[0] + p[1]
    k = 2
    if attrs["residual"]:
        y = y + p[k]
        k += 1
    if attrs["act"] == "relu":
        y = np.maximum(y, 0.0)
    elif attrs["act"] == "prelu":
        y = np.where(y >= 0, y, y * p[k])
    return y


def bconv2d(attrs, x, w, *p):
    return epilogue(attrs, bconv_acc(x, w, attrs), *p)


def bdense(attrs, x, w, *p):
    acc = np.asarray(x, np.float64) @ np.asarray(w, np.float64).T
    return epilogue(attrs, acc, *p)


def sign(attrs, x):
    return np.where(np.asarray(x) >= 0, 1.0, -1.0)


def unpack(attrs, x):
    return np.asarray(x, np.float64)


def batchnorm(attrs, x, gamma, beta, mean, var):
    return (np.asarray(x, np.float64) - mean) / np.sqrt(var + attrs["epsilon"]) * gamma + beta


FLOAT_OPS.update({"bconv2d": bconv2d, "bdense": bdense, "sign": sign, "unpack": unpack, "batchnorm": batchnorm})
