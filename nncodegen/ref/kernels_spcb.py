"""Numpy twins of the sparse + codebook kernels (templates_c/kernels/*_sparse_codebook_*), with the C names
and argument order minus the output pointer (scratch is taken and ignored).

The layout is nncodegen.compress.sparse_codebook's.  Integer formats (q7, q15, affine int8, their
accumulator variants, and the ``_b16_`` variants with int16 biases): decode the weights exactly and run
the dense kernel's twin -- the compressed kernel's result is the dense kernel's, bit for bit.  Float:
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


for _sfx in ("q7", "q7_wide", "q15", "q15_acc32", "s8"):
    _mod = ks8 if _sfx == "s8" else kq
    _dt = np.int16 if _sfx.startswith("q15") else np.int8
    for _fam, _conv in (("conv2d", True), ("dense", False)):
        for _b in ("", "_b16"):
            _name = f"{_fam}_sparse_codebook{_b}_{_sfx}"
            globals()[_name] = _int_twin(getattr(_mod, f"{_fam}_{_sfx}"), _conv, _dt, _name, bool(_b))


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


def conv2d_sparse_codebook_scratch_size_f32(g: ConvGeom) -> int:
    return kc.conv_scratch_bytes(g, 4)
