"""Affine int8 MAC layers (conv2d, dense, conv_transpose2d): weights, bias and per-channel requantization,
and the choice between the plain, pointwise, DSP-packed and 4-byte-packed kernels."""
from __future__ import annotations

import dataclasses
from typing import List

import numpy as np

from ..ir.formats import AffineFormat
from ..ir.graph import Node
from ..ref import affine as af
from ..ref import kernels_pk_s8 as kpk
from ..ref import kernels_s8 as ks
from .lower_s8_common import ACC32, rounding_of, ort_scale, _fail, _act, _shape, act_bounds
from .params import ConvGeom, DenseGeom, RequantS8
from .program import Buf, Call, Const, Param


def _weights(ctx, node: Node):
    w = ctx.g.tensors[node.inputs[1]]
    fw = w.fmt
    if not isinstance(fw, AffineFormat) or fw.bits != 8 or w.qdata is None:
        _fail(node, f"weights {w.name!r} must be affine int8 constants, have {fw}")
    if any(z != 0 for z in fw.zero_points(w.shape[0])):
        _fail(node, f"weights {w.name!r} must be symmetric (zero point 0)")
    if fw.per_channel and fw.axis != 0:
        _fail(node, f"weights {w.name!r}: per-channel scales must be along the output channels (axis 0)")
    return w, fw.scales(w.shape[0])


def _bias(ctx, node: Node, s_in: float, s_w: np.ndarray):
    if len(node.inputs) < 3:
        return None
    b = ctx.g.tensors[node.inputs[2]]
    fb = b.fmt
    if not isinstance(fb, AffineFormat) or fb.bits != 32 or b.qdata is None:
        _fail(node, f"bias {b.name!r} must be an int32 affine constant, has {fb}")
    want = (np.float32(s_in) * s_w).astype(np.float32)
    got = fb.scales(len(s_w))
    if not np.allclose(got, want, rtol=1e-5, atol=0):
        _fail(node, f"bias {b.name!r} scale is not s_in * s_w")
    return Const(b.name)


def _mac_requant(ctx, node: Node, s_w: np.ndarray) -> RequantS8:
    fx_, fo = _act(ctx, node, node.inputs[0]), _act(ctx, node, node.outputs[0])
    r = rounding_of(ctx.g)
    if r == af.ROUND_ORT:  # QLinearConv / QGemm: output_scale = x_scale * w_scale / y_scale in float32
        ms = [(af.ort_multiplier(ort_scale(fx_.scale, "*", s, "/", fo.scale)), 0) for s in s_w]
    elif node.op in ("conv2d", "conv_transpose2d"):  # TFLite's PopulateConvolutionQuantizationParams: in double
        ms = [af.quantize_multiplier(float(np.float32(fx_.scale)) * float(np.float32(s)) /
                                     float(np.float32(fo.scale)), r) for s in s_w]
    else:  # fully connected: GetQuantizedConvolutionMultipler, float32 product
        ms = [af.quantize_multiplier(af.conv_scale(fx_.scale, float(s), fo.scale), r) for s in s_w]
    lo, hi = act_bounds(node, fo)
    return RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -fx_.zero_point, fo.zero_point, lo, hi, r)


def accumulator_bound_s8(ctx, node: Node) -> int:
    """Largest |acc| any input can produce: |bias| + sum |w| * max |x - zp| per output channel."""
    fx_ = _act(ctx, node, node.inputs[0])
    w = ctx.g.tensors[node.inputs[1]].qdata.astype(np.int64)
    xmax = max(127 - fx_.zero_point, fx_.zero_point + 128)
    bound = np.abs(w).reshape(w.shape[0], -1).sum(axis=1) * xmax
    if len(node.inputs) > 2:
        bound = bound + np.abs(ctx.g.tensors[node.inputs[2]].qdata.astype(np.int64))
    return int(bound.max())


def pointwise_s8(g: ConvGeom, attrs) -> bool:
    """A 1x1 convolution with stride 1, no padding and one group: conv2d_pw_s8 (offset folded into the bias)."""
    return (g.k_h, g.k_w, g.stride_h, g.stride_w, g.groups) == (1, 1, 1, 1, 1) and \
        tuple(attrs["pads"]) == (0, 0, 0, 0) and (g.out_h, g.out_w) == (g.in_h, g.in_w)


def packed_s8(ctx, k: int) -> bool:
    """Whether a one-group MAC layer of K = k products per output takes the packed kernels (conv2d_pk_s8 /
    dense_pk_s8: weights interleaved for 4-byte dot products at generation time, VPDPBUSD on x86): on the
    generic and x86 targets, K4 within the kernels' stack row; ARM targets keep their DSP / NEON paths."""
    return not str(getattr(ctx, "target", "generic")).startswith(("cortex", "arm")) and kpk.k4_of(k) <= kpk.PK_K


def rows_depthwise_s8(g: ConvGeom) -> bool:
    """A depthwise layer that conv2d_s8 runs by output rows with AVX-512 (conv2d_dwrow512.inc: in_c 1, 2, 4 or 8,
    horizontal stride 1, kernels up to 7x7): it keeps conv2d_s8 instead of the block-diagonal packed form
    (in_c times the products)."""
    return g.groups == g.in_c == g.out_c and g.in_c in (1, 2, 4, 8) and g.stride_w == 1 and \
        (g.k_h * g.k_w + 1) // 2 <= DWR_MAXP


DWR_MAXP = 25  # NNC_DWR_MAXP: tap pairs conv2d_dwrow512.inc takes


PWP_K = 256  # NNC_PWP_K: largest in_c conv2d_pwp_s8's DSP path takes


def dsp_pointwise_s8(ctx, in_c: int) -> bool:
    """Whether a 1x1 layer takes conv2d_pwp_s8 (weights packed as int16 pairs for SMLAD, twice the bytes of the
    int8 weights): on the ARMv7E-M DSP targets (Cortex-M4 / M7), in_c within its two-pixel stack buffer."""
    from ..codegen.targets import TARGETS
    t = TARGETS.get(str(getattr(ctx, "target", "generic")))
    return t is not None and t.arch == "armv7e-m" and in_c <= PWP_K


def _packed_args(ctx, w, bias, rq) -> tuple:
    b = None if bias is None else ctx.g.tensors[bias.tensor].qdata
    return (Const(f"{w.name}_pk", tuple(int(v) for v in kpk.pack_pk_s8(w.qdata)), "int8_t"),
            Const(f"{w.name}_bias_u", tuple(int(v) for v in kpk.pk_bias_s8(w.qdata, b, rq.input_offset)), "int32_t"))


def lower_mac(ctx, node: Node) -> List[Call]:
    x, y = node.inputs[0], node.outputs[0]
    w, s_w = _weights(ctx, node)
    fx_ = _act(ctx, node, x)
    bias = _bias(ctx, node, fx_.scale, s_w)
    if accumulator_bound_s8(ctx, node) >= ACC32:
        _fail(node, "the int32 accumulator could overflow for some input (weights too large or too many)")
    rq = _mac_requant(ctx, node, s_w)
    if node.op == "dense":
        xs = _shape(ctx, x)
        geom = DenseGeom(xs[0], xs[1], w.shape[0])
        kernel = "dense_s8"
        if packed_s8(ctx, xs[1]):
            wpk, bias_u = _packed_args(ctx, w, bias, rq)
            return [Call(node.name, node.op, "dense_pk_s8", [Param(geom), Param(rq), Buf(x), wpk, bias_u, Buf(y)], y)]
    elif node.op == "conv2d":
        xs, ys, a = _shape(ctx, x), _shape(ctx, y), node.attrs
        geom = ConvGeom(xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], w.shape[1], w.shape[2], a["strides"][0],
                        a["strides"][1], a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1],
                        a["groups"])
        kernel = "conv2d_s8"
        if pointwise_s8(geom, a) and not packed_s8(ctx, geom.in_c):  # ARM targets: the input offset folded
            # into the bias once per output channel (the generic and x86 targets take conv2d_pk_s8 below)
            wsum = w.qdata.astype(np.int64).reshape(len(w.qdata), -1).sum(axis=1)
            b = 0 if bias is None else ctx.g.tensors[bias.tensor].qdata.astype(np.int64)
            bias = Const(f"{w.name}_bias_x", tuple(int(v) for v in af.wrap32(b + rq.input_offset * wsum)), "int32_t")
            kernel = "conv2d_pw_s8"
            if dsp_pointwise_s8(ctx, geom.in_c):  # ARMv7E-M: int16 weight pairs packed for SMLAD (two channels x
                # two pixels per step, no widening of the weights at run time)
                wpk = Const(f"{w.name}_pwp", tuple(int(v) for v in ks.pack_pwp_s8(w.qdata)), "int32_t")
                return [Call(node.name, node.op, "conv2d_pwp_s8", [Param(geom), Param(rq), Buf(x), wpk, bias, Buf(y)],
                             y)]
        elif geom.groups == 1 and packed_s8(ctx, geom.k_h * geom.k_w * geom.in_c):
            wpk, bias_u = _packed_args(ctx, w, bias, rq)
            return [Call(node.name, node.op, "conv2d_pk_s8", [Param(geom), Param(rq), Buf(x), wpk, bias_u, Buf(y)],
                         y)]
        elif packed_s8(ctx, geom.k_h * geom.k_w * geom.in_c) and not rows_depthwise_s8(geom) and \
                kpk.expand_pays(geom.groups, geom.k_h * geom.k_w, geom.in_c, geom.out_c):
            # narrow groups: the block-diagonal one-group layer (zeros outside each group), the same sums
            wd = kpk.expand_groups(w.qdata, geom.groups, geom.in_c)
            b = None if bias is None else ctx.g.tensors[bias.tensor].qdata
            args = (Const(f"{w.name}_pk", tuple(int(v) for v in kpk.pack_pk_s8(wd)), "int8_t"),
                    Const(f"{w.name}_bias_u", tuple(int(v) for v in kpk.pk_bias_s8(wd, b, rq.input_offset)), "int32_t"))
            geom = dataclasses.replace(geom, groups=1)
            return [Call(node.name, node.op, "conv2d_pk_s8", [Param(geom), Param(rq), Buf(x), *args, Buf(y)], y)]
    elif node.op == "conv_transpose2d":  # TFLite's TRANSPOSE_CONV (the accumulator bound above holds: each
        xs, ys, a = _shape(ctx, x), _shape(ctx, y), node.attrs  # output sums each tap at most once)
        if a["groups"] != 1:
            _fail(node, "grouped transposed convolutions have no affine int8 kernel")
        geom = ConvGeom(xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], w.shape[1], w.shape[2], a["strides"][0],
                        a["strides"][1], a["pads"][0], a["pads"][1], a["dilations"][0], a["dilations"][1], 1)
        kernel = "conv_transpose2d_s8"
    else:
        _fail(node, "no affine int8 kernel")
    return [Call(node.name, node.op, kernel, [Param(geom), Param(rq), Buf(x), Const(w.name), bias, Buf(y)], y)]
