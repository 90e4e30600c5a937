"""Float reference semantics of multithreshold and argmax (see ir/ops_finn.py), registered into
float_ops.FLOAT_OPS.  float64 inside, like every float op; argmax gives the index as a number."""
from __future__ import annotations

import numpy as np

from .float_ops import FLOAT_OPS


def multithreshold(attrs, x, thr):
    x = np.asarray(x, np.float64)
    t = np.asarray(thr, np.float64)
    count = np.count_nonzero(x[..., None] >= t.reshape((1,) * (x.ndim - 1) + t.shape), axis=-1)
    return attrs["out_scale"] * count + attrs["out_bias"]


def argmax(attrs, x):
    x = np.asarray(x, np.float64)
    return np.argmax(x, axis=-1)[..., None].astype(np.float64)   # numpy: the first maximum, as ONNX


FLOAT_OPS.update({"multithreshold": multithreshold, "argmax": argmax})
