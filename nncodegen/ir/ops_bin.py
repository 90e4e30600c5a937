"""IR ops of binarized networks (registered into ops.SCHEMAS).

All values are real numbers, like every other IR op; the number formats
(formats.BinaryFormat / TernaryFormat) say how they are stored.

``bconv2d`` (x NHWC, w (Cout, KH, KW, Cin/groups)) and ``bdense`` (x (N, K),
w (M, K)) are layers whose weights are exactly -1/+1 (binary) or -1/0/+1
(ternary) and whose input is either {-1, +1} (XNOR layers) or a Q-format
map (binary-weight first layers, BinaryConnect).  First

    acc = conv(x, w)  (or x @ w.T)

with the input padded by ``pad_value``: 0 is zero padding (padded taps add
nothing, which a {-1, +1} map cannot express: the kernels count only the
valid taps), +1 and -1 pad with that value.  Then the epilogue:

* ``epilogue="threshold"``, inputs (x, w, thr): y = +1 if acc >= thr[c]
  else -1.  The binarize pass computes thr exactly from batch norm, scales
  and sign, and negates the weights of channels whose slope is negative,
  so every channel compares the same way.
* ``epilogue="affine"``, inputs (x, w, scale, bias[, residual][, slope]):
  y = act(scale[c] * acc + bias[c] + residual), act "none", "relu" or
  "prelu" (slope[c] for negative values).  ``residual`` (attr) says whether
  a residual input (same shape as y) is present.

``sign``: y = +1 if x >= 0 else -1 (QONNX BipolarQuant, Brevitas binary
sign: sign(0) = +1).  ``unpack``: y = x, a {-1, +1} tensor moved into a
Q-format or float tensor.  ``batchnorm`` (x, gamma, beta, mean, var; last
axis): (x - mean) / sqrt(var + epsilon) * gamma + beta, kept apart by the
QONNX importer so that thresholds can be computed exactly from the
float32 parameters.
"""
from __future__ import annotations

from .ops import SCHEMAS, OpSchema, _conv2d, _need

BIN_ACTS = ("none", "relu", "prelu")
EPILOGUES = ("threshold", "affine")
_BCONV = {"strides": (1, 1), "pads": (0, 0, 0, 0), "dilations": (1, 1), "groups": 1, "pad_value": 0.0,
          "epilogue": "threshold", "act": "none", "residual": False}
_BDENSE = {"epilogue": "threshold", "act": "none", "residual": False}


def n_epilogue_inputs(attrs) -> int:
    if attrs["epilogue"] == "threshold":
        return 1
    return 2 + int(bool(attrs["residual"])) + int(attrs["act"] == "prelu")


def _check_epilogue(node, s, out_shape):
    a = node.attrs
    _need(a["epilogue"] in EPILOGUES, node, f"unknown epilogue {a['epilogue']!r}")
    _need(a["act"] in BIN_ACTS, node, f"unknown activation {a['act']!r} (none, relu, prelu)")
    _need(a["epilogue"] == "affine" or (a["act"] == "none" and not a["residual"]), node,
          "a threshold epilogue takes no activation or residual")
    _need(len(s) == 2 + n_epilogue_inputs(a), node,
          f"epilogue {a['epilogue']} (act {a['act']}, residual {a['residual']}) takes "
          f"{2 + n_epilogue_inputs(a)} inputs, got {len(s)}")
    cout = out_shape[-1]
    vecs = s[2:4] if a["epilogue"] == "affine" else s[2:3]
    if a["act"] == "prelu":
        vecs = list(vecs) + [s[-1]]
    for v in vecs:
        _need(tuple(v) == (cout,), node, f"per-channel epilogue vector of shape {v}, expected ({cout},)")
    if a["residual"]:
        _need(tuple(s[4]) == tuple(out_shape), node, f"residual {s[4]} does not match the output {out_shape}")


def _bconv2d(node, s):
    _need(node.attrs["pad_value"] in (0.0, 1.0, -1.0), node,
          f"pad_value must be 0, +1 or -1, got {node.attrs['pad_value']}")
    a = dict(node.attrs)
    (shape,) = _conv2d(node, s[:2])
    _check_epilogue(node, s, shape)
    del a
    return [shape]


def _bdense(node, s):
    x, w = s[0], s[1]
    _need(len(x) == 2 and len(w) == 2 and x[1] == w[1], node, f"input {x} does not match weight {w}")
    shape = (x[0], w[0])
    _check_epilogue(node, s, shape)
    return [shape]


def _same(node, s):
    return [tuple(s[0])]


def _batchnorm(node, s):
    c = s[0][-1] if s[0] else 1
    for v in s[1:]:
        _need(tuple(v) == (c,), node, f"batch norm parameter of shape {v}, expected ({c},)")
    return [tuple(s[0])]


SCHEMAS["bconv2d"] = OpSchema("bconv2d", (3, 6), _BCONV, _bconv2d)
SCHEMAS["bdense"] = OpSchema("bdense", (3, 6), _BDENSE, _bdense)
SCHEMAS["sign"] = OpSchema("sign", (1, 1), {}, _same)
SCHEMAS["unpack"] = OpSchema("unpack", (1, 1), {}, _same)
SCHEMAS["batchnorm"] = OpSchema("batchnorm", (5, 5), {"epsilon": 1e-5}, _batchnorm)

BINARY_LAYER_OPS = ("bconv2d", "bdense")
