"""The camera-frame input stage (passes/camera_input.py): the ``camera_input`` op and ``FrameFormat``.

``camera_input`` (x) -> y: x is a uint8 camera frame (NHWC, ``FrameFormat``), y the model's former input,
in the model's own input format:

    y_real[..., c] = (x[..., c] / 255 - mean[c]) / std[c]

(attrs ``mean``, ``std``: one value per channel; ``layout`` "uint8-hwc" or "uint8-gray").  The C computes
y with one table of 256 entries per channel (lower/lower_camera.py): entry q holds exactly what the
model's input quantizer makes of the float32 value of (q / 255 - mean[c]) / std[c], so the generated
NAME_run on a frame gives the outputs that the float-input model gives on the normalized frame, bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .formats import FORMAT_READERS
from .ops import SCHEMAS, OpSchema, _need

LAYOUTS = ("uint8-hwc", "uint8-gray")


@dataclass(frozen=True)
class FrameFormat:
    """uint8 pixels of a camera frame; the real value of q is q itself (0..255).  ``body`` names the format
    of the model's own input (the camera stage's output) and ``mean`` / ``std`` its normalization; both
    are stated in the C header."""
    layout: str = "uint8-hwc"
    mean: Tuple[float, ...] = (0.0,)
    std: Tuple[float, ...] = (1.0,)
    body: str = "f32"
    kind: str = "frame"
    bits: int = 8
    ctype = "uint8_t"
    np_dtype = np.uint8

    def __post_init__(self):
        object.__setattr__(self, "mean", tuple(float(v) for v in self.mean))
        object.__setattr__(self, "std", tuple(float(v) for v in self.std))

    @property
    def float_body(self) -> bool:
        return self.body == "f32"

    def nbytes(self, shape) -> int:
        return int(np.prod(shape, dtype=np.int64))

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Pixel values (any real array) to uint8: rounded half to even, saturated to 0..255."""
        v = np.rint(np.asarray(x, dtype=np.float64))
        return np.clip(np.where(np.isnan(v), 0, v), 0, 255).astype(np.uint8)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        return np.asarray(q).astype(np.float32)

    def c_macros(self, prefix: str) -> list:
        def nums(v):
            return ", ".join(repr(float(x)) for x in v)
        run = prefix.rsplit("_", 1)[0] + "_run"
        return [f"#define {prefix}_IS_UINT8_FRAME 1   /* uint8_t camera frame ({self.layout}, NHWC), as captured */",
                f"#define {prefix}_CHANNELS {len(self.mean)}",
                f"/* {prefix}: {run} normalizes the frame itself: x = (q / 255 - mean[c]) / std[c] with",
                f" * mean = {{{nums(self.mean)}}}, std = {{{nums(self.std)}}},",
                f" * into the model's input format {self.body} (one table of 256 entries per channel). */"]

    def __str__(self) -> str:
        return f"u8frame({self.layout})"

    def to_json(self) -> dict:
        return {"kind": "frame", "bits": 8, "layout": self.layout, "mean": list(self.mean), "std": list(self.std),
                "body": self.body}


FORMAT_READERS["frame"] = lambda d: FrameFormat(d["layout"], tuple(d["mean"]), tuple(d["std"]), d["body"])


def _camera_input(node, s):
    x = s[0]
    a = node.attrs
    _need(a.get("layout") in LAYOUTS, node, f"layout must be one of {', '.join(LAYOUTS)}")
    _need(len(x) == 4 and x[-1] >= 1, node, f"a camera frame is (N, H, W, C), got {x}")
    _need(len(a["mean"]) == len(a["std"]) == x[-1], node, f"{len(a['mean'])} means and {len(a['std'])} stds for "
          f"{x[-1]} channels")
    _need(all(np.isfinite(v) and v > 0 for v in a["std"]) and all(np.isfinite(v) for v in a["mean"]), node,
          "std must be finite and > 0, mean finite")
    return [tuple(x)]


SCHEMAS["camera_input"] = OpSchema("camera_input", (1, 1), {"layout": "uint8-hwc", "mean": (0.0,), "std": (1.0,)},
                                   _camera_input, doc="uint8 camera frame -> (q/255 - mean)/std in the input format")
