"""Camera frames as input: ``add_camera_input(graph, layout, mean, std) -> Graph``.

The returned graph takes a uint8 frame (``FrameFormat``: NHWC pixels 0..255, "uint8-hwc" with C channels
or "uint8-gray" with one) and starts with a ``camera_input`` node that computes the model's former input

    x[..., c] = (q[..., c] / 255 - mean[c]) / std[c]

in the model's own input format (Q7 / Q15 / affine int8 / int16 by an integer table, float32 by a float
table; lower/lower_camera.py).  Run after quantization: the Q formats are chosen from calibration data
in the normalized space, as without the stage.  Exact condition (tests/test_camera_input.py): for every
frame, the model with the stage gives the outputs, bit for bit, of the model without it run on
``normalize_frames(frame)``, the float32 normalized frame; always true, because each table entry is the
input quantizer's result for that float32 value.
"""
from __future__ import annotations

import math
from typing import Sequence

from ..ir.graph import Graph, GraphError, Node, Tensor
from ..ir.ops_camera import LAYOUTS, FrameFormat


def channel_values(v, channels: int, what: str):
    vals = [float(x) for x in (v if isinstance(v, (list, tuple)) else [v])]
    if len(vals) == 1:
        vals = vals * channels
    if len(vals) != channels:
        raise GraphError(f"--{what}: {len(vals)} values for an input of {channels} channels (give 1 or {channels})")
    for x in vals:
        if not math.isfinite(x) or (what == "std" and x <= 0):
            raise GraphError(f"--{what} {x}: must be finite" + (" and > 0" if what == "std" else ""))
    return tuple(vals)


def _unique(names, base: str) -> str:
    n, i = base, 1
    while n in names:
        i += 1
        n = f"{base}_{i}"
    return n


def add_camera_input(graph: Graph, layout: str, mean: Sequence[float] = (0.0,),
                     std: Sequence[float] = (1.0,)) -> Graph:
    if layout not in LAYOUTS:
        raise GraphError(f"--input-format {layout}: choose {' or '.join(LAYOUTS)}")
    g = graph.copy()
    tin = g.tensors[g.inputs[0]]
    shape = tuple(tin.shape)
    if len(shape) != 4:
        raise GraphError(f"--input-format {layout}: the model's input {tin.name!r} is {shape}, not an image "
                         "(N, H, W, C)")
    if layout == "uint8-gray" and shape[-1] != 1:
        raise GraphError(f"--input-format uint8-gray: the model's input has {shape[-1]} channels (use uint8-hwc)")
    if tin.fmt.kind == "frame":
        raise GraphError("the model already takes camera frames")
    if tin.fmt.kind not in ("float", "q", "affine") or getattr(tin.fmt, "per_channel", False) or \
            tin.fmt.kind == "affine" and not tin.fmt.signed:
        raise GraphError(f"--input-format {layout}: the model's input format {tin.fmt} has no camera stage "
                         "(float32, Q7, Q15 or per-tensor signed affine only)")
    c = int(shape[-1])
    m, s = channel_values(mean, c, "mean"), channel_values(std, c, "std")
    new = _unique(g.tensors, f"{tin.name}_frame")
    g.tensors[new] = Tensor(new, shape, FrameFormat(layout, m, s, str(tin.fmt)))
    node = Node(_unique({n.name for n in g.nodes}, "camera_input"), "camera_input", [new], [tin.name],
                {"layout": layout, "mean": m, "std": s})
    g.nodes.insert(0, node)
    g.inputs[0] = new
    g.meta["input_normalization"] = {"input_format": layout, "mean": list(m), "std": list(s),
                                     "body_format": str(tin.fmt)}
    return g
