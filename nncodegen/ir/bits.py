"""Bit packing of {-1, +1} and {-1, 0, +1} tensors (see formats.BinaryFormat).

``pack_bits(b, run)``: b is a boolean array whose last axis holds runs of
``run`` elements; element i of a run goes to bit i % 32 of word i // 32 of
that run, unused high bits are 0.  The result has the last axis replaced by
(len / run) * ceil(run / 32) uint32 words.  ``unpack_bits`` inverts it.
Bit 1 stands for -1 (for a sign plane) or "nonzero" (for a ternary mask).
"""
from __future__ import annotations

import numpy as np


def words(n: int) -> int:
    return (int(n) + 31) // 32


def pack_bits(b: np.ndarray, run: int) -> np.ndarray:
    b = np.asarray(b, dtype=bool)
    shape = b.shape
    c = shape[-1]
    run = int(run)
    if run <= 0 or c % run:
        raise ValueError(f"run {run} does not divide the last axis of {shape}")
    w = words(run)
    r = b.reshape(shape[:-1] + (c // run, run))
    pad = w * 32 - run
    if pad:
        r = np.concatenate([r, np.zeros(r.shape[:-1] + (pad,), dtype=bool)], axis=-1)
    r = r.reshape(r.shape[:-1] + (w, 32)).astype(np.uint64)
    weights = np.left_shift(np.uint64(1), np.arange(32, dtype=np.uint64))
    out = (r * weights).sum(axis=-1).astype(np.uint32)
    return out.reshape(shape[:-1] + (c // run * w,))


def unpack_bits(q: np.ndarray, shape, run: int) -> np.ndarray:
    """Boolean array of logical ``shape`` from packed words (any array of the right size)."""
    shape = tuple(int(s) for s in shape)
    c = shape[-1]
    run = int(run)
    w = words(run)
    q = np.asarray(q, dtype=np.uint32).reshape(shape[:-1] + (c // run, w))
    bits = (q[..., None] >> np.arange(32, dtype=np.uint32)) & np.uint32(1)
    bits = bits.reshape(shape[:-1] + (c // run, w * 32))[..., :run]
    return bits.reshape(shape).astype(bool)


def pack_signs(v: np.ndarray, run: int) -> np.ndarray:
    """Pack real values by sign: v >= 0 -> bit 0 (+1), v < 0 -> bit 1 (-1)."""
    return pack_bits(np.asarray(v) < 0, run)


def unpack_signs(q: np.ndarray, shape, run: int) -> np.ndarray:
    """+1 / -1 int8 array of logical ``shape``."""
    return np.where(unpack_bits(q, shape, run), -1, 1).astype(np.int8)


def pack_ternary(v: np.ndarray, run: int) -> np.ndarray:
    """{-1, 0, +1} values -> interleaved (nonzero mask, sign) words."""
    v = np.asarray(v)
    nz = pack_bits(v != 0, run)
    sg = pack_bits(v < 0, run)
    out = np.stack([nz, sg], axis=-1)
    return out.reshape(nz.shape[:-1] + (2 * nz.shape[-1],))


def unpack_ternary(q: np.ndarray, shape, run: int) -> np.ndarray:
    shape = tuple(int(s) for s in shape)
    q = np.asarray(q, dtype=np.uint32).reshape(-1, 2)
    nz = unpack_bits(q[:, 0], shape, run)
    sg = unpack_bits(q[:, 1], shape, run)
    return np.where(nz, np.where(sg, -1, 1), 0).astype(np.int8)


def popcount32(x: np.ndarray) -> np.ndarray:
    """Bits set in each uint32 (int64 result)."""
    x = np.asarray(x, dtype=np.uint32).astype(np.uint64)
    x = x - ((x >> np.uint64(1)) & np.uint64(0x55555555))
    x = (x & np.uint64(0x33333333)) + ((x >> np.uint64(2)) & np.uint64(0x33333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F)
    return ((x * np.uint64(0x01010101)) & np.uint64(0xFFFFFFFF)) >> np.uint64(24)


def pack_filters(w: np.ndarray, tern: bool = False) -> np.ndarray:
    """Weights (Cout, ...) of {-1, +1} (or {-1, 0, +1}) packed contiguously: each filter (all its
    other axes, last fastest) is a run of n = prod(shape[1:]) bits and filter c starts at bit c * n
    of one run over the whole tensor, padded to a whole word at its end only (ternary: the two
    planes of that run interleaved word by word).  One bit per weight: 32x smaller than float32."""
    w = np.asarray(w)
    flat = w.reshape(1, -1)
    q = pack_ternary(flat, flat.shape[1]) if tern else pack_signs(flat, flat.shape[1])
    return q.reshape(-1)


def unpack_filters(q: np.ndarray, shape, tern: bool = False) -> np.ndarray:
    """Inverse of pack_filters: int8 values of ``shape``."""
    shape = tuple(int(s) for s in shape)
    n = int(np.prod(shape, dtype=np.int64))
    v = unpack_ternary(q, (1, n), n) if tern else unpack_signs(q, (1, n), n)
    return v.reshape(shape)


def filter_words(shape, tern: bool = False) -> int:
    """uint32 words of pack_filters(w) for weights of ``shape``."""
    return words(int(np.prod(shape, dtype=np.int64))) * (2 if tern else 1)
