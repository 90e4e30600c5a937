"""Lowering of ``camera_input`` (ir/ops_camera.py): a uint8 frame into the model's input format by table.

For every channel c and pixel value q in 0..255 the table holds

    body.quantize(float32((q / 255 - mean[c]) / std[c]))      (float64 arithmetic, then float32)

i.e. exactly what `nncodegen run` / CModel.run (float32 input, then the input format's quantizer) make
of the normalized frame; for a float model, the float32 value itself.  So the table is exact for every
format: a model compiled with a camera input gives, on a frame, the same outputs as the model without
it on the normalized frame (float32), bit for bit.  Integer models stay integer-only: the s8 / s16
tables are integers (input_lut_u8_s8 / _s16), only float models use the float table (input_lut_u8_f32).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..ir.graph import GraphError, Node
from .params import ptr
from .program import Buf, Call, Param

OPS = ("camera_input",)


@dataclass(frozen=True)
class InputLutU8S8:
    CTYPE = "nnc_input_lut_u8_s8"
    pixels: int
    channels: int
    table: Tuple[int, ...] = ptr("int8_t")


@dataclass(frozen=True)
class InputLutU8S16:
    CTYPE = "nnc_input_lut_u8_s16"
    pixels: int
    channels: int
    table: Tuple[int, ...] = ptr("int16_t")


@dataclass(frozen=True)
class InputLutU8F32:
    CTYPE = "nnc_input_lut_u8_f32"
    pixels: int
    channels: int
    table: Tuple[float, ...] = ptr("float")


def normalized_levels(mean, std) -> np.ndarray:
    """(C, 256) float32: (q / 255 - mean[c]) / std[c] for q = 0..255, computed in float64, rounded once."""
    q = np.arange(256, dtype=np.float64)
    m = np.asarray(mean, np.float64)[:, None]
    s = np.asarray(std, np.float64)[:, None]
    return ((q[None, :] / 255.0 - m) / s).astype(np.float32)


def normalize_frames(frames, mean, std) -> np.ndarray:
    """uint8 frames (N, H, W, C) -> the float32 normalized frames the table stands for."""
    f = np.asarray(frames)
    lv = normalized_levels(mean, std)
    c = np.arange(f.shape[-1])
    return lv[c, f.astype(np.int64)].astype(np.float32)


def camera_table(body_fmt, mean, std) -> np.ndarray:
    """(C, 256) table of the body format's values (integers, or float32 for a float body)."""
    lv = normalized_levels(mean, std)
    if body_fmt.kind == "float":
        return lv
    return np.asarray(body_fmt.quantize(lv), dtype=np.int64)


def lower_node(ctx, node: Node) -> Optional[List[Call]]:
    if node.op != "camera_input":
        return None
    x, y = node.inputs[0], node.outputs[0]
    fo = ctx.g.tensors[y].fmt
    shape = ctx.g.tensors[x].shape
    ch = int(shape[-1])
    pixels = int(np.prod(shape, dtype=np.int64)) // ch
    if fo.kind not in ("float", "q", "affine") or getattr(fo, "per_channel", False) or \
            fo.kind != "float" and (fo.bits not in (8, 16) or not getattr(fo, "signed", True)):
        raise GraphError(f"node {node.name!r} (camera_input): no camera input stage into {fo} "
                         "(only float32, Q7, Q15 and per-tensor signed 8/16-bit affine inputs)")
    t = camera_table(fo, node.attrs["mean"], node.attrs["std"]).reshape(-1)
    if fo.kind == "float":
        p, k = InputLutU8F32(pixels, ch, tuple(float(v) for v in t)), "input_lut_u8_f32"
    elif fo.bits == 8:
        p, k = InputLutU8S8(pixels, ch, tuple(int(v) for v in t)), "input_lut_u8_s8"
    else:
        p, k = InputLutU8S16(pixels, ch, tuple(int(v) for v in t)), "input_lut_u8_s16"
    return [Call(node.name, node.op, k, [Param(p), Buf(x), Buf(y)], y)]
