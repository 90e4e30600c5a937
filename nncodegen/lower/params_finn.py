"""Parameter structs of the MultiThreshold and argmax kernels, mirrored from their headers
(templates_c/kernels/mthreshold.h, mthreshold_f32.h, argmax.h); same conventions as params.py."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MThreshold:
    CTYPE = "nnc_mthreshold"
    outer: int
    channels: int
    n_thr: int
    shared: int
    out_scale: int
    out_bias: int
    out_min: int
    out_max: int


@dataclass(frozen=True)
class MThresholdF32:
    CTYPE = "nnc_mthreshold_f32"
    outer: int
    channels: int
    n_thr: int
    shared: int
    out_scale: int = 1
    out_bias: int = 0
    out_min: int = -(1 << 31)
    out_max: int = (1 << 31) - 1
    out_scale_f: float = 1.0
    out_bias_f: float = 0.0


@dataclass(frozen=True)
class ArgMax:
    CTYPE = "nnc_argmax"
    outer: int
    n: int
