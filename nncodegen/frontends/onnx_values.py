"""ONNX values as the importers track them: ``Val`` (shape, constant, IR tensor, storage layout) and the axis maps."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import numpy as np

NHWC_TO_NCHW = (0, 3, 1, 2)   # transpose perm: NHWC storage -> ONNX (N, C, H, W)
NCHW_TO_NHWC = (0, 2, 3, 1)   # transpose perm: ONNX order -> NHWC storage (storage axis j = ONNX axis [j])
NCHW_AXIS = (0, 3, 1, 2)      # ONNX axis i of an nhwc value lives at storage axis NCHW_AXIS[i]

MIN_OPSET = 7


@dataclass
class Val:
    shape: Tuple[int, ...]                 # ONNX logical shape (batch forced to 1)
    const: Optional[np.ndarray] = None     # constant value (ONNX order, original dtype)
    ir: Optional[str] = None               # IR tensor holding the storage
    layout: str = "plain"                  # "plain" | "nhwc" | "flat"
    chw: Optional[Tuple[int, int, int]] = None   # for "flat"
    origin: Optional[tuple] = None         # pattern bookkeeping (channel shuffle)
    cache: Dict[str, str] = field(default_factory=dict)

    @property
    def is_const(self) -> bool:
        return self.const is not None


def strip_leading_ones(c: np.ndarray) -> np.ndarray:
    shape = list(c.shape)
    while len(shape) > 1 and shape[0] == 1:
        shape.pop(0)
    return c.reshape(shape)


def flat_perm(c: int, h: int, w: int) -> np.ndarray:
    """idx with stored[j] = onnx[idx[j]] for a (C,H,W) value flattened in H,W,C order."""
    return np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).reshape(-1)


class ValTable(dict):
    """ONNX name -> Val, with the reverse index IR tensor -> the ONNX names stored in it (aliases through
    Identity, Transpose, ...), kept up to date on every assignment, so the question "who else holds this
    tensor" costs O(1) instead of a scan of every value (imports stay linear in the node count)."""

    def __init__(self):
        super().__init__()
        self.by_ir: Dict[str, set] = {}

    def _drop(self, k) -> None:
        old = dict.get(self, k)
        if old is not None and old.ir is not None:
            self.by_ir.get(old.ir, set()).discard(k)

    def __setitem__(self, k, v) -> None:
        self._drop(k)
        super().__setitem__(k, v)
        if v is not None and v.ir is not None:
            self.by_ir.setdefault(v.ir, set()).add(k)

    def pop(self, k, *default):
        self._drop(k)
        return super().pop(k, *default)

    def __delitem__(self, k) -> None:
        self._drop(k)
        super().__delitem__(k)

    def holders(self, ir: str):
        """ONNX names of the non-constant values stored in IR tensor ``ir``."""
        return [k for k in self.by_ir.get(ir, ()) if not dict.__getitem__(self, k).is_const]
