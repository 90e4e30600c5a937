"""IR ops of FINN / QONNX streamlined graphs (registered into ops.SCHEMAS), and the index format.

``multithreshold`` (x, thr): QONNX's MultiThreshold on the last axis (the channel axis of NHWC and
(N, C) tensors).  ``thr`` is (C, T) or (1, T) (one row shared by every channel); with
count = #{t in thr[c, :] : x >= t},

    y = out_scale * count + out_bias          (attrs ``out_scale``, ``out_bias``; reals)

The thresholds need not be sorted (count is a count, as in QONNX).

``argmax`` (x): the index of the first maximum along the last axis (ONNX ArgMax with
select_last_index=0, and TopK with k=1: both take the lowest index among equal values); output
shape x.shape[:-1] + (1,), stored in ``IndexFormat`` (int32 in C).  A model whose output is an
index has ``NAME_OUTPUT_IS_INDEX 1`` in its C header.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .formats import FORMAT_READERS
from .ops import SCHEMAS, OpSchema, _need


@dataclass(frozen=True)
class IndexFormat:
    """Integer indices (the output of argmax): int32 in C, the index itself as the real value."""
    kind: str = "index"
    bits: int = 32
    ctype = "int32_t"
    np_dtype = np.int32

    def nbytes(self, shape) -> int:
        return 4 * int(np.prod(shape, dtype=np.int64))

    def quantize(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x).astype(np.int32)

    def dequantize(self, q: np.ndarray, shape=None) -> np.ndarray:
        """Indices as int64 (the dtype ONNX's ArgMax / TopK give)."""
        return np.asarray(q).astype(np.int64)

    def c_macros(self, prefix: str) -> list:
        return [f"#define {prefix}_IS_INDEX 1   /* int32_t index (argmax / TopK k=1), not a number format */"]

    def __str__(self) -> str:
        return "index"

    def to_json(self) -> dict:
        return {"kind": "index", "bits": 32}


INDEX = IndexFormat()
FORMAT_READERS["index"] = lambda d: INDEX


def _multithreshold(node, s):
    x, t = s[0], s[1]
    _need(len(x) >= 1 and len(t) == 2 and t[1] >= 1, node, f"thresholds must be (C or 1, T >= 1), got {t}")
    _need(t[0] in (1, x[-1]), node, f"{t[0]} threshold rows for {x[-1]} channels (need {x[-1]} or 1)")
    return [tuple(x)]


def _argmax(node, s):
    x = s[0]
    _need(len(x) >= 1 and x[-1] >= 1, node, f"argmax needs a non-empty last axis, got {x}")
    return [tuple(x[:-1]) + (1,)]


SCHEMAS["multithreshold"] = OpSchema("multithreshold", (2, 2), {"out_scale": 1.0, "out_bias": 0.0}, _multithreshold)
SCHEMAS["argmax"] = OpSchema("argmax", (1, 1), {}, _argmax)
