"""The ARM paths of the MAC kernels, bit for bit against the numpy twins, under qemu (marker "cross").

One C program per target holds many seeded random cases (shapes, strides, paddings, dilations, zero points,
multipliers, both TFLite roundings and onnxruntime's, fused bounds) with their twins' outputs, and counts
mismatches; it is built once per target and run under qemu:

  cortex-m4        ARMv7E-M DSP: conv2d_pw_s8's widened-weight SMLAD blocks (offset folded into the bias),
                   conv2d_pwp_s8's packed int16 weight pairs (two channels x two pixels per SMLAD step;
                   odd channel counts, input tails, odd pixel counts, several channel chunks),
                   conv2d_s8's depthwise blocks of four channels (SXTAB16 + SMLABB / SMLATT, one asm block
                   per 3x3 window, 32-channel chunks), its 3x3 stride-1 column buffer (two rows of a
                   channel per int16 pair, SMLAD; tiles of 12 pixels, padding read as the zero point) and,
                   with vertical stride 1 and the SMMLAR requantization, its two-rows-a-pass form (pairs of
                   input rows widened once per tile, odd last rows, several chunks) and its tables prepared
                   once for all the one-row calls of conv2d_inplace_s8, its
                   3x3 path over one input channel (a word load per input row) and small-K path (one group,
                   K <= 32: input pairs gathered once per pixel, SMLAD over blocks of four channels), the prepared
                   requantization (nnc_mbqm_prep / nnc_mbqm_pre_apply) and conv2d_pwp_s8's SMMLAR form of it
                   (nnc_dsp_rqd_s8: biases near its bound, shifts to 31, extreme output offsets, ties) and the
                   depthwise paths' and the one-channel 3x3 path's (doubled weights and biases); the sparse fully
                   connected row loops (dense_sparse_q7 / _q7_wide / _s8 / _q15 / _q15_acc32: every step count
                   modulo 8), the pair-run int8 layout's pair and single loops (dense_sparse_pr_s8: every step count
                   of both modulo 8, padding, empty rows, sums at the int32 bound),
                   float group loops (dense_sparse_cd_f32, VFP: every entry count modulo 8, class fillers) and
                   conv2d_q7's window path (column buffer, blocks of 2 / 4 / 6 channels, the rounding term in the
                   starting sums, SSAT / USAT epilogues)
  cortex-m4 -O0    the same DSP build unoptimized (the assembly blocks that need many free registers run their C
                   steps without __OPTIMIZE__)
  cortex-m4 portable  the same program with -DNNC_NO_SIMD (the reference the DSP build must equal)
  cortex-a55-linux ARMv8.2-A NEON + SDOT: the q7 dot products (conv2d_q7, dense_q7, conv2d_pw_s8) and the
                   affine int8 ones (conv2d_s8, dense_s8: x * w by SDOT, the offset through the weights' sum)
  aarch64-linux    NEON without SDOT (Cortex-A53), the same cases

Besides, on the host: conv2d_pw_s8's twin equals conv2d_s8's on the same layer (hypothesis), the SMMLAR
requantization (nnc_dsp_rqd_prep / nnc_dsp_rqd_s8, modelled instruction by instruction) equals the twin's
double rounding (hypothesis and exhaustive corners), and the lowering picks conv2d_pw_s8 for 1x1 layers with the folded bias of pw_bias_s8.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncodegen.harness.cross import compile_for_target
from nncodegen.ir.ops import conv_out_size
from nncodegen.lower.params import ActF32, ConvGeom, DenseGeom, Requant, RequantS8
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.compress import sparse_cd_f32 as scd
from nncodegen.compress import sparse_pr_s8 as spr
from nncodegen.compress.storage import encode_sparse_sliced, sliced_wsum
from nncodegen.ref import affine as af
from nncodegen.ref import kernels_compress as kc
from nncodegen.ref import kernels_q as kq
from nncodegen.ref import kernels_s8 as ks

from helpers import InPlaceArg, ScratchArg, kernel_check_program
from test_cross import cross, need

SOURCES = ["conv2d_s8.c", "conv2d_pw_s8.c", "dense_s8.c", "conv2d_q7.c", "dense_q7.c", "dense_sparse_q7.c",
           "dense_sparse_s8.c", "dense_sparse_q15.c", "dense_sparse_cd_f32.c", "dense_sparse_pr_s8.c"]
HEADERS = ["conv2d_s8.h", "conv2d_pw_s8.h", "dense_s8.h", "conv2d_q7.h", "dense_q7.h", "dense_sparse_q7.h",
           "dense_sparse_s8.h", "dense_sparse_q15.h", "dense_sparse_cd_f32.h", "dense_sparse_pr_s8.h"]


def _requant_s8(rng, n, in_zp, rounding):
    if rounding == af.ROUND_ORT:
        ms = [(af.ort_multiplier(np.float32(2.0 ** rng.uniform(-14, -2))), 0) for _ in range(n)]
    else:  # mostly right shifts (the prepared form), a few multipliers above 1 (left shifts)
        ms = [af.quantize_multiplier(float(2.0 ** rng.uniform(-16, 1.5 if rng.random() < .15 else -1)), rounding)
              for _ in range(n)]
    out_zp = int(rng.integers(-128, 128))
    lo, hi = (-128, 127) if rng.random() < .5 else sorted(int(v) for v in rng.integers(-128, 128, 2))
    return RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -in_zp, out_zp, lo, hi, rounding)


def _geom(rng, kind):
    batch = 1 if rng.random() < .7 else 2
    if kind == "pointwise":
        cin = int(rng.choice([1, 3, 4, 8, 13, 16, 24, 32, 40, 64, 300]))
        cout = int(rng.integers(1, 14))
        h, w = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        return ConvGeom(batch, h, w, cin, h, w, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
    if kind == "depthwise":
        c = int(rng.choice([4, 8, 12, 16, 20, 32, 6]))
        kh, kw = [(3, 3), (3, 3), (3, 3), (2, 2), (1, 3), (5, 5), (7, 7)][int(rng.integers(0, 7))]
        cin = cout = groups = c
    else:  # generic / small K / patch convolutions
        cin, cout, groups = int(rng.integers(1, 9)), int(rng.integers(1, 12)), 1
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    dh, dw = (1, 1) if rng.random() < .7 else (2, 2)
    pt, pl = int(rng.integers(0, kh)), int(rng.integers(0, kw))
    pb, pr = int(rng.integers(0, kh)), int(rng.integers(0, kw))
    h = max(dh * (kh - 1) + 1, 1) + int(rng.integers(0, 7))
    w = max(dw * (kw - 1) + 1, 1) + int(rng.integers(0, 7))
    oh, ow = conv_out_size(h, kh, sh, pt, pb, dh), conv_out_size(w, kw, sw, pl, pr, dw)
    return ConvGeom(batch, h, w, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups)


def _int8(rng, shape, extreme):
    if extreme:  # all-minimum / all-maximum stretches: the largest products and sums
        return rng.choice(np.array([-128, 127, -127], np.int8), size=shape)
    return rng.integers(-128, 128, size=shape).astype(np.int8)


def _pwp_case(g, rq, x, w, bx):
    """[conv2d_pwp_s8's case] for the sums' biases bx (bias_x, the input offset folded in), or [] where the layer's
    own bias would leave int32."""
    b = (bx - ks.pw_bias_s8(w, None, rq.input_offset)).astype(np.int64)
    if np.abs(b).max() >= 1 << 31:
        return []
    b = b.astype(np.int32)
    return [("conv2d_pwp_s8", [g, rq, x, ks.pack_pwp_s8(w), ks.pw_bias_s8(w, b, rq.input_offset)],
             ks.conv2d_s8(g, rq, x, w, b))]


def cases(seed: int = 2026, n_conv: int = 60):
    """(C kernel, arguments, expected output) for the program; twins give the expected outputs."""
    rng = np.random.default_rng(seed)
    out = []
    rounds = [af.ROUND_DOUBLE, af.ROUND_SINGLE, af.ROUND_DOUBLE, af.ROUND_ORT]
    for i in range(n_conv):
        kind = ["pointwise", "depthwise", "depthwise", "generic"][i % 4]
        g = _geom(rng, kind)
        extreme = i % 7 == 3
        x = _int8(rng, (g.batch, g.in_h, g.in_w, g.in_c), extreme)
        w = _int8(rng, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), extreme)
        w[w == -128] = -127  # symmetric weights, as the importers give them
        zp = int(rng.integers(-128, 128))
        b = rng.integers(-(1 << 20), 1 << 20, size=g.out_c).astype(np.int32) if i % 5 else None
        rq = _requant_s8(rng, g.out_c, zp, rounds[i % 4])
        want = ks.conv2d_s8(g, rq, x, w, b)
        out.append(("conv2d_s8", [g, rq, x, w, b], want))
        if kind == "pointwise":
            bx = ks.pw_bias_s8(w, b, rq.input_offset)
            assert np.array_equal(ks.conv2d_pw_s8(g, rq, x, w, bx), want)
            out.append(("conv2d_pw_s8", [g, rq, x, w, bx], want))
            out.append(("conv2d_pwp_s8", [g, rq, x, ks.pack_pwp_s8(w), bx], want))
    for i in range(16):  # conv2d_pwp_s8: odd channel counts, input tails, odd pixel counts, several chunks
        cin = int(rng.choice([1, 2, 3, 5, 7, 8, 12, 17, 31, 64, 129, 256]))
        cout = int(rng.choice([1, 2, 3, 5, 31, 32, 33, 47, 64, 70]))
        h, w_ = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        g = ConvGeom(1 + i % 2, h, w_, cin, h, w_, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
        x = _int8(rng, (g.batch, h, w_, cin), i % 5 == 4)
        w = _int8(rng, (cout, 1, 1, cin), i % 5 == 4)
        w[w == -128] = -127
        zp = int(rng.integers(-128, 128))
        b = rng.integers(-(1 << 20), 1 << 20, size=cout).astype(np.int32) if i % 3 else None
        rq = _requant_s8(rng, cout, zp, rounds[i % 4])
        want = ks.conv2d_s8(g, rq, x, w, b)
        out.append(("conv2d_pwp_s8", [g, rq, x, ks.pack_pwp_s8(w), ks.pw_bias_s8(w, b, rq.input_offset)], want))
    for i in range(42):  # conv2d_pwp_s8 with nnc_dsp_rqd_s8 (double rounding into [-128, 127]): in_c 8 and 16
        # (unrolled, doubled inputs), in_c below and above twice the chunk's channels (inputs or sums doubled),
        # biases at the bound |bias_x| + in_c 2^14 < 2^30 and past it, shifts up to 31 with extreme output zero points
        # (k = 2^(r-1) + off 2^r near 2^31: accepted or not), ties of both roundings (multipliers 2^30 and 2^30 + 2^k)
        cin = [8, 16, 8, 16, 13, 3, 12, 40, 72, 129][i % 10]
        cout = int(rng.choice([1, 2, 3, 4, 5, 16, 32, 33, 47]))
        h, w_ = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        g = ConvGeom(1, h, w_, cin, h, w_, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
        x = _int8(rng, (1, h, w_, cin), i % 4 == 3)
        w = _int8(rng, (cout, 1, 1, cin), i % 4 == 3)
        w[w == -128] = -127
        zp = int(rng.integers(-128, 128))
        if i % 3 == 0:  # multipliers with few low bits set: ties in srdhm and rdbpot
            ms = [(1 << 30) + (int(rng.integers(0, 2)) << int(rng.integers(0, 30))) for _ in range(cout)]
        else:
            ms = [int(rng.integers(1 << 30, 1 << 31)) for _ in range(cout)]
        big = i % 5 == 4  # shifts where k = 2^(r-1) + off 2^r passes 2^31 for extreme offsets: the chunk refused
        shifts = [-int(rng.choice([1, 2, 7, 12, 17, 23, 24] + ([25, 31] if big else []))) for _ in range(cout)]
        off = [-128, 127, 0, int(rng.integers(-128, 128))][i % 4]
        rq = RequantS8(tuple(ms), tuple(shifts), -zp, off, -128, 127, af.ROUND_DOUBLE)
        bx = ks.pw_bias_s8(w, None, rq.input_offset).astype(np.int64)
        edge = (1 << 30) - cin * 16384  # the first |bias_x| the fast form refuses
        pick = rng.integers(0, 3 + 2 * (i % 4 == 1), size=cout)  # one case in four: some channels past the bound
        far = (1 << 30) + (1 << 28)  # 2 bias_x overflows
        bx = np.select([pick == 1, pick == 2, pick == 3, pick == 4], [edge - 1, -(edge - 1), -edge, far], bx)
        if i % 6 == 5:  # every channel accepted or refused by its bias alone: the whole chunk takes one path; the
            # third kind just inside 2^30 with the largest negative products, so that 2 a overflows (a guard that
            # undercounts in_c 2^14 fails here)
            bx = np.full(cout, [edge - 1, -far, -(1 << 30) + 100][i % 18 // 6], np.int64)
            if i % 18 // 6 == 2:
                x[:], w[:] = 127, -127
        out += _pwp_case(g, rq, x, w, bx)
    for i in range(42):  # depthwise with nnc_dsp_rqd_s8 (double rounding into [-128, 127], doubled weights and
        # biases): the 3x3 column-buffer path (horizontal stride 1), the tap path (stride 2, 2x3 / 1x1 windows) and
        # the 3x3 path over one input channel,
        # biases at the bound |bias| + taps 2^15 < 2^30 and past it, shifts up to 31, extreme offsets and zero points
        c = int(rng.choice([4, 8, 12, 36, 68]))
        kh, kw = [(3, 3), (3, 3), (3, 3), (2, 3), (1, 1), (3, 3)][i % 6]
        one = i % 7 == 2  # the 3x3 path over one input channel (conv2d_sk9_dsp_s8) instead
        if one:
            kh, kw, c = 3, 3, int(rng.choice([8, 13, 17]))
        sh, sw = int(rng.integers(1, 3)), [1, 2][i % 2]
        pt, pl, pb, pr = (int(v) for v in rng.integers(0, 2, 4))
        h, w_ = kh + int(rng.integers(0, 5)), kw + int(rng.integers(0, 14))
        g = ConvGeom(1, h, w_, 1 if one else c, conv_out_size(h, kh, sh, pt, pb, 1),
                     conv_out_size(w_, kw, sw, pl, pr, 1), c, kh, kw, sh, sw, pt, pl, 1, 1, 1 if one else c)
        x = _int8(rng, (1, h, w_, g.in_c), i % 4 == 3)
        w = _int8(rng, (c, kh, kw, 1), i % 4 == 3)
        w[w == -128] = -127
        zp = [-128, 127, int(rng.integers(-128, 128))][i % 3]
        ms = [(1 << 30) + (int(rng.integers(0, 2)) << int(rng.integers(0, 30))) if i % 3 == 0
              else int(rng.integers(1 << 30, 1 << 31)) for _ in range(c)]
        big = i % 5 == 4
        shifts = [-int(rng.choice([1, 2, 7, 12, 17, 23, 24] + ([25, 31] if big else []))) for _ in range(c)]
        off = [-128, 127, 0, int(rng.integers(-128, 128))][i % 4]
        rq = RequantS8(tuple(ms), tuple(shifts), -zp, off, -128, 127, af.ROUND_DOUBLE)
        edge = (1 << 30) - kh * kw * 32768  # the first |bias| the fast form refuses
        b = rng.integers(-(1 << 20), 1 << 20, size=c).astype(np.int64)
        pick = rng.integers(0, 3 + 2 * (i % 4 == 1), size=c)
        far = (1 << 30) + (1 << 28)  # 2 bias overflows
        b = np.select([pick == 1, pick == 2, pick == 3, pick == 4], [edge - 1, -(edge - 1), -edge, far], b)
        if i % 6 == 5:  # as above; the third kind: |bias| just under 2^30 and the largest negative products
            b = np.full(c, [edge - 1, -far, -(1 << 30) + 100][i % 18 // 6], np.int64)
            if i % 18 // 6 == 2:
                x[:], w[:], zp = 127, -127, -128
                rq = RequantS8(tuple(ms), tuple(shifts), -zp, off, -128, 127, af.ROUND_DOUBLE)
        b = b.astype(np.int32)
        out.append(("conv2d_s8", [g, rq, x, w, b], ks.conv2d_s8(g, rq, x, w, b)))
    for i in range(16):  # the DSP depthwise path over several 32-channel chunks, the small-K path (one group,
        # k_h * k_w * in_c <= 32) over several 16-channel chunks with a partial last block of four
        if i % 2 == 0:
            c = int(rng.choice([36, 44, 64, 68]))
            kh, kw = [(3, 3), (3, 3), (2, 3), (1, 1)][i // 2 % 4]
            cin, cout, groups = c, c, c
        else:
            cin, cout, groups = int(rng.choice([1, 1, 2, 3])), int(rng.choice([5, 8, 17, 30, 33])), 1
            kh, kw = [(3, 3), (3, 3), (2, 2), (3, 1)][i // 2 % 4]
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        pt, pl, pb, pr = (int(v) for v in rng.integers(0, 2, 4))
        h, w_ = kh + int(rng.integers(0, 6)), kw + int(rng.integers(0, 6))
        g = ConvGeom(1, h, w_, cin, conv_out_size(h, kh, sh, pt, pb, 1), conv_out_size(w_, kw, sw, pl, pr, 1), cout,
                     kh, kw, sh, sw, pt, pl, 1, 1, groups)
        x = _int8(rng, (1, h, w_, cin), i % 7 == 5)
        w = _int8(rng, (cout, kh, kw, cin // groups), i % 7 == 5)
        w[w == -128] = -127
        zp = int(rng.integers(-128, 128))
        b = rng.integers(-(1 << 20), 1 << 20, size=cout).astype(np.int32) if i % 5 else None
        rq = _requant_s8(rng, cout, zp, rounds[i % 4])
        out.append(("conv2d_s8", [g, rq, x, w, b], ks.conv2d_s8(g, rq, x, w, b)))
    for i in range(24):  # depthwise 3x3 (dilation 1) through its column buffer: rows wider than one tile of
        # output pixels, strides 1 and 2, every padding, several 32-channel chunks, extreme zero points (the
        # buffer's padding is the zero point); 3x3 over one channel (first layers): widths where the row's word
        # load would pass the row end, 1 to 33 output channels
        if i % 2 == 0:
            c = int(rng.choice([4, 8, 12, 32, 36, 68]))
            cin, cout, groups = c, c, c
        else:
            cin, cout, groups = 1, int(rng.choice([1, 3, 4, 8, 13, 16, 17, 33])), 1
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        pt, pl, pb, pr = (int(v) for v in rng.integers(0, 3, 4))
        h, w_ = 3 + int(rng.integers(0, 5)), 3 + int(rng.integers(0, 40))
        g = ConvGeom(1 + i % 3 // 2, h, w_, cin, conv_out_size(h, 3, sh, pt, pb, 1),
                     conv_out_size(w_, 3, sw, pl, pr, 1), cout, 3, 3, sh, sw, pt, pl, 1, 1, groups)
        x = _int8(rng, (g.batch, h, w_, cin), i % 7 == 5)
        w = _int8(rng, (cout, 3, 3, cin // groups), i % 7 == 5)
        w[w == -128] = -127
        zp = [-128, 127, int(rng.integers(-128, 128))][i % 3]
        b = rng.integers(-(1 << 20), 1 << 20, size=cout).astype(np.int32) if i % 5 else None
        rq = _requant_s8(rng, cout, zp, rounds[i % 4])
        out.append(("conv2d_s8", [g, rq, x, w, b], ks.conv2d_s8(g, rq, x, w, b)))
    for i in range(12):  # dense layers: the s8 and q7 dot products with their tails
        k, m, batch = int(rng.choice([1, 5, 16, 31, 64, 100, 257])), int(rng.integers(1, 19)), int(rng.integers(1, 3))
        g = DenseGeom(batch, k, m)
        x, w = _int8(rng, (batch, k), i % 5 == 2), _int8(rng, (m, k), i % 5 == 2)
        b = rng.integers(-(1 << 16), 1 << 16, size=m).astype(np.int32)
        zp = int(rng.integers(-128, 128))
        rq = _requant_s8(rng, m, zp, rounds[i % 4])
        out.append(("dense_s8", [g, rq, x, w, b], ks.dense_s8(g, rq, x, w, b)))
        rqq = Requant(tuple(int(v) for v in rng.integers(8, 16, size=m)), -128, 127)
        bq = (b >> 4).astype(np.int32)
        out.append(("dense_q7", [g, rqq, x, w, bq], kq.dense_q7(g, rqq, x, w, bq)))
    for i in range(12):  # q7 convolutions (int32 accumulators): pointwise, patch and generic paths
        g = _geom(rng, ["pointwise", "generic", "generic"][i % 3])
        if g.in_c > 64:
            continue
        x = _int8(rng, (g.batch, g.in_h, g.in_w, g.in_c), False)
        w = _int8(rng, (g.out_c, g.k_h, g.k_w, g.in_c), False)
        b = rng.integers(-(1 << 12), 1 << 12, size=g.out_c).astype(np.int32)
        rqq = Requant(tuple(int(v) for v in rng.integers(6, 14, size=g.out_c)), -128, 127)
        out.append(("conv2d_q7", [g, rqq, x, w, b], kq.conv2d_q7(g, rqq, x, w, b)))
    for i in range(24):  # sparse q7 and int8 fully connected layers (the sliced layout): full slices of 16 rows
        # through the pairwise SMLAD loop (odd and even step counts, empty rows; int8: the offset times the row's
        # weight sum added once, extreme zero points), the partial last slice, several blocks
        k, m = int(rng.choice([1, 3, 16, 127, 128, 129, 300, 513])), int(rng.choice([1, 5, 16, 17, 32, 40]))
        g = DenseGeom(1 + i % 2, k, m)
        x = _int8(rng, (g.batch, k), i % 5 == 2)
        w = _int8(rng, (m, k), i % 5 == 2)
        w[rng.random((m, k)) >= [1.0, 0.5, 0.25, 0.1, 0.03][i % 5]] = 0
        if i % 3 == 0:
            w[rng.random(m) < 0.3] = 0
        b = rng.integers(-(1 << 16), 1 << 16, size=m).astype(np.int32)
        arrays = list(encode_sparse_sliced(w)) + [sliced_wsum(w)]
        if i % 2 == 0:
            rqq = Requant(tuple(int(v) for v in rng.integers(8, 16, size=m)), -128, 127)
            want = kc.dense_sparse_q7(g, rqq, x, *arrays, b)
            assert np.array_equal(want, kq.dense_q7(g, rqq, x, w, b))
            out.append(("dense_sparse_q7", [g, rqq, x, *arrays, b], want))
        else:
            rq = _requant_s8(rng, m, [-128, 127, int(rng.integers(-128, 128))][i // 2 % 3], rounds[i // 2 % 4])
            want = kc.dense_sparse_s8(g, rq, x, *arrays, b)
            assert np.array_equal(want, ks.dense_s8(g, rq, x, w, b))
            out.append(("dense_sparse_s8", [g, rq, x, *arrays, b], want))
    rng = np.random.default_rng(seed + 1)  # own stream: the cases above stay as they were
    for i in range(12):  # typical layers taking nnc_dsp_rqd_s8 (double rounding into [-128, 127], biases and
        # multipliers as converters give them, outputs spread over the range rather than saturated): the 3x3 path
        # over one input channel, the depthwise column buffer and tap paths, in_c 1..3 small K
        kind = i % 4
        cin, cout, groups, (kh, kw) = [(1, int(rng.choice([8, 13, 16, 17])), 1, (3, 3)),
                                       (8 * (1 + i % 3), 8 * (1 + i % 3), 8 * (1 + i % 3), (3, 3)),
                                       (8, 8, 8, (3, 3)), (3, 8, 1, (3, 3))][kind]
        sh, sw = (1, 1) if kind < 2 else (2, 2)
        pt, pl, pb, pr = (int(v) for v in rng.integers(0, 2, 4))
        h, w_ = kh + int(rng.integers(0, 5)), kw + int(rng.integers(0, 14))
        g = ConvGeom(1, h, w_, cin, conv_out_size(h, kh, sh, pt, pb, 1), conv_out_size(w_, kw, sw, pl, pr, 1), cout,
                     kh, kw, sh, sw, pt, pl, 1, 1, groups)
        x = _int8(rng, (1, h, w_, cin), False)
        w = _int8(rng, (cout, kh, kw, cin // groups), False)
        w[w == -128] = -127
        zp = int(rng.integers(-128, 128))
        ms = [af.quantize_multiplier(float(2.0 ** rng.uniform(-12, -6)), af.ROUND_DOUBLE) for _ in range(cout)]
        rq = RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -zp, int(rng.integers(-128, 128)), -128,
                       127, af.ROUND_DOUBLE)
        b = rng.integers(-(1 << 14), 1 << 14, size=cout).astype(np.int32)
        out.append(("conv2d_s8", [g, rq, x, w, b], ks.conv2d_s8(g, rq, x, w, b)))
    rng = np.random.default_rng(seed + 2)
    for i in range(8):  # depthwise 3x3 the column buffer leaves to the tap path's 3x3 window: dilation 2, stride 3
        c = int(rng.choice([4, 8, 36]))
        (sh, sw), (dh, dw) = [((1, 1), (2, 2)), ((2, 3), (1, 1)), ((1, 3), (1, 2)), ((3, 1), (2, 1))][i % 4]
        pt, pl, pb, pr = (int(v) for v in rng.integers(0, 3, 4))
        h, w_ = 3 * dh + int(rng.integers(0, 6)), 3 * dw + int(rng.integers(0, 12))
        g = ConvGeom(1, h, w_, c, conv_out_size(h, 3, sh, pt, pb, dh), conv_out_size(w_, 3, sw, pl, pr, dw), c,
                     3, 3, sh, sw, pt, pl, dh, dw, c)
        x = _int8(rng, (1, h, w_, c), i == 5)
        w = _int8(rng, (c, 3, 3, 1), i == 5)
        w[w == -128] = -127
        zp = [-128, 127, int(rng.integers(-128, 128))][i % 3]
        rq = _requant_s8(rng, c, zp, rounds[i % 4]) if i % 2 else RequantS8(
            *[tuple(v) for v in zip(*[af.quantize_multiplier(float(2.0 ** rng.uniform(-12, -6)), af.ROUND_DOUBLE)
                                      for _ in range(c)])], -zp, int(rng.integers(-128, 128)), -128, 127,
            af.ROUND_DOUBLE)
        b = rng.integers(-(1 << 14), 1 << 14, size=c).astype(np.int32)
        out.append(("conv2d_s8", [g, rq, x, w, b], ks.conv2d_s8(g, rq, x, w, b)))
    rng = np.random.default_rng(seed + 3)
    for i in range(20):  # sparse q15 fully connected layers (two entries a step): the SMLALD (int64) and SMLAD
        # (q15_acc32) row loops, every step count modulo 8 (the loop's entry), empty rows, the partial last slice,
        # several blocks of 64 columns; int64: full-range inputs and weights, whose sums leave int32
        k, m = int(rng.choice([1, 2, 17, 64, 65, 130, 300, 513])), int(rng.choice([1, 7, 16, 17, 33, 48]))
        g = DenseGeom(1 + i % 2, k, m)
        wide = i % 2 == 0
        lim = 32768 if wide else 1 << 9
        x = rng.integers(-lim, lim, size=(g.batch, k)).astype(np.int16)
        w = rng.integers(-lim, lim, size=(m, k)).astype(np.int16)
        if i % 5 == 2:  # extremes: the largest products
            x[:] = rng.choice(np.array([-lim, lim - 1], np.int16), size=x.shape)
            w[:] = rng.choice(np.array([-lim, lim - 1], np.int16), size=w.shape)
        w[rng.random((m, k)) >= [1.0, 0.6, 0.5, 0.2, 0.05][i % 5]] = 0
        if i % 3 == 0:
            w[rng.random(m) < 0.3] = 0
        b = rng.integers(-(1 << 16), 1 << 16, size=m).astype(np.int32)
        arrays = list(encode_sparse_sliced(w)) + [sliced_wsum(w)]
        rqq = Requant(tuple(int(v) for v in rng.integers(14, 28, size=m)), -32768, 32767)
        name = "dense_sparse_q15" if wide else "dense_sparse_q15_acc32"
        want = getattr(kc, name)(g, rqq, x, *arrays, b)
        assert np.array_equal(want, (kq.dense_q15 if wide else kq.dense_q15_acc32)(g, rqq, x, w, b))
        out.append((name, [g, rqq, x, *arrays, b], want))
    rng = np.random.default_rng(seed + 4)
    for i in range(16):  # sparse float32 fully connected layers, class-delta layout (hard float: the asm group loops):
        # every entry count modulo 8, empty groups and rows, tails (K % 8), class fillers (K = 2100), batch 2,
        # activations; the twin equals dense_f32's order
        k = int(rng.choice([1, 7, 8, 9, 40, 100, 300, 513, 2100]))
        g = DenseGeom(1 + i % 2, k, int(rng.choice([1, 3, 10])))
        w = rng.standard_normal((g.out_features, k)).astype(np.float32)
        w[rng.random(w.shape) >= [1.0, 0.6, 0.3, 0.1, 0.02][i % 5]] = 0
        x = rng.standard_normal((g.batch, k)).astype(np.float32)
        b = rng.standard_normal(g.out_features).astype(np.float32) if i % 3 else None
        act = [None, ActF32(0.0, 3.0e38, 1.0), ActF32(-3.0e38, 6.0, 0.125)][i % 3]
        split = k - k % 8
        enc = list(scd.encode(w, split))
        want = kc.dense_sparse_cd_f32(g, act, x, *enc, b, split)
        assert np.array_equal(want.view(np.uint32), kc._dense_f32(g, act, x, w, b).view(np.uint32))
        out.append(("dense_sparse_cd_f32", [g, act, x, *enc, b, split], want))
    rng = np.random.default_rng(seed + 5)
    for i in range(8):  # dense_sparse_q7_wide (int64 accumulators, SMLALD pair loop): biases near the int32 limits,
        # so that the exact sums leave int32 (a wrapping int32 sum would flip their sign)
        k, m = int(rng.choice([16, 129, 300, 513])), int(rng.choice([16, 17, 33]))
        g = DenseGeom(1 + i % 2, k, m)
        x, w = _int8(rng, (g.batch, k), i % 3 == 1), _int8(rng, (m, k), i % 3 == 1)
        w[rng.random((m, k)) >= [0.6, 0.3, 0.1, 1.0][i % 4]] = 0
        s0 = x[0].astype(np.int64) @ w.T.astype(np.int64)  # odd rows: |bias + sum| past 2^31 by half the sum
        near = np.arange(m) % 2 == 1
        b = np.where(near, np.sign(s0) * ((1 << 31) - 1 - np.abs(s0) // 2), rng.integers(-999, 1000, size=m))
        b = np.clip(b, -(1 << 31), (1 << 31) - 1).astype(np.int32)
        arrays = list(encode_sparse_sliced(w)) + [sliced_wsum(w)]
        rqq = Requant(tuple(int(v) for v in np.where(near, 24, rng.integers(6, 10, size=m))), -128, 127)
        want = kc.dense_sparse_q7_wide(g, rqq, x, *arrays, b)
        assert np.array_equal(want, kq.dense_q7_wide(g, rqq, x, w, b))
        out.append(("dense_sparse_q7_wide", [g, rqq, x, *arrays, b], want))
    g = DenseGeom(1, 2100, 3)  # class fillers: q 0 -> 260 in class 3, q 261 alone in class 5 (deltas 255 + 6)
    w = np.zeros((3, 2100), np.float32)
    w[:, [3, 3 + 8 * 260, 5 + 8 * 261, 2099]] = rng.standard_normal((3, 4)).astype(np.float32)
    x = rng.standard_normal((1, 2100)).astype(np.float32)
    enc = list(scd.encode(w, 2096))
    assert int(np.sum((enc[1] == 0) & (enc[2] == 255))) == 6
    out.append(("dense_sparse_cd_f32", [g, None, x, *enc, None, 2096], kc._dense_f32(g, None, x, w, None)))
    out += q7_window_cases(np.random.default_rng(seed + 6))
    out += pr_s8_cases(np.random.default_rng(seed + 7))
    out += rqd_fast_cases(np.random.default_rng(seed + 8))
    out += dw3v_cases(np.random.default_rng(seed + 9))
    out += dw3_inplace_cases(np.random.default_rng(seed + 10))
    out += dw3_pair_cases(np.random.default_rng(seed + 13))
    out += pwp_tab_cases(np.random.default_rng(seed + 11))
    out += pwp_inplace_cases(np.random.default_rng(seed + 12))
    return out


def pwp_inplace_cases(rng, n: int = 36):
    """conv2d_inplace_pwp_s8, half of the cases over one buffer (output == input), half into another: the Cortex-M4
    build runs a layer that keeps its channels over one buffer in one call (NNC_IP_WHOLE: in_c == out_c <= 64, the
    DSP path reads each pixel pair before writing it; 70 channels: two chunks, row by row) and prepares in_c 8's
    table once per layer (NNC_IP_PREP: out_c <= 32, every channel taking nnc_dsp_rqd_s8; 16 channels: the pass
    without a loop); narrowing (forward) and widening (backward, rows in blocks) layers, 1 .. 2 images of 1 .. 5 rows
    of 1 .. 7 pixels, one case in four with requantizations nnc_dsp_rqd_s8 refuses (other paths per row)."""
    from nncodegen.lower import inplace
    out = []
    pairs = [(8, 8), (8, 16), (8, 32), (8, 34), (8, 5), (16, 16), (32, 32), (13, 13), (64, 64), (70, 70), (16, 8),
             (8, 24)]
    for i in range(n):
        cin, cout = pairs[i % len(pairs)]
        batch, h, w_ = 1 + i % 5 // 4, int(rng.integers(1, 6)), int(rng.integers(1, 8))
        g = ConvGeom(batch, h, w_, cin, h, w_, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
        backward = cout > cin
        rows = inplace.ring_rows(g, backward)
        assert rows is not None
        x = _int8(rng, (batch, h, w_, cin), i % 7 == 3)
        w = _int8(rng, (cout, 1, 1, cin), i % 7 == 3)
        w[w == -128] = -127
        zp = int(rng.integers(-128, 128))
        if (i + i // 12) % 4 == 3:  # (every pair of channel counts meets both kinds and both buffers)
            rq = _requant_s8(rng, cout, zp, af.ROUND_DOUBLE)
            bx = rng.integers(-(1 << 14), 1 << 14, size=cout).astype(np.int64)
        else:  # outputs mostly inside [-128, 127] (pwp_tab_cases)
            r = int(np.log2(5000 * np.sqrt(cin) / 40))
            ms = [int(rng.integers(1 << 30, 1 << 31)) for _ in range(cout)]
            shifts = [-int(rng.integers(r - 1, r + 2)) for _ in range(cout)]
            off = [-128, 127, 0, int(rng.integers(-128, 128))][i % 4]
            rq = RequantS8(tuple(ms), tuple(shifts), -zp, off, -128, 127, af.ROUND_DOUBLE)
            bx = rng.integers(-(1 << 12), 1 << 12, size=cout).astype(np.int64)
        b = (bx - ks.pw_bias_s8(w, None, rq.input_offset)).astype(np.int32)
        scratch = ScratchArg("int8_t", max(1, rows * w_ * cout))
        xa = InPlaceArg(x) if i // 12 % 2 == 0 else x
        out.append(("conv2d_inplace_pwp_s8", [g, rq, xa, ks.pack_pwp_s8(w), ks.pw_bias_s8(w, b, rq.input_offset),
                                              scratch, rows, int(backward)], ks.conv2d_s8(g, rq, x, w, b)))
    return out


def _dw3_inplace_case(rng, g, rows, backward, extreme, zp_kind, other_rq):
    """conv2d_inplace_s8's case for the depthwise 3x3 layer g run in place with a ring of `rows` rows: int8 inputs and
    weights (extreme: the largest products), the input zero point -128, 127 or random (zp_kind 0, 1, 2), every
    channel's requantization nnc_dsp_rqd_s8's (double rounding into [-128, 127], multipliers 2^-14 .. 2^-4) unless
    other_rq (random constants of _requant_s8)."""
    c = g.in_c
    x = _int8(rng, (g.batch, g.in_h, g.in_w, c), extreme)
    w = _int8(rng, (c, 3, 3, 1), extreme)
    w[w == -128] = -127
    zp = [-128, 127, int(rng.integers(-128, 128))][zp_kind]
    if other_rq:
        rq = _requant_s8(rng, c, zp, af.ROUND_DOUBLE)
    else:
        ms = [af.quantize_multiplier(float(2.0 ** rng.uniform(-14, -4)), af.ROUND_DOUBLE) for _ in range(c)]
        rq = RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -zp, int(rng.integers(-128, 128)),
                       -128, 127, af.ROUND_DOUBLE)
    b = rng.integers(-(1 << 14), 1 << 14, size=c).astype(np.int32)
    scratch = ScratchArg("int8_t", max(1, rows * g.out_w * c))
    return ("conv2d_inplace_s8", [g, rq, x, w, b, scratch, rows, int(backward)], ks.conv2d_s8(g, rq, x, w, b))


def dw3_inplace_cases(rng, n: int = 16):
    """conv2d_inplace_s8 on depthwise 3x3 layers (one row a call; written out of place here, the rows through the
    ring of waiting rows or straight): the Cortex-M4 build prepares conv2d_dw3_dsp_s8's table once for all the rows
    when its channels take nnc_dsp_rqd_s8 and in_c <= 32 (conv2d_dwr_s8_prep / _run); 4 .. 68 channels (36 .. 68:
    the per-row calls), strides 1 and 2, paddings 0 .. 2, both visiting orders, one case in four with other
    requantizations (per-row conv2d_s8)."""
    from nncodegen.lower import inplace
    out = []
    for i in range(n):
        c = int(rng.choice([4, 8, 16, 32, 36, 64, 68]))
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        pt, pl, pb, pr = (int(v) for v in rng.integers(0, 3, 4))
        h, w_ = 3 + int(rng.integers(0, 8)), 3 + int(rng.integers(0, 20))
        g = ConvGeom(1 + i % 4 // 3, h, w_, c, conv_out_size(h, 3, sh, pt, pb, 1), conv_out_size(w_, 3, sw, pl, pr, 1),
                     c, 3, 3, sh, sw, pt, pl, 1, 1, c)
        backward = i % 5 == 2
        rows = inplace.ring_rows(g, backward)
        if rows is None:
            continue
        out.append(_dw3_inplace_case(rng, g, rows, backward, i % 7 == 3, i % 3, i % 4 == 3))
    return out


def dw3_pair_cases(rng, n: int = 14):
    """conv2d_inplace_s8 on the depthwise 3x3 layers whose rows the Cortex-M4 build computes in pairs
    (conv2d_dwr_s8_run with conv2d_dw3v_dsp_s8's passes: vertical stride 1, an even out_h >= 4, in_c <= 32, two rows
    within NNC_DWR_PAIR bytes, first to last): 4 .. 32 channels, horizontal strides 1 and 2, paddings 0 .. 2, batch 1
    and 2, nnc_dsp_rqd_s8's requantization in every channel (one case in seven with another: one row a call)."""
    from nncodegen.lower import inplace
    out = []
    for i in range(n):
        c = int(rng.choice([4, 8, 16, 32]))
        sw = 1 + i % 2
        pt, pl, pb, pr = (int(v) for v in rng.integers(0, 3, 4))
        h, w_ = 4 + int(rng.integers(0, 9)), 3 + int(rng.integers(0, 22))
        oh, ow = conv_out_size(h, 3, 1, pt, pb, 1), conv_out_size(w_, 3, sw, pl, pr, 1)
        if oh % 2:
            pb = pb + 1 if pb < 2 else pb - 1
            oh = conv_out_size(h, 3, 1, pt, pb, 1)
        while ow * c > 768:
            w_ -= 2
            ow = conv_out_size(w_, 3, sw, pl, pr, 1)
        g = ConvGeom(1 + i % 3 // 2, h, w_, c, oh, ow, c, 3, 3, 1, sw, pt, pl, 1, 1, c)
        rows = inplace.ring_rows(g, False)
        if rows is None or oh < 4:
            continue
        out.append(_dw3_inplace_case(rng, g, rows, False, i % 5 == 3, i % 3, i % 7 == 6))
    return out


def dw3v_cases(rng, n: int = 28):
    """Depthwise 3x3 layers with vertical stride 1 and nnc_dsp_rqd_s8's requantization, which the Cortex-M4 build
    computes two output rows a pass (conv2d_dw3v_dsp_s8): even and odd output heights (the odd last row through
    conv2d_dw3_dsp_s8), 4 .. 68 channels (blocks of two, several 32-channel chunks), horizontal strides 1 and 2,
    rows wider than a tile, paddings 0 .. 2 and, in a few, 3 or 4 (whole rows and columns of padding; a last row
    with no input row leaves the layer to conv2d_dw3_dsp_s8), two images, biases at the bound |bias| + 9 2^15 <
    2^30, the largest products."""
    out = []
    for i in range(n):
        c = int(rng.choice([4, 8, 12, 20, 32, 36, 68]))
        sw = [1, 2][i % 2]
        big = i % 7 == 6
        pt, pl, pb, pr = (int(v) for v in rng.integers(0, 5 if big else 3, 4))
        h, w_ = 4 + int(rng.integers(0, 9)), 3 + int(rng.integers(0, 30))
        g = ConvGeom(1 + i % 3 // 2, h, w_, c, conv_out_size(h, 3, 1, pt, pb, 1), conv_out_size(w_, 3, sw, pl, pr, 1),
                     c, 3, 3, 1, sw, pt, pl, 1, 1, c)
        extreme = i % 9 == 4
        x = _int8(rng, (g.batch, h, w_, c), extreme)
        w = _int8(rng, (c, 3, 3, 1), extreme)
        w[w == -128] = -127
        zp = [-128, 127, int(rng.integers(-128, 128))][i % 3]
        ms = [af.quantize_multiplier(float(2.0 ** rng.uniform(-14, -4)), af.ROUND_DOUBLE) for _ in range(c)]
        rq = RequantS8(tuple(m for m, _ in ms), tuple(s for _, s in ms), -zp, int(rng.integers(-128, 128)), -128,
                       127, af.ROUND_DOUBLE)
        edge = (1 << 30) - 9 * 32768  # the first |bias| the fast form refuses
        b = rng.integers(-(1 << 14), 1 << 14, size=c).astype(np.int64)
        if i % 4 == 1:
            b[rng.random(c) < .5] = edge - 1
            b[rng.random(c) < .3] = -(edge - 1)
        out.append(("conv2d_s8", [g, rq, x, w, b.astype(np.int32)], ks.conv2d_s8(g, rq, x, w, b.astype(np.int32))))
    return out


def _pr_case(g, rq, x, w, b):
    count, index, values = spr.encode(w)
    args = [g, rq, x, count, index, values, sliced_wsum(w), b, ScratchArg("int32_t", g.in_features)]
    want = kc.dense_sparse_pr_s8(g, rq, x, count, index, values, sliced_wsum(w), b)
    assert np.array_equal(want, ks.dense_s8(g, rq, x, w, b))
    return ("dense_sparse_pr_s8", args, want)


def pr_s8_cases(rng):
    """dense_sparse_pr_s8 (the pair-run layout: the pair and single asm loops of the DSP build): random layers at
    densities 1 to 3 % (several 256-column blocks, partial last blocks, K 1 and 2, batch 2, rows left empty, extreme
    zero points and all four rounding modes); rows built to have every pair step count 0..15 and single step count
    0..20 (each modulo 8, padding pairs and singles included); sums at the int32 bound (inputs and weights at the
    extremes, biases that leave no room)."""
    out = []
    rounds = [af.ROUND_DOUBLE, af.ROUND_SINGLE, af.ROUND_DOUBLE, af.ROUND_ORT]
    for i in range(24):
        k, m = int(rng.choice([1, 2, 3, 17, 255, 256, 257, 300, 513, 600])), int(rng.choice([1, 3, 16, 17]))
        g = DenseGeom(1 + i % 2, k, m)
        extreme = i % 5 == 2
        x, w = _int8(rng, (g.batch, k), extreme), _int8(rng, (m, k), extreme)
        w[rng.random((m, k)) >= [1.0, 0.8, 0.5, 0.25, 0.1, 0.03][i % 6]] = 0
        if i % 3 == 0:
            w[rng.random(m) < 0.3] = 0
        b = rng.integers(-(1 << 16), 1 << 16, size=m).astype(np.int32)
        rq = _requant_s8(rng, m, [-128, 127, int(rng.integers(-128, 128))][i % 3], rounds[i % 4])
        out.append(_pr_case(g, rq, x, w, None if i % 7 == 6 else b))
    # every step count: row r has 2 t_p - (r % 2) pairs (t_p = r % 16 steps) at 3 j, 3 j + 1 and s singles (t_s = 0 ..
    # 20 steps) at every other column from 96, in block 0 and (rows shifted) in block 1
    for j0 in range(2):
        m, k = 21, 256 + 200
        w = np.zeros((m, k), np.int8)
        for r in range(m):
            tp = (r + j0 * 5) % 16
            for j in range(max(0, 2 * tp - r % 2)):
                w[r, 3 * j:3 * j + 2] = rng.integers(1, 128, 2) * rng.choice([-1, 1], 2)
            ns = 4 * ((r + 3 * j0) % 21) - (r % 3)
            for j in range(max(0, ns)):
                w[r, 97 + 2 * j] = int(rng.integers(1, 128)) * int(rng.choice([-1, 1]))
            w[r, 256:] = np.roll(w[r, :200], r)
        cnt = spr.encode(w)[0].reshape(m, 2, 2)
        assert {int(v) % 8 for v in cnt[:, 0, 0]} == set(range(8)) and {int(v) % 8 for v in cnt[:, 0, 1]} == set(range(8))
        g = DenseGeom(2, k, m)
        x = _int8(rng, (2, k), False)
        rq = _requant_s8(rng, m, int(rng.integers(-128, 128)), rounds[j0])
        out.append(_pr_case(g, rq, x, w, rng.integers(-(1 << 16), 1 << 16, size=m).astype(np.int32)))
    for i in range(4):  # |bias| + sum |x + off| |w| at 2^31 - 1: the int32 sums reach the bound, partial sums wrap
        k, m = [300, 512, 257, 600][i], 5
        zp = [-128, 127, -128, 127][i]
        x = np.full((1, k), 127 if zp == -128 else -128, np.int8)
        sign = np.where(np.arange(m) % 2 == 0, 1, -1) * (1 if zp == -128 else -1)  # of each row's products
        w = np.where(sign[:, None] > 0, 127, -128).astype(np.int8).repeat(k, 1)
        w[rng.random((m, k)) >= [1.0, 0.5, 0.8, 0.3][i]] = 0
        acc = ((x.astype(np.int64) - zp) * w).sum(1)
        b = (np.sign(acc) * ((1 << 31) - 1) - acc).astype(np.int32)
        assert np.all(np.abs(acc + b) == (1 << 31) - 1)
        rq = _requant_s8(rng, m, zp, rounds[i])
        out.append(_pr_case(DenseGeom(1, k, m), rq, x, w, b))
    return out


def pwp_tab_cases(rng, n: int = 40):
    """conv2d_pwp_s8's table path (conv2d_pwp_tab_s8: in_c groups of four a multiple of four, every channel taking
    nnc_dsp_rqd_s8, one assembly block per pixel pair for all channel pairs): in_c 13 .. 256 (input tails inside
    the last group; 4 and 8 groups without a loop when the inputs are doubled, else 4 or 8 steps a loop pass),
    out_c odd (the last channel in C) and even, past one chunk of 64, in_c below and above twice the chunk's
    channels (inputs and biases doubled, or each sum by an ADD), 1 .. 9 pixels (odd: the last pair's second pixel
    the first again), half of the cases with outputs mostly inside the int8 range, extreme inputs and weights,
    biases one below the bound of the 32-bit form, extreme output offsets and multipliers 2^30 (ties)."""
    out = []
    for i in range(n):
        cin = [16, 13, 32, 48, 64, 128, 256, 29][i % 8]
        cout = [2, 3, 5, 16, 33, 64, 70, 131][i // 3 % 8]
        pixels = [1, 2, 3, 5, 9][i % 5]
        if i >= 32:  # every block variant with two pixels, outputs in range: 70 channels (a full chunk, doubled
            # inputs below in_c 128, and an even one of 6), 5 pixels
            cout, pixels = 70, 5
        g = ConvGeom(1, 1, pixels, cin, 1, pixels, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
        extreme = i % 4 == 1 and i < 32
        x = _int8(rng, (1, 1, pixels, cin), extreme)
        w = _int8(rng, (cout, 1, 1, cin), extreme)
        w[w == -128] = -127
        zp = int(rng.integers(-128, 128))
        off = [-128, 127, 0, int(rng.integers(-128, 128))][i % 4]
        ms = [(1 << 30) if (i + j) % 4 == 0 else int(rng.integers(1 << 30, 1 << 31)) for j in range(cout)]
        shifts = [-int(rng.choice([1, 2, 5, 9, 14, 22])) for _ in range(cout)]
        bx = rng.integers(-(1 << 20), 1 << 20, size=cout).astype(np.int64)
        in_range = (i % 2 == 0 or i >= 32) and not extreme  # most outputs inside [-128, 127], not saturated
        if in_range:  # |sum| about 5000 sqrt(in_c) (random inputs and weights, the offset folded in): shifts to
            # bring it to tens, biases below it
            r = int(np.log2(5000 * np.sqrt(cin) / 40))
            shifts = [-int(rng.integers(r - 1, r + 2)) for _ in range(cout)]
            bx = rng.integers(-(1 << 12), 1 << 12, size=cout).astype(np.int64)
        rq = RequantS8(tuple(ms), tuple(shifts), -zp, off, -128, 127, af.ROUND_DOUBLE)
        edge = (1 << 30) - cin * 16384  # the first |bias_x| the 32-bit form refuses
        if i % 3 == 2 and not in_range:
            bx[rng.integers(0, cout, size=max(1, cout // 4))] = [edge - 1, -(edge - 1)][i % 2]
        out += _pwp_case(g, rq, x, w, bx)
    return out


def rqd_fast_cases(rng, n: int = 16):
    """1x1 (conv2d_pwp_s8) and depthwise 3x3 layers whose channels all lie in nnc_dsp_rqd_prep's 32-bit form
    (shifts -1 .. -22, output offsets in [-128, 127], |bias| below the bound), the chunk's constants then written by
    the preparations' one loop (conv2d_pwp_prep_rqd, conv2d_dw_dsp_rqd_prep_s): half with inputs near the zero
    point, small weights, multipliers 2^30 and shifts -1 .. -4, so that most outputs are in range and many are ties
    of both roundings (a k wrong by one shows); the other half full-range with a bias one below the bound; in_c 8 /
    16 / 24 / 32 / 48 / 12, odd widths and heights, strides 1 and 2, padding."""
    out = []
    for i in range(n):
        pw, small = i % 2 == 0, i % 4 < 2
        c = [8, 16, 24, 32, 48, 12][i // 2 % 6]
        cout = int(rng.choice([2, 5, 16, 33])) if pw else c
        h, w_ = int(rng.integers(3, 8)), int(rng.integers(3, 16))
        zp = [-128, 127, int(rng.integers(-128, 128))][i % 3]
        off = [-128, 127, int(rng.integers(-128, 128))][i // 3 % 3]
        if small:
            ms = [1 << 30] * cout
            shifts = [-int(rng.integers(1, 5)) for _ in range(cout)]
            off = int(rng.integers(-20, 21))
        else:
            ms = [(1 << 30) if j % 3 else int(rng.integers(1 << 30, 1 << 31)) for j in range(cout)]
            shifts = [-int(rng.choice([1, 2, 3, 5, 9, 22])) for _ in range(cout)]
        rq = RequantS8(tuple(ms), tuple(shifts), -zp, off, -128, 127, af.ROUND_DOUBLE)
        x = _int8(rng, (1, h, w_, c), i % 8 == 3)
        if small:
            x = np.clip(zp + rng.integers(-6, 7, size=x.shape), -128, 127).astype(np.int8)
        kshape = (cout, 1, 1, c) if pw else (c, 3, 3, 1)
        w = rng.integers(-5, 6, size=kshape).astype(np.int8) if small else _int8(rng, kshape, False)
        w[w == -128] = -127
        if pw:
            g = ConvGeom(1, h, w_, c, h, w_, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
            edge = (1 << 30) - c * 16384  # the first |bias_x| the 32-bit form refuses
            bx = rng.integers(-300, 301, size=cout).astype(np.int64)
            if not small:
                bx[0] = [edge - 1, -(edge - 1)][i // 4 % 2]
            b = (bx - ks.pw_bias_s8(w, None, rq.input_offset)).astype(np.int32)
            want = ks.conv2d_s8(g, rq, x, w, b)
            out.append(("conv2d_pwp_s8", [g, rq, x, ks.pack_pwp_s8(w), ks.pw_bias_s8(w, b, rq.input_offset)], want))
        else:
            sh, sw = 1 + i // 4 % 2, 1 + i // 8 % 2
            pt, pl, pb, pr = (int(v) for v in rng.integers(0, 2, 4))
            g = ConvGeom(1, h, w_, c, conv_out_size(h, 3, sh, pt, pb, 1), conv_out_size(w_, 3, sw, pl, pr, 1), c,
                         3, 3, sh, sw, pt, pl, 1, 1, c)
            edge = (1 << 30) - 9 * 32768  # the first |bias| the 32-bit form refuses
            b = rng.integers(-300, 301, size=c).astype(np.int64)
            if not small:
                b[0] = [edge - 1, -(edge - 1)][i // 4 % 2]
            b = b.astype(np.int32)
            out.append(("conv2d_s8", [g, rq, x, w, b], ks.conv2d_s8(g, rq, x, w, b)))
    return out


def q7_window_cases(rng, n: int = 44):
    """conv2d_q7 (int32 accumulators) on the DSP window path (conv2d_q7_dsp.inc): in_c 1 to 16, most not a
    multiple of 4, 1x1 to 5x5 kernels (K padded to a multiple of 4), strides 1 and 2, every padding, vertical
    dilation (horizontal dilation and K > 256 leave it), 1 to 33 output channels (blocks of one to four, several
    chunks), rows wider than the column buffer (tiles), batch 2; epilogues: the rounding shift (the rounding term in
    the starting sums, or not when a bias near the int32 bound leaves no room for it), left shifts and leaky slopes
    (nnc_requantize), fused bounds; full-range inputs and weights (-128 included)."""
    out = []
    for i in range(n):
        cin = [1, 2, 3, 5, 6, 1, 3, 4, 7, 8, 12, 16][i % 12]
        kh, kw = [(3, 3), (5, 5), (1, 1), (3, 3), (2, 3), (5, 5), (3, 1), (1, 5)][i % 8]
        wide = i % 7 == 1  # K 200 / 250 and rows past the column buffer: several tiles
        if wide:
            cin, kh, kw = 8 + 2 * (i % 2), 5, 5
        if i % 11 == 10:
            cin, kh, kw = 12, 5, 5  # K = 300: the generic path
        cout = int(rng.choice([1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 13, 14, 16, 17, 33]))
        sh, sw = [(1, 1), (2, 2), (1, 2), (2, 1), (1, 1)][i % 5]
        dh, dw = (2, 1) if i % 9 == 4 else ((1, 2) if i % 13 == 6 else (1, 1))
        pt, pl, pb, pr = (int(rng.integers(0, k)) for k in (kh, kw, kh, kw))
        h = dh * (kh - 1) + 1 + int(rng.integers(0, 5))
        w_ = dw * (kw - 1) + 1 + int(rng.integers(20, 60) if wide else rng.integers(0, 12))
        g = ConvGeom(1 + (i % 6 == 5), h, w_, cin, conv_out_size(h, kh, sh, pt, pb, dh),
                     conv_out_size(w_, kw, sw, pl, pr, dw), cout, kh, kw, sh, sw, pt, pl, dh, dw, 1)
        extreme = i % 5 == 3
        x = _int8(rng, (g.batch, h, w_, cin), extreme)
        w = _int8(rng, (cout, kh, kw, cin), extreme)
        if extreme:
            x[..., 0], w[..., 0] = -128, -128
        shift = rng.integers(1, 15, size=cout)
        leaky = 32768
        if i % 6 == 2:  # not the shift alone: a left shift or no shift on some channel, or a leaky slope
            if i % 12 == 2:
                shift[int(rng.integers(0, cout))] = int(rng.choice([0, -2]))
            else:
                leaky = int(rng.integers(1000, 30000))
        lo, hi = [(-128, 127), (0, 127), (-100, 90)][i % 3]
        sabs = np.abs(w.astype(np.int64)).reshape(cout, -1).sum(1)
        b = rng.integers(-(1 << 14), 1 << 14, size=cout).astype(np.int64)
        if i % 4 == 1:  # some biases at the int32 bound: no room for the rounding term on their blocks
            near = rng.random(cout) < 0.5
            edge = (1 << 31) - 1 - 128 * sabs - rng.integers(0, 1 << 13, size=cout)
            b = np.where(near, np.where(rng.random(cout) < 0.5, edge, -edge), b)
        rqq = Requant(tuple(int(v) for v in shift), lo, hi, leaky)
        b32 = None if i % 10 == 9 else b.astype(np.int32)
        out.append(("conv2d_q7", [g, rqq, x, w, b32], kq.conv2d_q7(g, rqq, x, w, b32)))
    for i in range(6):  # sums that reach the int32 bound: inputs -128, negative weights, biases within 2^(shift - 1)
        # of the bound's room, so that the rounding term would carry a window's sum past 2^31 - 1
        cin, kh, kw = [(1, 5, 5), (3, 3, 3), (6, 5, 5), (8, 3, 3), (2, 1, 1), (4, 1, 1)][i]
        cout = [6, 8, 16, 5, 3, 4][i]
        h, w_ = kh + 2, kw + 3
        g = ConvGeom(1, h, w_, cin, h - kh + 1 + 2 * (i % 2), w_ - kw + 1, cout, kh, kw, 1, 1, i % 2, 0, 1, 1, 1)
        x = np.full((1, h, w_, cin), -128, np.int8)
        w = rng.integers(-128, 0, size=(cout, kh, kw, cin)).astype(np.int8)
        shift = rng.integers(10, 15, size=cout)
        sabs = np.abs(w.astype(np.int64)).reshape(cout, -1).sum(1)
        b = ((1 << 31) - 1 - 128 * sabs - rng.integers(0, 1 << 9, size=cout)).astype(np.int32)
        rqq = Requant(tuple(int(v) for v in shift), -128, 127)
        out.append(("conv2d_q7", [g, rqq, x, w, b], kq.conv2d_q7(g, rqq, x, w, b)))
    return out


def program(cs, path: Path) -> Path:
    """A C program that runs every case and prints the first mismatch of each and their count."""
    return kernel_check_program(cs, HEADERS + ["nnc_simd.h"], path, ['    printf("path %s\\n", nnc_simd_path());'])


BUILDS = {  # id: (run target, extra defines, SIMD path, optimization)
    "cortex-m4": ("cortex-m4", (), "arm-dsp", "-O2"),
    # without __OPTIMIZE__ the DSP paths' assembly blocks that need many free registers take their C steps
    "cortex-m4-O0": ("cortex-m4", (), "arm-dsp", "-O0"),
    "cortex-m4-portable": ("cortex-m4", ("NNC_NO_SIMD",), "portable", "-O2"),
    "cortex-a55-linux": ("cortex-a55-linux", (), "neon", "-O2"),
    "aarch64-linux": ("aarch64-linux", (), "neon", "-O2"),
}


@pytest.fixture(scope="module")
def arm_program(tmp_path_factory):
    cs = cases()
    return cs, program(cs, tmp_path_factory.mktemp("armk") / "arm_kernels_check.c")


@cross
@pytest.mark.parametrize("build", sorted(BUILDS))
def test_arm_kernel_paths_equal_twins(arm_program, build, tmp_path):
    target, defines, path, opt = BUILDS[build]
    need(target)
    cs, src = arm_program
    kd = kernels_dir()
    b = compile_for_target(target, [src, *[kd / s for s in SOURCES]], [include_dir(), kd], defines=defines,
                           opt=opt, label="armkernels")
    assert b.simd_path == path
    if target == "cortex-a55-linux":
        assert b.features["__ARM_FEATURE_DOTPROD"]
    r = b.execute([], tmp_path, 300)
    out = r.stdout.decode()
    assert f"path {path}" in out
    assert r.returncode == 0 and f"0 mismatches in {len(cs)} cases" in out, out[-3000:] + r.stderr.decode()


# ---------------------------------------------------------------- host: the twins and the lowering
@settings(max_examples=60, deadline=None, database=None)
@given(seed=st.integers(0, 2 ** 32 - 1), cin=st.integers(1, 40), cout=st.integers(1, 9), zp=st.integers(-128, 127),
       bias=st.booleans(), extreme=st.booleans())
def test_pw_twin_equals_conv2d_s8_twin(seed, cin, cout, zp, bias, extreme):
    rng = np.random.default_rng(seed)
    g = ConvGeom(1, 3, 4, cin, 3, 4, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
    x = _int8(rng, (1, 3, 4, cin), extreme)
    w = _int8(rng, (cout, 1, 1, cin), extreme)
    b = rng.integers(-(1 << 30), 1 << 30, size=cout).astype(np.int32) if bias else None
    if b is not None:  # keep conv2d_s8's bound: |bias| + sum |x - zp| * |w| < 2^31
        b = (b // 4).astype(np.int32)
    rq = _requant_s8(rng, cout, zp, af.ROUND_DOUBLE)
    bx = ks.pw_bias_s8(w, b, rq.input_offset)
    want = ks.conv2d_s8(g, rq, x, w, b)
    assert np.array_equal(ks.conv2d_pw_s8(g, rq, x, w, bx), want)


def rqd_prep(m, shift, bound, off):
    """nnc_dsp_rqd_prep (nnc_simd_dsp.h): (m, k, r), or None where the caller keeps the general requantization."""
    if shift > -1 or shift < -31 or m < 0 or bound < 0 or bound >= 1 << 30:
        return None
    k = (1 << (-shift - 1)) + off * (1 << -shift)
    if abs(k) + 3 + ((bound * m) >> 31) >= 1 << 31:
        return None
    return m, k, -shift


def rqd_s8(a2, m, k, r):
    """nnc_dsp_rqd_s8 as the core runs it: SUB (k - (a2 < 0)), SMMLAR (top word of Ra 2^32 + a2 m + 2^31, kept
    modulo 2^32), ASR, SSAT #8."""
    ra = k - (a2 < 0)
    assert -(1 << 31) <= ra < 1 << 31 and -(1 << 31) <= a2 < 1 << 31
    h = ((ra << 32) + a2 * m + (1 << 31)) >> 32
    h = (h + (1 << 31)) % (1 << 32) - (1 << 31)
    return max(-128, min(127, h >> r))


def _rqd_check(a, m, shift, off, bound):
    p = rqd_prep(m, shift, bound, off)
    if p is None:
        return False
    want = max(-128, min(127, int(af.mbqm(np.int64(a), m, shift, af.ROUND_DOUBLE)) + off))
    assert rqd_s8(2 * a, *p) == want, (a, m, shift, off)
    return True


@settings(max_examples=3000, deadline=None, database=None)
@given(a=st.integers(-(1 << 30) + 1, (1 << 30) - 1), m=st.integers(0, (1 << 31) - 1), r=st.integers(1, 31),
       off=st.integers(-128, 127), slack=st.integers(0, 1 << 20))
def test_rqd_requantization_equals_tflite_double_rounding(a, m, r, off, slack):
    """The Cortex-M4 requantization of doubled sums (nnc_dsp_rqd_s8: SUB, SMMLAR, ASR, SSAT) equals the twin's
    sat8(rdbpot(srdhm(a, m), r) + off) wherever nnc_dsp_rqd_prep accepts the channel (bound >= |a|)."""
    _rqd_check(a, m, -r, off, min(abs(a) + slack, (1 << 30) - 1))


def test_rqd_requantization_corners():
    """Exhaustive over the corners: every shift, multipliers 0, 1, 2^30 (ties), 2^31 - 1, odd ones, output offsets
    -128 / 0 / 127, sums at and around 0, ties of rdbpot (a m / 2^31 a multiple of 2^(r-1)), the bound's ends;
    and the guard: it accepts the convolution range and refuses |a| >= 2^30 and k near 2^31."""
    accepted = 0
    ms = [0, 1, 3, (1 << 30) - 1, 1 << 30, (1 << 30) + 1, 1518500250, (1 << 31) - 1]
    for r in range(1, 32):
        for m in ms:
            for off in (-128, -1, 0, 1, 127):
                xs = {0, 1, -1, 2, -2, (1 << 30) - 1, -(1 << 30) + 1}
                for t in range(-3, 4):  # a m near (n + 1/2) 2^(31 + r) and n 2^(31 + r): both roundings' ties
                    for n in (-5, -1, 0, 1, 4):
                        if m:
                            xs.add(((2 * n + 1) << (30 + r)) // m + t)
                            xs.add((n << (31 + r)) // m + t)
                for a in xs:
                    if abs(a) < 1 << 30:
                        accepted += _rqd_check(a, m, -r, off, abs(a))
                        accepted += _rqd_check(a, m, -r, off, (1 << 30) - 1)
    assert accepted > 20000
    assert rqd_prep(1 << 30, -8, 64 * 16384 + 1000, -128) is not None  # a person_detect-like channel
    assert rqd_prep(1 << 30, -8, 1 << 30, 0) is None  # 2 a could overflow
    assert rqd_prep((1 << 31) - 1, -31, 1 << 10, 127) is None  # k = 2^30 + 127 * 2^31
    assert rqd_prep((1 << 31) - 1, -25, 1 << 10, 127) is None  # |k| + 3 + bound m / 2^31 >= 2^31
    assert rqd_prep((1 << 31) - 1, -24, 1 << 10, 127) is not None
    assert rqd_prep((1 << 31) - 1, -24, 1 << 24, 127) is None  # the same k, a larger bound
    assert rqd_prep(1 << 30, 0, 100, 0) is None and rqd_prep(-1, -3, 100, 0) is None


def test_lowering_folds_the_offset_into_the_bias_of_1x1_layers():
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_arm
    from nncodegen.lower.lower import lower
    from nncodegen.lower.program import Const, Param
    g = bench_arm.person_detect_graph()
    prog = lower(g, "cortex-m4")  # the generic and x86 targets take conv2d_pk_s8 (tests/test_kernels_pk_s8.py)
    pw = [c for c in prog.calls if c.kernel in ("conv2d_pwp_s8", "conv2d_inplace_pwp_s8")]
    assert len(pw) == 14  # every 1x1 layer of MobileNetV1 (13 pointwise + the classifier)
    for c in pw:
        node = next(n for n in g.nodes if n.name == c.layer)
        w, b = g.tensors[node.inputs[1]].qdata, g.tensors[node.inputs[2]].qdata
        rq = next(a.value for a in c.args if isinstance(a, Param) and isinstance(a.value, RequantS8))
        wpk, bx = [a for a in c.args if isinstance(a, Const) and a.array is not None]
        assert np.array_equal(np.asarray(wpk.array, np.int32), ks.pack_pwp_s8(w))  # int16 pairs for SMLAD
        assert np.array_equal(ks.unpack_pwp_s8(np.asarray(wpk.array, np.int32), *w.shape[::3]), w.reshape(len(w), -1))
        assert np.array_equal(np.asarray(bx.array, np.int32), ks.pw_bias_s8(w, b, rq.input_offset))
    generic = lower(g, "cortex-a53")  # NEON keeps conv2d_pw_s8 (int8 weights)
    assert not any("pwp" in c.kernel for c in generic.calls)
    assert any(c.kernel in ("conv2d_pw_s8", "conv2d_inplace_pw_s8") for c in generic.calls)
    assert not any(c.kernel == "conv2d_s8" and next(a.value for a in c.args if isinstance(a, Param)).k_h == 1
                   for c in prog.calls)


# ---------------------------------------------------------------- the whole network, generated for the M cores
@cross
@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m7"])
def test_person_detect_generated_for_cortex_m_equals_host_and_simulator(target, tmp_path):
    """The int8 MobileNetV1-0.25 generated for the DSP cores (conv2d_pwp_s8's packed 1x1 layers, one in place,
    the DSP depthwise and small-K paths) gives the simulator's integers under qemu, and so does the same C
    built on the host (their portable paths)."""
    import json
    import sys
    import nncodegen
    from nncodegen.harness.cmodel import CModel
    from nncodegen.harness.cross import run_on_target
    need(target)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_arm
    g = bench_arm.person_detect_graph(seed=3)
    out = nncodegen.generate(g, tmp_path / "pd", name="pd", target=target)
    src = (out / "pd.c").read_text()
    assert "conv2d_pwp_s8(" in src and "conv2d_inplace_pwp_s8(" in src
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(3, 96, 96, 1)).astype(np.float32)
    cm = CModel(out)
    xq = cm.quantize_input(x)
    host = cm.run_raw(xq)
    sim = nncodegen.simulate(g, x, raw=True).reshape(host.shape)
    assert np.array_equal(host, sim)
    y = run_on_target(out, xq, target)
    assert np.array_equal(y.reshape(host.shape), host)
    # every layer of one input: the target's trace against the twins run on the program lowered for the target
    from nncodegen.harness.cross import run_trace_on_target
    from nncodegen.lower.lower import lower
    from nncodegen.ref.program_sim import run_program
    prog = lower(g, target)
    _, twin = run_program(g, prog, xq[:1], trace=True)
    got = run_trace_on_target(out, xq[0], target)
    layers = json.loads((out / "nncodegen.json").read_text())["layers"]
    assert len(got) == len(layers) > 25
    kernels = {c.layer: c.kernel for c in prog.calls}
    for a, layer in zip(got, layers):
        assert np.array_equal(a.ravel(), np.asarray(twin[layer["tensor"]]).ravel()), (layer["name"], kernels[layer["name"]])
