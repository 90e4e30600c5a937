"""Numpy twins of the sparse + codebook kernels (templates_c/kernels/*_sparse_codebook_*), with the C names
and argument order minus the output pointer (scratch is taken and ignored).

The layout is nncodegen.compress.sparse_codebook's.  Integer formats (q7, q15, affine int8, their
accumulator variants, and the ``_b16_`` variants with int16 biases): decode the weights exactly and run
the dense kernel's twin -- the compressed kernel's result is the dense kernel's, bit for bit.  The ``*_rows_*``
forms (rows row0..row1 - 1, streams read from bits count_at / entries_at) take the output so far as their last
argument and return it with those rows written.  Float:
the decoded weights summed in the order the C documents (spcb_f32.inc: compress_f32.inc's lanes / seq
orders, the twins of nncodegen.ref.kernels_compress).
"""
from __future__ import annotations

import numpy as np

from ..compress.sparse_codebook import decode
from ..lower.params import ConvGeom, DenseGeom
from . import kernels_compress as kc
from . import kernels_q as kq
from . import kernels_s8 as ks8

F32 = np.float32


def _weights(codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, out: int, k: int, dtype):
    cb = np.asarray(codebook, dtype=dtype).reshape(-1)
    rows = 1 if int(cb_stride) == 0 else out
    if cb.size != rows * (1 << int(index_bits)):
        raise ValueError(f"codebook of {cb.size} values for {rows} row(s) of {1 << int(index_bits)}")
    return decode(cb, int(cb_stride), count, int(count_bits), entries, int(delta_bits), int(index_bits), out, k)


def _from_bit(stream, at: int) -> np.ndarray:
    """The stream's bytes as read from bit ``at`` (nnc_spcb_start_at): its bits from there on, packed from bit 0."""
    bits = np.unpackbits(np.asarray(stream, dtype=np.uint8).reshape(-1), bitorder="little")[int(at):]
    return np.packbits(bits, bitorder="little")


def _rows_weights(codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, row0, row1, count_at,
                  entries_at, out: int, k: int, dtype):
    """The [out, k] weights with rows row0..row1 - 1 decoded from the streams read from bits count_at /
    entries_at (the *_rows_* kernels), the other rows 0."""
    row0, row1 = int(row0), int(row1)
    if not 0 <= row0 <= row1 <= out:
        raise ValueError(f"rows {row0}..{row1} of {out}")
    cb = np.asarray(codebook, dtype=dtype).reshape(-1)
    rows = 1 if int(cb_stride) == 0 else out
    if cb.size != rows * (1 << int(index_bits)):
        raise ValueError(f"codebook of {cb.size} values for {rows} row(s) of {1 << int(index_bits)}")
    w = np.zeros((out, k), dtype=cb.dtype)
    w[row0:row1] = decode(cb[row0 * int(cb_stride):], int(cb_stride), _from_bit(count, count_at), int(count_bits),
                          _from_bit(entries, entries_at), int(delta_bits), int(index_bits), row1 - row0, k)
    return w


def _put_rows(so_far, y, row0, row1):
    """The output so far with its channels (last axis) row0..row1 - 1 taken from y."""
    out = np.array(so_far, copy=True)
    o = out.reshape(-1, out.shape[-1] if out.ndim else 1)
    o[:, int(row0):int(row1)] = np.asarray(y).reshape(o.shape[0], -1)[:, int(row0):int(row1)]
    return out


def _bias16(bias, name: str):
    if bias is not None:
        b = np.asarray(bias)
        if b.size and (b.min() < -32768 or b.max() > 32767):
            raise OverflowError(f"{name}: a bias outside int16")
    return bias


def _int_twin(base, conv: bool, dtype, name: str, b16: bool):
    def twin(g, rq, x, codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, bias, *scratch):
        out, k = (g.out_c, kc._conv_k(g)) if conv else (g.out_features, g.in_features)
        if conv:
            kq._check_groups(g)
        w = _weights(codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, out, k, dtype)
        if b16:
            bias = _bias16(bias, name)
        return base(g, rq, x, kc._conv_w(g, w) if conv else w, bias)
    twin.__name__ = name
    return twin


def _int_rows_twin(base, conv: bool, dtype, name: str, b16: bool):
    """The *_rows_* form: the output so far (the last argument) with rows row0..row1 - 1 written."""
    def twin(g, rq, x, codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, bias, row0, row1,
             count_at, entries_at, *rest):
        out, k = (g.out_c, kc._conv_k(g)) if conv else (g.out_features, g.in_features)
        if conv:
            kq._check_groups(g)
        w = _rows_weights(codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, row0, row1,
                          count_at, entries_at, out, k, dtype)
        if b16:
            bias = _bias16(bias, name)
        return _put_rows(rest[-1], base(g, rq, x, kc._conv_w(g, w) if conv else w, bias), row0, row1)
    twin.__name__ = name
    return twin


for _sfx in ("q7", "q7_wide", "q15", "q15_acc32", "s8"):
    _mod = ks8 if _sfx == "s8" else kq
    _dt = np.int16 if _sfx.startswith("q15") else np.int8
    for _fam, _conv in (("conv2d", True), ("dense", False)):
        for _b in ("", "_b16"):
            _name = f"{_fam}_sparse_codebook{_b}_{_sfx}"
            globals()[_name] = _int_twin(getattr(_mod, f"{_fam}_{_sfx}"), _conv, _dt, _name, bool(_b))
            _name = f"{_fam}_sparse_codebook_rows{_b}_{_sfx}"
            globals()[_name] = _int_rows_twin(getattr(_mod, f"{_fam}_{_sfx}"), _conv, _dt, _name, bool(_b))


def dense_sparse_codebook_f32(g: DenseGeom, act, x, codebook, count, entries, cb_stride, count_bits, delta_bits,
                              index_bits, bias) -> np.ndarray:
    w = _weights(codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, g.out_features,
                 g.in_features, F32)
    return kc._dense_f32(g, act, x, w, bias)


def conv2d_sparse_codebook_f32(g: ConvGeom, act, x, codebook, count, entries, cb_stride, count_bits, delta_bits,
                               index_bits, bias, seq_channels, *scratch) -> np.ndarray:
    w = _weights(codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, g.out_c, kc._conv_k(g),
                 F32)
    return kc._conv_f32(g, act, x, w, bias, int(seq_channels))


def dense_sparse_codebook_rows_f32(g: DenseGeom, act, x, codebook, count, entries, cb_stride, count_bits,
                                   delta_bits, index_bits, bias, row0, row1, count_at, entries_at,
                                   so_far) -> np.ndarray:
    w = _rows_weights(codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, row0, row1, count_at,
                      entries_at, g.out_features, g.in_features, F32)
    return _put_rows(so_far, kc._dense_f32(g, act, x, w, bias), row0, row1)


def conv2d_sparse_codebook_rows_f32(g: ConvGeom, act, x, codebook, count, entries, cb_stride, count_bits, delta_bits,
                                    index_bits, bias, row0, row1, count_at, entries_at, seq_channels,
                                    *rest) -> np.ndarray:
    w = _rows_weights(codebook, count, entries, cb_stride, count_bits, delta_bits, index_bits, row0, row1, count_at,
                      entries_at, g.out_c, kc._conv_k(g), F32)
    return _put_rows(rest[-1], kc._conv_f32(g, act, x, w, bias, int(seq_channels)), row0, row1)


def conv2d_sparse_codebook_scratch_size_f32(g: ConvGeom) -> int:
    return kc.conv_scratch_bytes(g, 4)
