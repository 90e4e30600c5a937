"""Numpy twins of the affine int8 C kernels (templates_c/kernels/*_s8.c).

One function per C kernel, with the C name and argument order minus the
output pointer (concat parts also take the output so far, like every concat
part twin).  Params are the dataclasses of nncodegen/lower/params.py; buffers
are numpy arrays of any shape holding the right number of elements.  These
functions are the specification: tests/test_kernels_s8.py compares the C with
them bit for bit.  Arithmetic is int64 on int32 values, and every rounding goes
through nncodegen/ref/affine.py, the twin of nnc_affine.h.

Semantics follow TFLite's reference kernels (tensorflow/lite/kernels/internal/
reference/integer_ops/): conv / depthwise conv / fully connected (per-channel
multipliers, input offset, padded taps skipped = the input zero point),
add / sub (left shift 20 and three multipliers), mul, max / average pool
(average rounded half away from zero, input and output share a format),
PReLU.  Where TFLite uses float inside a kernel (concat with rescale,
sigmoid, tanh, ...) the compiler builds a 256-entry table instead, so the C
stays integer-only.  Softmax is table-based (see softmax_s8), or TFLite's own
gemmlowp fixed-point kernel where a model asks for it (softmax_tfl_s8); log-softmax
exists only as TFLite's kernel (log_softmax_tfl_s8).  TFLite models get TFLite's own gemmlowp
fixed-point logistic and tanh (logistic_tfl_s8, tanh_tfl_s8) instead of the tables.
"""
from __future__ import annotations

import numpy as np

from ..lower.params import (ActTflS8, Broadcast, ConcatS8, ConvGeom, DenseGeom, EltwiseS8, GavgS8, HardSwishTflS8,
                            LeakyS8, LogSoftmaxTflS8, LutS8, MeanS8, Pad, PoolOrtS8, PoolS8, PreluS8, QuantS8,
                            RequantS8, Resize, SoftmaxOrtS8, SoftmaxS8, SoftmaxTflS8)
from ..lower.params_s16 import SliceS16
from . import affine as af
from . import sf32
from .float_ops import im2col
from .kernels_q import _arr, avgpool_divisors, broadcast_index  # _arr: the same element-type checks

S8 = np.int8
U8 = np.uint8
ACC32_LIMIT = 1 << 31


def _bounds(lo: int, hi: int) -> None:
    if not -128 <= lo <= hi <= 127:
        raise ValueError(f"saturation bounds [{lo}, {hi}] not inside int8")


def _bias(b, n: int) -> np.ndarray:
    if b is None:
        return np.zeros(n, dtype=np.int64)
    return _arr(b, np.int32, (n,)).astype(np.int64)


def _epilogue(acc: np.ndarray, rq: RequantS8) -> np.ndarray:
    _bounds(rq.out_min, rq.out_max)
    n = acc.shape[-1]
    if len(rq.multiplier) != n or len(rq.shift) != n:
        raise ValueError(f"requant has {len(rq.multiplier)} multipliers for {n} output channels")
    return af.requant_s8(acc, np.asarray(rq.multiplier, np.int64), np.asarray(rq.shift, np.int64),
                         rq.output_offset, rq.out_min, rq.out_max, rq.rounding).astype(S8)


def _check_acc32(bound: np.ndarray, kernel: str) -> None:
    if bound.size and int(bound.max()) >= ACC32_LIMIT:
        raise OverflowError(f"{kernel}: |bias| + sum |(x - zp) * w| reaches {int(bound.max())} >= 2^31; "
                            f"the int32 accumulator may overflow")


def _pad_after(in_size: int, out_size: int, k: int, stride: int, pad_before: int, dil: int = 1) -> int:
    return max(0, (out_size - 1) * stride + dil * (k - 1) + 1 - in_size - pad_before)


def _windows(g: ConvGeom, x: np.ndarray, pad_value: int, dilated: bool) -> np.ndarray:
    dh, dw = (g.dil_h, g.dil_w) if dilated else (1, 1)
    pads = (g.pad_top, g.pad_left, _pad_after(g.in_h, g.out_h, g.k_h, g.stride_h, g.pad_top, dh),
            _pad_after(g.in_w, g.out_w, g.k_w, g.stride_w, g.pad_left, dw))
    if min(pads) < 0:
        raise ValueError("negative padding")
    cols = im2col(x.astype(np.int64), g.k_h, g.k_w, (g.stride_h, g.stride_w), pads, (dh, dw), pad_value)
    return cols[:, :g.out_h, :g.out_w]


# ---------------------------------------------------------------- MAC kernels

def _conv_sum(g: ConvGeom, xo: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum (x + input_offset) * w with xo = x + input_offset (padding contributes 0)."""
    cols = _windows(g, xo, 0, dilated=True)
    n, oh, ow = cols.shape[:3]
    cin_g = g.in_c // g.groups
    cols = cols.reshape(n, oh, ow, g.k_h, g.k_w, g.groups, cin_g)
    wg = w.astype(np.int64).reshape(g.groups, g.out_c // g.groups, g.k_h, g.k_w, cin_g)
    return np.einsum("nyxhwgc,gohwc->nyxgo", cols, wg).reshape(n, oh, ow, g.out_c)


def conv2d_s8(g: ConvGeom, rq: RequantS8, x, w, b) -> np.ndarray:
    """Grouped conv (incl. depthwise and 1x1), NHWC, weights [out_c][k_h][k_w][in_c/groups] (symmetric,
    zero point 0), bias int32 or None.  Padded taps are skipped (they read the input zero point).
    acc = bias + sum (x + input_offset) * w in int32 (the caller proves it cannot overflow)."""
    if g.groups < 1 or g.in_c % g.groups or g.out_c % g.groups:
        raise ValueError(f"groups {g.groups} must divide in_c {g.in_c} and out_c {g.out_c}")
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64) + rq.input_offset
    w = _arr(w, S8, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups))
    bias = _bias(b, g.out_c)
    _check_acc32(_conv_sum(g, np.abs(x), np.abs(w.astype(np.int64))) + np.abs(bias), "conv2d_s8")
    return _epilogue(_conv_sum(g, x, w) + bias, rq)


def dense_s8(g: DenseGeom, rq: RequantS8, x, w, b) -> np.ndarray:
    """output[b][o] = requant(bias[o] + sum_i (x[b][i] + input_offset) * w[o][i])."""
    x = _arr(x, S8, (g.batch, g.in_features)).astype(np.int64) + rq.input_offset
    w = _arr(w, S8, (g.out_features, g.in_features)).astype(np.int64)
    bias = _bias(b, g.out_features)
    _check_acc32(np.abs(x) @ np.abs(w).T + np.abs(bias), "dense_s8")
    return _epilogue(x @ w.T + bias, rq)


def pw_bias_s8(w, b, input_offset: int) -> np.ndarray:
    """conv2d_pw_s8's bias with the input offset folded in: bias[c] + input_offset * sum_k w[c][k], modulo 2^32
    (int32; lowering computes it once per output channel)."""
    w = np.asarray(w).astype(np.int64).reshape(len(w), -1)
    return af.wrap32(_bias(b, len(w)) + int(input_offset) * w.sum(axis=1)).astype(np.int32)


def conv2d_pw_s8(g: ConvGeom, rq: RequantS8, x, w, bias_x) -> np.ndarray:
    """1x1 convolution (stride 1, no padding, one group) with the input offset folded into bias_x
    (pw_bias_s8): acc = bias_x[c] + sum_k x[p][k] * w[c][k] modulo 2^32, which is conv2d_s8's accumulator
    whenever conv2d_s8's bound holds (the exact total fits int32); rq.input_offset is not used."""
    if (g.k_h, g.k_w, g.stride_h, g.stride_w, g.pad_top, g.pad_left, g.groups) != (1, 1, 1, 1, 0, 0, 1) or \
            (g.out_h, g.out_w) != (g.in_h, g.in_w):
        raise ValueError(f"conv2d_pw_s8 takes 1x1 convolutions with stride 1, no padding, one group: {g}")
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64).reshape(-1, g.in_c)
    w = _arr(w, S8, (g.out_c, 1, 1, g.in_c)).astype(np.int64).reshape(g.out_c, g.in_c)
    bx = _arr(bias_x, np.int32, (g.out_c,)).astype(np.int64)
    _check_acc32(np.abs(x) @ np.abs(w).T, "conv2d_pw_s8")
    acc = af.wrap32(x @ w.T + bx).astype(np.int64)
    return _epilogue(acc, rq).reshape(g.batch, g.out_h, g.out_w, g.out_c)


def pack_pwp_s8(w) -> np.ndarray:
    """conv2d_pwp_s8's weights: [out_c][in_c] (any trailing shape) int8 -> int32 words of int16 pairs, for each
    output channel pair and four inputs k0 .. k3: (w[c][k0], w[c][k2]), (w[c][k1], w[c][k3]) for c = 2 cp, then
    2 cp + 1 (first element in the low half), zero-padded to even out_c and in_c a multiple of 4."""
    w = np.asarray(w).astype(np.int64)
    w = w.reshape(len(w), -1)
    oc, k = w.shape
    full = np.zeros((-(-oc // 2) * 2, -(-k // 4) * 4), np.int64)
    full[:oc, :k] = w
    q = full.reshape(len(full) // 2, 2, -1, 2, 2)  # [cp][c % 2][k / 4][(k % 4) / 2: half][k % 2: word]
    q = q.transpose(0, 2, 1, 4, 3)  # [cp][k / 4][c % 2][word][half]
    words = (q[..., 0] & 0xFFFF) | ((q[..., 1] & 0xFFFF) << 16)
    return af.wrap32(words.reshape(-1)).astype(np.int32)


def unpack_pwp_s8(wpk, out_c: int, in_c: int) -> np.ndarray:
    """The [out_c][in_c] weights of a pack_pwp_s8 array (its inverse)."""
    cp, g4 = -(-out_c // 2), -(-in_c // 4)
    v = _arr(wpk, np.int32, (cp * g4 * 4,)).astype(np.int64) & 0xFFFFFFFF
    halves = np.stack([v & 0xFFFF, v >> 16], axis=-1)
    halves = np.where(halves >= 0x8000, halves - 0x10000, halves).reshape(cp, g4, 2, 2, 2)
    return halves.transpose(0, 2, 1, 4, 3).reshape(cp * 2, g4 * 4)[:out_c, :in_c]


def conv2d_pwp_s8(g: ConvGeom, rq: RequantS8, x, wpk, bias_x) -> np.ndarray:
    """conv2d_pw_s8 over pack_pwp_s8's packed weights: the same sums, the same bits."""
    w = unpack_pwp_s8(wpk, g.out_c, g.in_c)
    return conv2d_pw_s8(g, rq, x, w.reshape(g.out_c, 1, 1, g.in_c).astype(S8), bias_x)


# ---------------------------------------------------------------- pools

def maxpool_s8(g: ConvGeom, x) -> np.ndarray:
    """Max over the window's real elements (padding ignored; an empty window gives -128)."""
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c))
    return _windows(g, x, -128, dilated=False).max(axis=(3, 4)).astype(S8)


def avgpool_s8(g: ConvGeom, p: PoolS8, x) -> np.ndarray:
    """Average pool.  count: the real elements of the window, or (count_include_pad) the window clipped
    to the padded input, each padded tap adding the zero point.  half_even 0: TFLite's
    sat(avg_round(sum, count)), ties away from zero; 1: ONNX's
    sat(div_round_even(sum - count * zp, count) + zp), ties to even on the real values."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c))
    s = _windows(g, x, 0, dilated=False).sum(axis=(3, 4))
    real = avgpool_divisors(g, 0)[None, :, :, None]
    count = avgpool_divisors(g, p.count_include_pad)[None, :, :, None]
    s = s + (count - real) * p.zero_point
    if p.half_even:
        q = af.div_round_even(s - count * p.zero_point, np.maximum(count, 1)) + p.zero_point
    else:
        q = af.avg_round(s, np.maximum(count, 1))
    return np.clip(np.where(count > 0, q, 0), p.out_min, p.out_max).astype(S8)


def _table_f32(table, what: str) -> np.ndarray:
    t = np.asarray(table, dtype=np.int64)
    if t.shape != (256,) or t.min() < 0 or t.max() >= 1 << 32:
        raise ValueError(f"{what} must hold 256 float32 bit patterns")
    return sf32.from_bits(t)


def avgpool_ort_s8(g: ConvGeom, p: PoolOrtS8, x) -> np.ndarray:
    """onnxruntime's QLinearAveragePool (see nnc_pool_ort_s8), in numpy float32: the window's
    dequantized values summed row by row, / count, / out_scale, + zero point, rounded to even."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    xf = _table_f32(p.table, "avgpool_ort_s8 table")[x + 128]
    ys = sf32.from_bits([p.out_scale])[0]
    out = np.zeros((g.batch, g.out_h, g.out_w, g.in_c), dtype=np.int64)
    zp = np.float32(p.out_zero_point)
    with np.errstate(all="ignore"):
        for oy in range(g.out_h):
            y0 = oy * g.stride_h - g.pad_top
            ylo, yhi = max(y0, 0), min(y0 + g.k_h, g.in_h)
            for ox in range(g.out_w):
                x0 = ox * g.stride_w - g.pad_left
                xlo, xhi = max(x0, 0), min(x0 + g.k_w, g.in_w)
                real = max(yhi - ylo, 0) * max(xhi - xlo, 0)
                count = g.k_h * g.k_w if p.count_include_pad else real
                if count == 0:
                    out[:, oy, ox, :] = p.out_zero_point
                    continue
                acc = np.zeros((g.batch, g.in_c), dtype=np.float32)
                for iy in range(ylo, yhi):
                    for ix in range(xlo, xhi):
                        acc = (acc + xf[:, iy, ix, :]).astype(np.float32)
                acc = ((acc / np.float32(count)).astype(np.float32) / ys).astype(np.float32)
                out[:, oy, ox, :] = np.rint((acc + zp).astype(np.float32)).astype(np.int64)
    v = np.clip(out, 0, 255) - 128
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def global_avgpool_s8(g: ConvGeom, p: GavgS8, x) -> np.ndarray:
    """(N, 1, 1, C): sat(mbqm(sum_hw (x + input_offset), multiplier, shift) + output_offset)."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64) + p.input_offset
    s = x.sum(axis=(1, 2), keepdims=True)
    if g.in_h * g.in_w * 255 >= ACC32_LIMIT:
        raise OverflowError("global_avgpool_s8: the int32 sum may overflow")
    v = af.mbqm(s, p.multiplier, p.shift, p.rounding) + p.output_offset
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def mean_s8(p: MeanS8, x) -> np.ndarray:
    """TFLite's int8 MEAN over the axes with reduce[k] != 0 of a rank-4 tensor (see nnc_mean_s8):
    sat(mbqm(sum + count * input_offset, multiplier, shift) + output_offset); the kept axes' values in
    row-major order."""
    _bounds(p.out_min, p.out_max)
    shape = tuple(int(d) for d in p.in_shape)
    axes = tuple(k for k in range(4) if p.reduce[k])
    count = int(np.prod([shape[k] for k in axes], dtype=np.int64))
    if min(shape) < 1 or 256 * count >= ACC32_LIMIT:
        raise ValueError(f"mean_s8: shape {shape} over axes {axes}: empty, or the int32 sum may overflow")
    s = _arr(x, S8, shape).astype(np.int64).sum(axis=axes, keepdims=True) + count * p.input_offset
    v = af.mbqm(s, p.multiplier, p.shift, p.rounding) + p.output_offset
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def global_maxpool_s8(g: ConvGeom, x) -> np.ndarray:
    x = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c))
    return x.max(axis=(1, 2), keepdims=True).astype(S8)


# ---------------------------------------------------------------- element-wise

def _operands(p: EltwiseS8, a, b):
    _bounds(p.out_min, p.out_max)
    shape = tuple(p.bc.shape)
    a = _arr(a, S8).reshape(-1).astype(np.int64)
    b = _arr(b, S8).reshape(-1).astype(np.int64)
    return (a[broadcast_index(shape, p.bc.a_stride)] + p.a_offset,
            b[broadcast_index(shape, p.bc.b_stride)] + p.b_offset)


def _add_ort(p: EltwiseS8, av: np.ndarray, bv: np.ndarray) -> np.ndarray:
    """onnxruntime's QLinearAdd (see nnc_eltwise_s8): nearbyintf(fma(a', A, fma(b', B, F)))."""
    A = sf32.from_bits([p.a_multiplier & 0xFFFFFFFF])[0]
    table = np.asarray(p.ort_table, dtype=np.int64)
    if table.shape != (256,):
        raise ValueError("add_s8 (onnxruntime): ort_table must hold 256 float32 bit patterns")
    t = sf32.from_bits(table[bv - p.b_offset + 128])
    v = np.rint(sf32.fma_f32(av.astype(np.float32), A, t).astype(np.float64)).astype(np.int64)
    return np.clip(np.clip(v, 0, 255) + p.out_offset, p.out_min, p.out_max).astype(S8)


def _addsub(p: EltwiseS8, a, b, sign: int) -> np.ndarray:
    av, bv = _operands(p, a, b)
    if p.rounding == af.ROUND_ORT:
        if sign != 1:
            raise ValueError("rounding 'onnxruntime' is defined for add only")
        return _add_ort(p, av, bv)
    if not 0 <= p.left_shift <= 22:
        raise ValueError(f"left_shift {p.left_shift} outside [0, 22]")
    return tfl_addsub(p, av, bv, sign).astype(S8)


def tfl_addsub(p, av, bv, sign: int) -> np.ndarray:
    """TFLite's integer add (sign 1) / sub (-1) of offset operands av, bv (int64), shared by add_s8 / sub_s8
    and add_s16 / sub_s16 (p: EltwiseS8 or EltwiseS16): each operand times 2^left_shift scaled by its
    multiplier, the two summed (saturated to int32) and requantized."""
    sa = af.mbqm(av << p.left_shift, p.a_multiplier, p.a_shift, p.rounding)
    sb = af.mbqm(bv << p.left_shift, p.b_multiplier, p.b_shift, p.rounding)
    raw = af.sat32(sa + sign * sb)
    v = af.mbqm(raw, p.out_multiplier, p.out_shift, p.rounding) + p.out_offset
    return np.clip(v, p.out_min, p.out_max)


def add_s8(p: EltwiseS8, a, b) -> np.ndarray:
    """TFLite's int8 add over a 4-D broadcast (see nnc_eltwise_s8)."""
    return _addsub(p, a, b, 1)


def sub_s8(p: EltwiseS8, a, b) -> np.ndarray:
    return _addsub(p, a, b, -1)


def mul_s8(p: EltwiseS8, a, b) -> np.ndarray:
    """TFLite's int8 mul: sat(mbqm((a + a_offset) * (b + b_offset), out_multiplier, out_shift) + out_offset)."""
    av, bv = _operands(p, a, b)
    v = af.mbqm(av * bv, p.out_multiplier, p.out_shift, p.rounding) + p.out_offset
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def lut_s8(n: int, p: LutS8, x) -> np.ndarray:
    """out[i] = table[x[i] + 128]."""
    t = _arr(p.table, S8, (256,))
    x = _arr(x, S8, (n,)).astype(np.int64)
    return t[x + 128]


def concat_part_s8(p: ConcatS8, x, out) -> np.ndarray:
    """Writes [outer][inner] into out viewed as [outer][out_inner] at column offset (copy or table)."""
    x = _arr(x, S8, (p.outer, p.inner))
    o = _arr(out, S8).copy()
    shape = o.shape
    o = o.reshape(p.outer, p.out_inner)
    if p.offset < 0 or p.offset + p.inner > p.out_inner:
        raise ValueError("concat part outside the output")
    if p.table is not None:
        x = _arr(p.table, S8, (256,))[x.astype(np.int64) + 128]
    o[:, p.offset:p.offset + p.inner] = x
    return o.reshape(shape)


def softmax_s8(p: SoftmaxS8, x) -> np.ndarray:
    """Table-based softmax over the last axis (see nnc_softmax_s8); int64 arithmetic."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (p.rows, p.cols)).astype(np.int64)
    t = np.asarray(p.exp_table, dtype=np.int64)
    if t.shape != (256,) or t.min() < 0 or t.max() > (1 << 24):
        raise ValueError("exp_table must hold 256 entries in [0, 2^24]")
    if not 0 <= p.den_shift <= 40 or not 0 <= p.multiplier < (1 << 31):
        raise ValueError("softmax multiplier / den_shift out of range")
    e = t[x.max(axis=1, keepdims=True) - x]
    den = e.sum(axis=1, keepdims=True) << p.den_shift
    num = e * p.multiplier
    q = (2 * num + den) // (2 * den)
    return np.clip(q + p.out_offset, p.out_min, p.out_max).astype(S8)


def softmax_ort_s8(p: SoftmaxOrtS8, x) -> np.ndarray:
    """onnxruntime's QLinearSoftmax (see nnc_softmax_ort_s8), in numpy float32, the sum in column order."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (p.rows, p.cols)).astype(np.int64)
    t = _table_f32(p.exp_table, "softmax_ort_s8 exp_table")
    e = t[255 - (x.max(axis=1, keepdims=True) - x)]
    total = np.zeros(p.rows, dtype=np.float32)
    with np.errstate(all="ignore"):
        for j in range(p.cols):
            total = (total + e[:, j]).astype(np.float32)
        ys = sf32.from_bits([p.y_scale])[0]
        q = np.rint(((e * ys).astype(np.float32) / total[:, None]).astype(np.float32).astype(np.float64))
    v = np.minimum(q.astype(np.int64) + p.out_zero_point, 255) - 128
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def softmax_tfl_s8(p: SoftmaxTflS8, x) -> np.ndarray:
    """TFLite's reference int8 softmax (see nnc_softmax_tfl_s8): gemmlowp fixed point, int64 arithmetic."""
    _bounds(p.out_min, p.out_max)
    if not 0 <= p.input_left_shift <= 31 or not 0 <= p.input_multiplier < (1 << 31):
        raise ValueError("softmax_tfl_s8 multiplier / left shift out of range")
    x = _arr(x, S8, (p.rows, p.cols)).astype(np.int64)
    d = x - x.max(axis=1, keepdims=True)
    used = d >= p.diff_min
    e = af.gl_exp_on_negative_values(af.gl_mbqm_gt1(np.where(used, d, 0), p.input_multiplier,
                                                    p.input_left_shift), af.SOFTMAX_SCALED_DIFF_BITS)
    total = np.where(used, af.rdbpot(e, 12), 0).sum(axis=1, keepdims=True)  # Q12.19
    scale, nbits = af.gl_get_reciprocal(af.sat32(total), 12)
    exponent = nbits + 31 - 8
    q = af.rdbpot(af.srdhm(scale, e), np.minimum(exponent, 31))
    v = np.where(used, np.where(exponent <= 31, q, 0) - 128, -128)
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def log_softmax_tfl_s8(p: LogSoftmaxTflS8, x) -> np.ndarray:
    """TFLite's reference int8 log-softmax (see nnc_log_softmax_tfl_s8): gemmlowp fixed point, int64
    arithmetic; output scale 16/256, zero point 127."""
    _bounds(p.out_min, p.out_max)
    if not 0 <= p.input_left_shift <= 31 or not 0 <= p.input_multiplier < (1 << 31) \
            or not 0 <= p.reverse_scaling_right_shift <= 31 or not 0 <= p.reverse_scaling_divisor < (1 << 31) \
            or not af.INT32_MIN < p.diff_min <= 0:
        raise ValueError("log_softmax_tfl_s8 multipliers / shifts / diff_min out of range")
    x = _arr(x, S8, (p.rows, p.cols)).astype(np.int64)
    d = x - x.max(axis=1, keepdims=True)
    ib = af.SOFTMAX_SCALED_DIFF_BITS
    # Q5.26 differences; only d >= diff_min is used, where d * 2^left_shift fits in int32
    scaled = af.gl_mbqm_gt1(np.where(d >= p.diff_min, d, 0), p.input_multiplier, p.input_left_shift)
    e = af.gl_exp_on_negative_values(scaled, ib)
    total = np.where(d >= p.diff_min, af.rdbpot(e, 12), 0).sum(axis=1, keepdims=True)  # Q12.19
    log_sum = af.gl_log_x_ge_1(af.sat32(total), 12, ib)  # Q5.26
    adjusted = af.rdbpot(af.srdhm(af.wrap32(log_sum + af.INT32_MIN), p.reverse_scaling_divisor),
                         p.reverse_scaling_right_shift)  # t: times the reverse scaling (< 1), double rounding
    adjusted = np.maximum(adjusted, p.diff_min - 1)
    v = af.rdbpot(af.wrap32(scaled - log_sum), 31 - ib - 4) + 127
    v = np.where(d > adjusted, np.clip(v, -128, 127), -128)
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def prelu_s8(p: PreluS8, x) -> np.ndarray:
    """TFLite's int8 PReLU over [outer][channels] (see nnc_prelu_s8)."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (p.outer, p.channels)).astype(np.int64) + p.input_offset
    alpha = _arr(p.alpha, S8, (p.channels,)).astype(np.int64) + p.alpha_offset
    pos = af.mbqm(x, p.pos_multiplier, p.pos_shift, p.rounding)
    neg = af.mbqm(x * alpha, np.asarray(p.neg_multiplier, np.int64), np.asarray(p.neg_shift, np.int64),
                  p.rounding)
    v = np.where(x >= 0, pos, neg) + p.output_offset
    return np.clip(v, p.out_min, p.out_max).astype(S8)


# ---------------------------------------------------------------- data movement

def pad_s8(p: Pad, x) -> np.ndarray:
    """Pad of rank <= 4 (shapes left-filled with 1); constant mode pads with p.value (the quantized
    pad value, normally the zero point), reflect mirrors without repeating the edge, edge repeats it."""
    x = _arr(x, S8, tuple(p.in_shape))
    widths = [(int(p.before[k]), int(p.out_shape[k] - p.in_shape[k] - p.before[k])) for k in range(4)]
    if any(a < 0 or b < 0 for a, b in widths):
        raise ValueError("pad shapes do not fit")
    if p.mode == 0:
        return np.pad(x, widths, mode="constant", constant_values=p.value).astype(S8)
    return np.pad(x, widths, mode="reflect" if p.mode == 1 else "edge").astype(S8)


def resize_nearest_s8(p: Resize, x) -> np.ndarray:
    """out[n][y][x][c] = in[n][y0[y]][x0[x]][c]."""
    x = _arr(x, S8, (p.batch, p.in_h, p.in_w, p.channels))
    y0 = np.asarray(p.y0, dtype=np.int64)
    x0 = np.asarray(p.x0, dtype=np.int64)
    if y0.shape != (p.out_h,) or x0.shape != (p.out_w,):
        raise ValueError("resize index tables do not match the output size")
    return x[:, y0][:, :, x0]


# ---------------------------------------------------------------- format changes

def _rne_f32(v: np.ndarray) -> np.ndarray:
    return np.rint(v.astype(np.float64))


def quantize_f32(x, scale: float, zero_point: int, qmin: int, qmax: int, round_away: int) -> np.ndarray:
    """Twin of nnc_quantize_f32 (quant_f32.inc, shared by quantize_s8 and quantize_s16): int64
    sat(round(x / scale) + zero_point, qmin, qmax), the division in float32, NaN -> 0; round half away from
    zero (TFLite) with round_away, else half to even (ONNX)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        v = (np.asarray(x, dtype=np.float32) / np.float32(scale)).astype(np.float32)
    v = np.where(np.isnan(v), 0.0, np.clip(v.astype(np.float64), -1e9, 1e9))
    r = np.sign(v) * np.floor(np.abs(v) + 0.5) if round_away else _rne_f32(v)
    return np.clip(r + zero_point, qmin, qmax).astype(np.int64)


def quantize_s8(n: int, p: QuantS8, x) -> np.ndarray:
    """q = sat(round(x / scale) + zero_point, qmin, qmax), the division in float32; round half to even
    (ONNX), or half away from zero with p.round_away (TFLite)."""
    x = np.asarray(x, dtype=np.float32).reshape(n)
    return quantize_f32(x, p.scale, p.zero_point, p.qmin, p.qmax, p.round_away).astype(S8)


def dequantize_s8(n: int, p: QuantS8, x) -> np.ndarray:
    """(float)(q - zero_point) * scale in float32."""
    q = _arr(x, S8, (n,)).astype(np.int64)
    return (q - p.zero_point).astype(np.float32) * np.float32(p.scale)


def _act_tfl_s8(p: ActTflS8, x, name: str):
    """The input differences v and their Q4.27 values of nnc_act_tfl_s8 (0 where saturated)."""
    _bounds(p.out_min, p.out_max)
    if not 0 <= p.input_left_shift <= 31 or not 0 <= p.input_multiplier < (1 << 31) or \
            not 0 <= p.input_range_radius <= (15 << 27) >> p.input_left_shift or not -128 <= p.input_zero_point <= 127:
        raise ValueError(f"{name} zero point / multiplier / left shift / radius out of range")
    v = _arr(x, S8, (p.n,)).astype(np.int64) - p.input_zero_point
    inside = np.abs(v) < p.input_range_radius
    a = af.mbqm(np.where(inside, v, 0), p.input_multiplier, p.input_left_shift, af.ROUND_DOUBLE)
    return v, inside, a


def _act_tfl_out(p: ActTflS8, v, inside, y) -> np.ndarray:
    y = np.where(inside, y, np.where(v <= -p.input_range_radius, -128, 127))
    return np.clip(np.clip(y, -128, 127), p.out_min, p.out_max).astype(S8)


def logistic_tfl_s8(p: ActTflS8, x) -> np.ndarray:
    """TFLite's reference int8 logistic (see nnc_act_tfl_s8): gemmlowp fixed point, int64 arithmetic."""
    v, inside, a = _act_tfl_s8(p, x, "logistic_tfl_s8")
    return _act_tfl_out(p, v, inside, af.rdbpot(af.gl_logistic(a, af.ACT_INPUT_INTEGER_BITS), 31 - 8) - 128)


def tanh_tfl_s8(p: ActTflS8, x) -> np.ndarray:
    """TFLite's reference int8 tanh (see nnc_act_tfl_s8): gemmlowp fixed point, int64 arithmetic."""
    v, inside, a = _act_tfl_s8(p, x, "tanh_tfl_s8")
    return _act_tfl_out(p, v, inside, af.rdbpot(af.gl_tanh(a, af.ACT_INPUT_INTEGER_BITS), 31 - 7))


# ---------------------------------------------------------------- more TFLite operators

def _srdhm16(a, b) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul on int16 values (ties toward +infinity)."""
    a, b = np.broadcast_arrays(np.asarray(a, np.int64), np.asarray(b, np.int64))
    ab = a * b
    r = af._trunc_div_pow2(ab + np.where(ab >= 0, 1 << 14, 1 - (1 << 14)), 15)
    return np.where((a == -32768) & (b == -32768), 32767, r)


def _dhm16(a, b) -> np.ndarray:
    """TFLite SaturatingDoublingHighMul on int16 values (truncated toward zero)."""
    a, b = np.broadcast_arrays(np.asarray(a, np.int64), np.asarray(b, np.int64))
    return np.where((a == -32768) & (b == -32768), 32767, af._trunc_div_pow2(a * b, 15))


def _sat16(v) -> np.ndarray:
    return np.clip(v, -32768, 32767)


def hard_swish_tfl_s8(p: HardSwishTflS8, x) -> np.ndarray:
    """TFLite's reference int8 HARD_SWISH in 16-bit fixed point (see nnc_hard_swish_tfl_s8)."""
    _bounds(p.out_min, p.out_max)
    e = p.reluish_exponent
    if not (-15 <= p.output_exponent <= 0 and -15 <= e <= 15 and 0 <= p.output_multiplier <= 32767
            and 0 <= p.reluish_multiplier <= 32767):
        raise ValueError("hard_swish_tfl_s8: exponents or multipliers outside the legal range")
    h = (_arr(x, S8, (p.n,)).astype(np.int64) - p.input_zero_point) * 128
    pre = _srdhm16(h, p.output_multiplier)
    r = _sat16(h << (e - 1)) if e > 0 else h
    r = _srdhm16(r, p.reluish_multiplier)
    if e > 0:
        r = _sat16(r * 2)
    elif e < 0:
        r = af.rdbpot(r, -e)
    r = (r + (1 << 15)) >> 1
    y = af.rdbpot(_dhm16(r, pre), -p.output_exponent) + p.output_zero_point
    return np.clip(y, p.out_min, p.out_max).astype(S8)


def leaky_relu_s8(p: LeakyS8, x) -> np.ndarray:
    """TFLite's QuantizeLeakyRelu on int8 (see nnc_leaky_s8)."""
    _bounds(p.out_min, p.out_max)
    v = _arr(x, S8, (p.n,)).astype(np.int64) + p.input_offset
    y = np.where(v >= 0, af.mbqm(v, p.identity_multiplier, p.identity_shift, p.rounding),
                 af.mbqm(v, p.alpha_multiplier, p.alpha_shift, p.rounding)) + p.output_offset
    return np.clip(y, p.out_min, p.out_max).astype(S8)


def _minmax(bc: Broadcast, a, b, fn) -> np.ndarray:
    shape = tuple(bc.shape)
    a = _arr(a, S8).reshape(-1)
    b = _arr(b, S8).reshape(-1)
    return fn(a[broadcast_index(shape, bc.a_stride)], b[broadcast_index(shape, bc.b_stride)]).astype(S8)


def maximum_s8(bc: Broadcast, a, b) -> np.ndarray:
    """max(a, b) of the stored integers over a 4-D broadcast (operands and output in one format)."""
    return _minmax(bc, a, b, np.maximum)


def minimum_s8(bc: Broadcast, a, b) -> np.ndarray:
    return _minmax(bc, a, b, np.minimum)


def strided_slice(p: SliceS16, flat: np.ndarray, kernel: str) -> np.ndarray:
    """out[i0..i5] = flat[offset + sum i_k * in_stride[k]] (see nnc_slice_s16), any element type: the copy
    of strided_slice_s8 and strided_slice_s16."""
    idx = np.full(tuple(p.out_shape), p.offset, dtype=np.int64)
    for k in range(6):
        shape = [1] * 6
        shape[k] = p.out_shape[k]
        idx = idx + (np.arange(p.out_shape[k], dtype=np.int64) * p.in_stride[k]).reshape(shape)
    if idx.size and (idx.min() < 0 or idx.max() >= flat.size):
        raise ValueError(f"{kernel} reads outside the input")
    return flat[idx]


def strided_slice_s8(p: SliceS16, x) -> np.ndarray:
    """A strided copy of int8 values (see strided_slice)."""
    return strided_slice(p, _arr(x, S8).reshape(-1), "strided_slice_s8")


def conv_transpose2d_s8(g: ConvGeom, rq: RequantS8, x, w, b) -> np.ndarray:
    """TFLite's int8 TRANSPOSE_CONV (see conv_transpose2d_s8.h): input pixel (iy, ix) adds
    (x + input_offset) * w[:, ky, kx, :] to output pixel (iy * stride - pad + ky * dil, ...); bias, requantize."""
    if g.groups != 1:
        raise ValueError("conv_transpose2d_s8: groups must be 1")
    xo = _arr(x, S8, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64) + rq.input_offset
    w = _arr(w, S8, (g.out_c, g.k_h, g.k_w, g.in_c)).astype(np.int64)
    bias = _bias(b, g.out_c)
    h = max((g.in_h - 1) * g.stride_h + (g.k_h - 1) * g.dil_h + 1, g.out_h + g.pad_top)
    wd = max((g.in_w - 1) * g.stride_w + (g.k_w - 1) * g.dil_w + 1, g.out_w + g.pad_left)

    def scatter(xv, wv):
        acc = np.zeros((g.batch, h, wd, g.out_c), dtype=np.int64)
        for ky in range(g.k_h):
            for kx in range(g.k_w):
                y0, x0 = ky * g.dil_h, kx * g.dil_w
                acc[:, y0:y0 + (g.in_h - 1) * g.stride_h + 1:g.stride_h,
                    x0:x0 + (g.in_w - 1) * g.stride_w + 1:g.stride_w] += np.einsum("nyxc,oc->nyxo", xv, wv[:, ky, kx])
        return acc[:, g.pad_top:g.pad_top + g.out_h, g.pad_left:g.pad_left + g.out_w]

    _check_acc32(scatter(np.abs(xo), np.abs(w)) + np.abs(bias), "conv_transpose2d_s8")
    return _epilogue(scatter(xo, w) + bias, rq)


def convert_u8_s8(n: int, x) -> np.ndarray:
    """uint8 -> int8 of the same real values (q - 128, zero point - 128)."""
    return (_arr(x, U8, (n,)).astype(np.int64) - 128).astype(S8)


def convert_s8_u8(n: int, x) -> np.ndarray:
    return (_arr(x, S8, (n,)).astype(np.int64) + 128).astype(U8)


KERNELS = ["conv2d_s8", "dense_s8", "pool_s8", "eltwise_s8", "lut_s8", "concat_s8", "softmax_s8", "prelu_s8",
           "pad_s8", "resize_s8", "quant_s8", "act_tfl_s8", "mean_s8", "hard_swish_tfl_s8", "leaky_relu_s8", "minmax_s8",
           "strided_slice_s8", "conv_transpose2d_s8"]
