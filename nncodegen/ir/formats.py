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
* ``AffineFormat(bits, scale, zero_point)``: TFLite / ONNX QuantizeLinear
  integers, real = scale * (q - zero_point); see the class.

Formats are immutable values; compare them with ``==``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np

from .bits import pack_bits, unpack_bits


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


@dataclass(frozen=True)
class AffineFormat:
    """Affine (asymmetric) integers as TFLite and ONNX's QuantizeLinear define them.

    real = scale * (q - zero_point).  ``bits`` 8 (activations, weights) or 32
    (biases); 16 for the activations of TFLite's 16x8 models, whose biases are
    64-bit (and 32-bit tensors may be QUANTIZE inputs or outputs); ``signed`` False only for uint8 tensors at a model's boundary
    (inside a model every 8-bit tensor is int8: a uint8 tensor with zero point
    z is the int8 tensor q - 128 with zero point z - 128).  ``scale`` and
    ``zero_point`` are numbers, or tuples with one entry per slice along
    ``axis`` (per-output-channel weights: symmetric, zero point 0; biases:
    int32, scale = s_in * s_w[c]).  Scales are float32 values, as in both
    file formats.

    quantize: q = saturate(round_half_even(x / scale) + zero_point), the
    division in float32 (QuantizeLinear; onnxruntime divides in float32).
    dequantize: (q - zero_point) * scale in float32.
    """
    bits: int
    scale: Union[float, Tuple[float, ...]]
    zero_point: Union[int, Tuple[int, ...]] = 0
    axis: Optional[int] = None
    signed: bool = True
    kind: str = "affine"

    def __post_init__(self):
        if self.bits not in (8, 16, 32, 64):
            raise ValueError(f"affine format bits must be 8, 16, 32 or 64, got {self.bits}")
        sc, zp = self.scale, self.zero_point
        if isinstance(sc, (list, tuple, np.ndarray)):
            sc = tuple(float(np.float32(v)) for v in np.asarray(sc).ravel())
        else:
            sc = float(np.float32(sc))
        if isinstance(zp, (list, tuple, np.ndarray)):
            zp = tuple(int(v) for v in np.asarray(zp).ravel())
        else:
            zp = int(zp)
        if isinstance(sc, tuple) and isinstance(zp, int):
            zp = (zp,) * len(sc)
        if isinstance(zp, tuple) and not isinstance(sc, tuple):
            sc = (sc,) * len(zp)
        object.__setattr__(self, "scale", sc)
        object.__setattr__(self, "zero_point", zp)
        if isinstance(sc, tuple):
            if self.axis is None:
                raise ValueError("per-channel affine format needs an axis")
            if len(sc) != len(zp):
                raise ValueError(f"{len(sc)} scales but {len(zp)} zero points")
        for s in (sc if isinstance(sc, tuple) else (sc,)):
            if not (np.isfinite(s) and s > 0):
                raise ValueError(f"affine scale must be finite and > 0, got {s}")
        for z in (zp if isinstance(zp, tuple) else (zp,)):
            if not self.qmin <= z <= self.qmax:
                raise ValueError(f"zero point {z} outside [{self.qmin}, {self.qmax}]")

    @property
    def per_channel(self) -> bool:
        return isinstance(self.scale, tuple)

    @property
    def qmin(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def qmax(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    @property
    def ctype(self) -> str:
        return f"{'' if self.signed else 'u'}int{self.bits}_t"

    @property
    def np_dtype(self):
        return np.dtype(f"{'' if self.signed else 'u'}int{self.bits}").type

    def nbytes(self, shape) -> int:
        return self.bits // 8 * int(np.prod(shape, dtype=np.int64))

    def scales(self, n: int) -> np.ndarray:
        """Scale of each of ``n`` channels (float32)."""
        if self.per_channel:
            assert len(self.scale) == n, (len(self.scale), n)
            return np.asarray(self.scale, dtype=np.float32)
        return np.full(n, self.scale, dtype=np.float32)

    def zero_points(self, n: int) -> np.ndarray:
        if self.per_channel:
            return np.asarray(self.zero_point, dtype=np.int64)
        return np.full(n, self.zero_point, dtype=np.int64)

    def _bcast(self, values, shape, dtype):
        if not self.per_channel:
            return np.asarray(values, dtype=dtype)
        bshape = [1] * len(shape)
        bshape[self.axis] = len(values)
        return np.asarray(values, dtype=dtype).reshape(bshape)

    def quantize(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        s = self._bcast(self.scale, x.shape, np.float32)
        z = self._bcast(self.zero_point, x.shape, np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            v = np.rint((x / s).astype(np.float32).astype(np.float64)) + z
        v = np.where(np.isnan(v), 0, v)
        return np.clip(v, self.qmin, self.qmax).astype(self.np_dtype)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        q = np.asarray(q)
        s = self._bcast(self.scale, q.shape, np.float32)
        z = self._bcast(self.zero_point, q.shape, np.int64)
        return ((q.astype(np.int64) - z).astype(np.float32) * s).astype(np.float32)

    def with_signed(self) -> "AffineFormat":
        """The same values as int8 (unsigned 8-bit: q - 128, zero point - 128)."""
        if self.signed:
            return self
        zp = tuple(z - 128 for z in self.zero_point) if self.per_channel else self.zero_point - 128
        return AffineFormat(self.bits, self.scale, zp, self.axis, True)

    def __str__(self) -> str:
        t = f"{'s' if self.signed else 'u'}{self.bits}"
        if self.per_channel:
            return f"{t}/ch(s={min(self.scale):.3g}..{max(self.scale):.3g})"
        return f"{t}(s={self.scale:.4g},zp={self.zero_point})"

    def to_json(self) -> dict:
        d = {"kind": "affine", "bits": self.bits,
             "scale": list(self.scale) if self.per_channel else self.scale,
             "zero_point": list(self.zero_point) if self.per_channel else self.zero_point,
             "signed": self.signed}
        if self.axis is not None:
            d["axis"] = self.axis
        return d

    def c_macros(self, prefix: str) -> list:
        """Header lines stating the format (per-tensor formats only: model inputs and outputs)."""
        if self.per_channel:  # several model inputs joined into one row: one format per element
            return [f"/* {prefix}: affine, one scale and zero point per element (nncodegen.json) */",
                    f"#define {prefix}_AFFINE 1"]
        s = repr(float(self.scale))
        if "e" not in s and "." not in s:
            s += ".0"
        return [f"#define {prefix}_SCALE {s}f",
                f"#define {prefix}_ZERO_POINT {self.zero_point}",
                f"#define {prefix}_AFFINE 1"]


FLOAT32 = Float32()
Format = Union[Float32, QFormat, AffineFormat]


def _read_q(d: dict) -> QFormat:
    frac = d["frac"]
    return QFormat(d["bits"], tuple(frac) if isinstance(frac, list) else int(frac), d.get("axis"))


def _read_affine(d: dict) -> AffineFormat:
    sc, zp = d["scale"], d["zero_point"]
    return AffineFormat(d["bits"], tuple(sc) if isinstance(sc, list) else sc,
                        tuple(zp) if isinstance(zp, list) else zp, d.get("axis"), d.get("signed", True))


FORMAT_READERS = {"float": lambda d: FLOAT32, "q": _read_q, "affine": _read_affine}


def format_from_json(d: dict) -> Format:
    reader = FORMAT_READERS.get(d.get("kind"))
    if reader is None:
        raise ValueError(f"unknown number format kind {d.get('kind')!r}")
    return reader(d)


def is_float(fmt: Format) -> bool:
    return isinstance(fmt, Float32)


# ---------------------------------------------------------------- packed binary and ternary

def _words(n: int) -> int:
    return (int(n) + 31) // 32


@dataclass(frozen=True)
class BinaryFormat:
    """{-1, +1} values bit-packed along the last axis into uint32 words.

    Bit convention: bit 1 <-> -1, bit 0 <-> +1 (so the packed word of a
    value x is its sign bit, and x >= 0 packs to 0).  Element i of a run
    lives in word i // 32, bit i % 32; the unused high bits of a run's last
    word are 0.  A run is the whole last axis, or ``group`` consecutive
    elements of it when the tensor is a flattening of an NHWC map with
    ``group`` channels per pixel (then each pixel keeps its own words, and a
    binary dense reading it packs its weights the same way).  So an NHWC map
    (N, H, W, C) takes N*H*W*ceil(C/32) words.
    """
    group: Optional[int] = None
    kind: str = "binary"
    bits: int = 1
    ctype = "uint32_t"
    np_dtype = np.uint32
    word_bits = 32

    def run(self, shape) -> int:
        return int(self.group) if self.group else int(shape[-1])

    def storage_shape(self, shape) -> Tuple[int, ...]:
        """Shape of the uint32 words holding a tensor of logical ``shape``."""
        shape = tuple(int(s) for s in shape)
        g = self.run(shape)
        if shape[-1] % g:
            raise ValueError(f"binary run {g} does not divide the last axis of {shape}")
        return shape[:-1] + (shape[-1] // g * _words(g),)

    def nbytes(self, shape) -> int:
        return 4 * int(np.prod(self.storage_shape(shape), dtype=np.int64))

    def filter_nbytes(self, shape) -> int:
        """Bytes of constant weights (Cout, ...): one bit per weight, the filters back to back in
        one run of bits padded to a whole word at its end (bits.pack_filters)."""
        return 4 * _words(int(np.prod(shape, dtype=np.int64)))

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Pack real values: x >= 0 -> +1 (bit 0), x < 0 -> -1 (bit 1)."""
        x = np.asarray(x)
        return pack_bits(x < 0, self.run(x.shape))

    def dequantize(self, q: np.ndarray, shape=None) -> np.ndarray:
        if shape is None:
            raise ValueError("unpacking binary words needs the logical shape")
        b = unpack_bits(q, shape, self.run(shape))
        return np.where(b, -1.0, 1.0).astype(np.float32)

    def __str__(self) -> str:
        return "bin" if not self.group else f"bin/{self.group}"

    def to_json(self) -> dict:
        d = {"kind": "binary", "bits": 1, "word_bits": 32}
        if self.group:
            d["group"] = int(self.group)
        return d


@dataclass(frozen=True)
class TernaryFormat:
    """{-1, 0, +1} weights as two bit-planes in the BinaryFormat layout,
    interleaved word by word: word 2k is the nonzero mask (bit 1 <-> w != 0),
    word 2k+1 the sign (bit 1 <-> w = -1, 0 where w = 0).

    Constant weights of binary layers (both formats) are packed contiguously:
    filter c (all the other axes) starts at bit c * filter size of one run of
    bits over the whole tensor (``filter_nbytes``, bits.pack_filters)."""
    group: Optional[int] = None
    kind: str = "ternary"
    bits: int = 2
    ctype = "uint32_t"
    np_dtype = np.uint32
    word_bits = 32

    def storage_shape(self, shape) -> Tuple[int, ...]:
        s = BinaryFormat(self.group).storage_shape(shape)
        return s[:-1] + (2 * s[-1],)

    def nbytes(self, shape) -> int:
        return 4 * int(np.prod(self.storage_shape(shape), dtype=np.int64))

    def filter_nbytes(self, shape) -> int:
        return 2 * BinaryFormat().filter_nbytes(shape)

    def __str__(self) -> str:
        return "tern" if not self.group else f"tern/{self.group}"

    def to_json(self) -> dict:
        d = {"kind": "ternary", "bits": 2, "word_bits": 32}
        if self.group:
            d["group"] = int(self.group)
        return d


FORMAT_READERS["binary"] = lambda d: BinaryFormat(d.get("group"))
FORMAT_READERS["ternary"] = lambda d: TernaryFormat(d.get("group"))


def storage_shape(fmt, shape) -> Tuple[int, ...]:
    """Shape of the C buffer of a tensor (differs from ``shape`` for packed formats)."""
    f = getattr(fmt, "storage_shape", None)
    return tuple(f(shape)) if f else tuple(shape)
