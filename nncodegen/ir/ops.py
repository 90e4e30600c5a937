"""Op schemas of the IR: inputs, attributes with defaults, and shape rules.

Layout conventions (all ops):
  activations   NHWC (4-D) or (N, features) (2-D)
  conv2d        w (Cout, KH, KW, Cin/groups), b (Cout,)
  conv_transpose2d  w (Cout, KH, KW, Cin/groups), b (Cout,)
                out[oy] gathers in[iy] where oy = iy*stride - pad_top + ky*dilation
  dense         x (N, K), w (M, K), b (M,)
  pads          (top, left, bottom, right) for conv and pool ops;
                for ``pad`` one (begin, end) pair per axis
  act           fused activation of conv2d/conv_transpose2d/dense/add/sub/mul:
                "none" | "relu" | "relu6" | "clip" (act_min/act_max) | "leaky_relu" (alpha)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from .graph import Graph, GraphError, Node

Shape = Tuple[int, ...]

ACTS = ("none", "relu", "relu6", "clip", "leaky_relu")
ACT_DEFAULTS = {"act": "none", "act_min": None, "act_max": None, "alpha": 0.0}


@dataclass
class OpSchema:
    name: str
    n_inputs: Tuple[int, int]  # (min, max)
    attrs: Dict[str, object]
    infer: Callable[[Node, List[Shape]], List[Shape]]
    fused_act: bool = False
    doc: str = ""


SCHEMAS: Dict[str, OpSchema] = {}


def _op(name, n_inputs, attrs=None, fused_act=False, doc=""):
    def deco(fn):
        a = dict(attrs or {})
        if fused_act:
            a.update(ACT_DEFAULTS)
        SCHEMAS[name] = OpSchema(name, n_inputs, a, fn, fused_act, doc)
        return fn
    return deco


def conv_out_size(size: int, k: int, stride: int, pad_a: int, pad_b: int, dil: int) -> int:
    return (size + pad_a + pad_b - dil * (k - 1) - 1) // stride + 1


def _need(cond, node, msg):
    if not cond:
        raise GraphError(f"node {node.name!r} ({node.op}): {msg}")


def _need_window(node, **vals):
    """Window attributes: kernel sizes, strides, dilations and groups >= 1, pads >= 0 (a zero stride
    would divide by zero in the output size)."""
    for k, v in vals.items():
        low = 0 if k == "pads" else 1
        _need(all(int(i) >= low for i in v), node, f"{k} {tuple(int(i) for i in v)} must be >= {low}")


@_op("conv2d", (2, 3), {"strides": (1, 1), "pads": (0, 0, 0, 0), "dilations": (1, 1), "groups": 1},
     fused_act=True)
def _conv2d(node, s):
    x, w = s[0], s[1]
    _need(len(x) == 4, node, f"input must be NHWC, got shape {x}")
    g = node.attrs["groups"]
    _need_window(node, strides=node.attrs["strides"], pads=node.attrs["pads"],
                 dilations=node.attrs["dilations"], groups=(g,))
    _need(x[3] == w[3] * g, node, f"input channels {x[3]} != weight Cin {w[3]} x groups {g}")
    _need(w[0] % g == 0, node, f"output channels {w[0]} not divisible by groups {g}")
    _need(len(s) < 3 or tuple(s[2]) == (w[0],), node, f"bias of shape {tuple(s[2]) if len(s) > 2 else ()} for "
                                                     f"{w[0]} output channels")
    sh, sw = node.attrs["strides"]
    pt, pl, pb, pr = node.attrs["pads"]
    dh, dw = node.attrs["dilations"]
    oh = conv_out_size(x[1], w[1], sh, pt, pb, dh)
    ow = conv_out_size(x[2], w[2], sw, pl, pr, dw)
    _need(oh > 0 and ow > 0, node, "output would be empty")
    return [(x[0], oh, ow, w[0])]


@_op("conv_transpose2d", (2, 3), {"strides": (1, 1), "pads": (0, 0, 0, 0), "dilations": (1, 1),
                                 "groups": 1, "output_padding": (0, 0)}, fused_act=True)
def _convt(node, s):
    x, w = s[0], s[1]
    g = node.attrs["groups"]
    _need(len(x) == 4 and x[3] == w[3] * g, node, f"input {x} does not match weight {w} x groups {g}")
    sh, sw = node.attrs["strides"]
    pt, pl, pb, pr = node.attrs["pads"]
    dh, dw = node.attrs["dilations"]
    oph, opw = node.attrs["output_padding"]
    oh = (x[1] - 1) * sh - pt - pb + dh * (w[1] - 1) + 1 + oph
    ow = (x[2] - 1) * sw - pl - pr + dw * (w[2] - 1) + 1 + opw
    _need(oh > 0 and ow > 0, node, "output would be empty")
    return [(x[0], oh, ow, w[0])]


@_op("dense", (2, 3), {}, fused_act=True)
def _dense(node, s):
    x, w = s[0], s[1]
    _need(len(x) == 2 and x[1] == w[1], node, f"input {x} does not match weight {w}")
    _need(len(s) < 3 or tuple(s[2]) == (w[0],), node, f"bias of shape {tuple(s[2]) if len(s) > 2 else ()} for "
                                                     f"{w[0]} outputs")
    return [(x[0], w[0])]


def _pool_shape(node, s):
    x = s[0]
    _need(len(x) == 4, node, f"input must be NHWC, got shape {x}")
    _need_window(node, kernel=node.attrs["kernel"], strides=node.attrs["strides"], pads=node.attrs["pads"])
    kh, kw = node.attrs["kernel"]
    sh, sw = node.attrs["strides"]
    pt, pl, pb, pr = node.attrs["pads"]
    oh = conv_out_size(x[1], kh, sh, pt, pb, 1)
    ow = conv_out_size(x[2], kw, sw, pl, pr, 1)
    _need(oh > 0 and ow > 0, node, "output would be empty")
    return [(x[0], oh, ow, x[3])]


_POOL = {"kernel": (1, 1), "strides": (1, 1), "pads": (0, 0, 0, 0)}
_op("maxpool", (1, 1), _POOL)(_pool_shape)
_op("avgpool", (1, 1), dict(_POOL, count_include_pad=False))(_pool_shape)


@_op("global_avgpool", (1, 1))
def _gap(node, s):
    _need(len(s[0]) == 4, node, f"input must be NHWC, got shape {s[0]}")
    return [(s[0][0], 1, 1, s[0][3])]


SCHEMAS["global_maxpool"] = OpSchema("global_maxpool", (1, 1), {}, _gap)


def broadcast_shape(node, a: Shape, b: Shape) -> Shape:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise GraphError(f"node {node.name!r} ({node.op}): shapes {a} and {b} do not broadcast")


@_op("add", (2, 2), fused_act=True)
def _binary(node, s):
    return [broadcast_shape(node, s[0], s[1])]


SCHEMAS["sub"] = OpSchema("sub", (2, 2), dict(ACT_DEFAULTS), _binary, True)
SCHEMAS["mul"] = OpSchema("mul", (2, 2), dict(ACT_DEFAULTS), _binary, True)
SCHEMAS["maximum"] = OpSchema("maximum", (2, 2), {}, _binary, doc="element-wise max, broadcast")
SCHEMAS["minimum"] = OpSchema("minimum", (2, 2), {}, _binary, doc="element-wise min, broadcast")


@_op("concat", (1, 64), {"axis": -1})
def _concat(node, s):
    r = len(s[0])
    ax = node.attrs["axis"] % r
    for o in s[1:]:
        _need(len(o) == r and all(o[i] == s[0][i] for i in range(r) if i != ax), node,
              f"cannot concatenate shapes {s} on axis {ax}")
    out = list(s[0])
    out[ax] = sum(o[ax] for o in s)
    return [tuple(out)]


def _same(node, s):
    return [tuple(s[0])]


for _name, _attrs in [("relu", {}), ("clip", {"min": None, "max": None}), ("leaky_relu", {"alpha": 0.01}),
                      ("sigmoid", {}), ("tanh", {}), ("hard_sigmoid", {"alpha": 0.2, "beta": 0.5}),
                      ("hard_swish", {}), ("softmax", {"axis": -1}), ("log_softmax", {"axis": -1})]:
    SCHEMAS[_name] = OpSchema(_name, (1, 1), _attrs, _same)


@_op("prelu", (2, 2))
def _prelu(node, s):
    broadcast_shape(node, s[0], s[1])
    return [tuple(s[0])]


@_op("pad", (1, 1), {"pads": (), "mode": "constant", "value": 0.0})
def _pad(node, s):
    x = s[0]
    p = node.attrs["pads"]
    _need(len(p) == 2 * len(x), node, f"pads {p} do not fit rank {len(x)}")
    _need(node.attrs["mode"] in ("constant", "reflect", "edge"), node, f"pad mode {node.attrs['mode']!r}")
    return [tuple(x[i] + p[2 * i] + p[2 * i + 1] for i in range(len(x)))]


@_op("resize", (1, 1), {"size": (0, 0), "mode": "nearest", "coord": "asymmetric", "nearest_mode": "floor",
                       "scales": None})
def _resize(node, s):
    x = s[0]
    _need(len(x) == 4, node, f"input must be NHWC, got shape {x}")
    _need(node.attrs["mode"] in ("nearest", "bilinear"), node, f"resize mode {node.attrs['mode']!r}")
    oh, ow = node.attrs["size"]
    return [(x[0], oh, ow, x[3])]


@_op("reshape", (1, 1), {"shape": ()})
def _reshape(node, s):
    shape = tuple(int(d) for d in node.attrs["shape"])
    _need(int(np.prod(shape)) == int(np.prod(s[0])), node, f"cannot reshape {s[0]} to {shape}")
    return [shape]


@_op("transpose", (1, 1), {"perm": ()})
def _transpose(node, s):
    perm = node.attrs["perm"]
    _need(sorted(perm) == list(range(len(s[0]))), node, f"perm {perm} does not fit rank {len(s[0])}")
    return [tuple(s[0][p] for p in perm)]


@_op("mean", (1, 1), {"axes": (), "keepdims": True})
def _mean(node, s):
    r = len(s[0])
    axes = node.attrs["axes"]
    _need(len(axes) > 0 and all(-r <= a < r for a in axes), node, f"axes {axes} do not fit rank {r}")
    red = {a % r for a in axes}
    if node.attrs["keepdims"]:
        return [tuple(1 if k in red else d for k, d in enumerate(s[0]))]
    return [tuple(d for k, d in enumerate(s[0]) if k not in red)]


@_op("strided_slice", (1, 1), {"begin": (), "strides": (), "size": ()})
def _strided_slice(node, s):
    """out[i0, i1, ...] = x[begin[0] + i0 * strides[0], begin[1] + i1 * strides[1], ...], out shape ``size``
    (one entry per input axis; strides may be negative; TFLite's masks are resolved at import)."""
    x, a = s[0], node.attrs
    r = len(x)
    _need(len(a["begin"]) == r and len(a["strides"]) == r and len(a["size"]) == r, node,
          f"begin / strides / size do not fit rank {r}")
    for d, b, st, n in zip(x, a["begin"], a["strides"], a["size"]):
        _need(n >= 1 and st != 0 and 0 <= b < d and 0 <= b + (n - 1) * st < d, node,
              f"slice from {b} by {st}, {n} elements, outside an axis of {d}")
    return [tuple(int(n) for n in a["size"])]


@_op("channel_shuffle", (1, 1), {"groups": 1})
def _shuffle(node, s):
    _need(s[0][-1] % node.attrs["groups"] == 0, node, "channels not divisible by groups")
    return [tuple(s[0])]


# Number-format conversions (affine int8 models, see ir/formats.py AffineFormat):
#   quantize    float -> integer format of the output tensor
#   dequantize  integer format of the input -> float
#   requantize  integer format -> another integer format (values: the output format's
#               quantization of the input's real values)
# The float reference treats all three as the identity.
for _name in ("quantize", "dequantize", "requantize"):
    SCHEMAS[_name] = OpSchema(_name, (1, 1), {}, _same)


def infer_node(graph: Graph, node: Node) -> List[Shape]:
    schema = SCHEMAS.get(node.op)
    if schema is None:
        raise GraphError(f"node {node.name!r}: unknown IR op {node.op!r}")
    lo, hi = schema.n_inputs
    _need(lo <= len(node.inputs) <= hi, node, f"takes {lo}..{hi} inputs, got {len(node.inputs)}")
    for k, v in schema.attrs.items():
        node.attrs.setdefault(k, v)
    unknown = set(node.attrs) - set(schema.attrs)
    _need(not unknown, node, f"unknown attributes {sorted(unknown)}")
    if schema.fused_act:
        _need(node.attrs["act"] in ACTS, node, f"unknown fused activation {node.attrs['act']!r}")
    shapes = []
    for i in node.inputs:
        _need(i in graph.tensors, node, f"input tensor {i!r} does not exist")
        shapes.append(tuple(graph.tensors[i].shape))
    return schema.infer(node, shapes)


def fused_act_bounds(attrs: dict) -> Tuple[float, float]:
    """(lo, hi) real-valued clamp of a fused activation (leaky handled apart)."""
    act = attrs.get("act", "none")
    if act == "relu":
        return 0.0, float("inf")
    if act == "relu6":
        return 0.0, 6.0
    if act == "clip":
        lo = attrs.get("act_min")
        hi = attrs.get("act_max")
        return (-float("inf") if lo is None else float(lo)), (float("inf") if hi is None else float(hi))
    return -float("inf"), float("inf")


def weighted_ops() -> Sequence[str]:
    return ("conv2d", "conv_transpose2d", "dense")

