"""Number formats carried by every tensor.

Every format offers ``kind``, ``bits``, ``ctype`` (C element type of a
buffer in this format), ``np_dtype``, ``nbytes(shape)`` (bytes a tensor of
that shape takes in C), ``to_json()`` and ``__str__``; ``format_from_json``
reads any of them back.  New formats (affine int8, packed binary) follow the
same protocol and register a reader in ``FORMAT_READERS``.

* ``FLOAT32``: IEEE single precision, the reference format.
* ``QFormat(bits, frac)``: two's-complement fixed point, real = q * 2**-frac,
  ``bits`` 8 or 16 for activations and weights, 32 for biases.  ``frac`` is an
  int (one format for the whole tensor) or a tuple of ints, one per slice along
  ``axis`` (per-output-channel weights and biases).

Formats are immutable values; compare them with ``==``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np


@dataclass(frozen=True)
class Float32:
    kind: str = "float"
    bits: int = 32
    ctype = "float"
    np_dtype = np.float32

    def nbytes(self, shape) -> int:
        return 4 * int(np.prod(shape, dtype=np.int64))

    def __str__(self) -> str:
        return "f32"

    def to_json(self) -> dict:
        return {"kind": "float", "bits": 32}


@dataclass(frozen=True)
class QFormat:
    bits: int
    frac: Union[int, Tuple[int, ...]]
    axis: Optional[int] = None  # axis of per-channel fracs, None when per tensor
    kind: str = "q"

    def __post_init__(self):
        if self.bits not in (8, 16, 32):
            raise ValueError(f"Q format bits must be 8, 16 or 32, got {self.bits}")
        if isinstance(self.frac, (list, np.ndarray)):
            object.__setattr__(self, "frac", tuple(int(f) for f in self.frac))
        if isinstance(self.frac, tuple) and self.axis is None:
            raise ValueError("per-channel Q format needs an axis")

    @property
    def per_channel(self) -> bool:
        return isinstance(self.frac, tuple)

    @property
    def qmin(self) -> int:
        return -(1 << (self.bits - 1))

    @property
    def qmax(self) -> int:
        return (1 << (self.bits - 1)) - 1

    @property
    def ctype(self) -> str:
        return {8: "int8_t", 16: "int16_t", 32: "int32_t"}[self.bits]

    @property
    def np_dtype(self):
        return {8: np.int8, 16: np.int16, 32: np.int32}[self.bits]

    def nbytes(self, shape) -> int:
        return self.bits // 8 * int(np.prod(shape, dtype=np.int64))

    def fracs(self, n: int) -> np.ndarray:
        """The frac of each of ``n`` channels as an int array."""
        if self.per_channel:
            assert len(self.frac) == n, (len(self.frac), n)
            return np.asarray(self.frac, dtype=np.int64)
        return np.full(n, int(self.frac), dtype=np.int64)

    def scale_array(self, shape) -> np.ndarray:
        """2**-frac broadcastable against an array of ``shape``."""
        if not self.per_channel:
            return np.float64(2.0 ** -int(self.frac))
        s = np.power(2.0, -np.asarray(self.frac, dtype=np.float64))
        bshape = [1] * len(shape)
        bshape[self.axis] = len(self.frac)
        return s.reshape(bshape)

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Round half up, floor(x * 2**frac + 0.5), then saturate to the format."""
        q = np.floor(np.asarray(x, dtype=np.float64) / self.scale_array(np.shape(x)) + 0.5)
        return np.clip(q, self.qmin, self.qmax).astype(self.np_dtype)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        return (np.asarray(q, dtype=np.float64) * self.scale_array(np.shape(q))).astype(np.float32)

    def __str__(self) -> str:
        if self.per_channel:
            lo, hi = min(self.frac), max(self.frac)
            return f"Q{self.bits}.{lo}..{hi}/ch"
        return f"Q{self.bits - 1 - int(self.frac)}.{int(self.frac)}" if self.bits < 32 else f"Q32f{self.frac}"

    def to_json(self) -> dict:
        d = {"kind": "q", "bits": self.bits,
             "frac": list(self.frac) if self.per_channel else int(self.frac)}
        if self.axis is not None:
            d["axis"] = self.axis
        return d


FLOAT32 = Float32()
Format = Union[Float32, QFormat]


def _read_q(d: dict) -> QFormat:
    frac = d["frac"]
    return QFormat(d["bits"], tuple(frac) if isinstance(frac, list) else int(frac), d.get("axis"))


FORMAT_READERS = {"float": lambda d: FLOAT32, "q": _read_q}


def format_from_json(d: dict) -> Format:
    reader = FORMAT_READERS.get(d.get("kind"))
    if reader is None:
        raise ValueError(f"unknown number format kind {d.get('kind')!r}")
    return reader(d)


def is_float(fmt: Format) -> bool:
    return isinstance(fmt, Float32)
