"""ONNX handlers: Pad, Resize and Upsample."""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from ...ir.limits import LIMITS
from ..onnx_values import NCHW_TO_NHWC, Val


class PadResizeOps:
    # ---- pad / resize -------------------------------------------------------------------
    def op_Pad(self, node, ins, a):
        x = ins[0]
        r = len(x.shape)
        mode = a.get("mode", "constant")
        if mode not in ("constant", "reflect", "edge"):
            self.bad_attr(node, "mode", mode)
        if self.opset < 11:
            pads = list(a.get("pads", []))
            value = float(a.get("value", 0.0))
        else:
            pads = self.const_in(node, ins, 1, "pads").reshape(-1).astype(np.int64).tolist()
            cv = self.const_in(node, ins, 2, "constant_value", optional=True)
            value = 0.0 if cv is None or np.asarray(cv).size == 0 else float(np.asarray(cv).reshape(-1)[0])
            axes = self.const_in(node, ins, 3, "axes", optional=True)
            if axes is not None:
                axes = [int(ax) % r for ax in np.asarray(axes).reshape(-1)]
                full = [0] * (2 * r)
                for k, ax in enumerate(axes):
                    full[ax] = pads[k]
                    full[ax + r] = pads[k + len(axes)]
                pads = full
        if len(pads) != 2 * r:
            self.bad_attr(node, "pads", pads, f"must have {2 * r} values for rank {r}")
        if any(p < 0 for p in pads):
            self.bad_attr(node, "pads", pads, "(negative pads / cropping) not supported")
        if not any(pads):
            self.alias(node, x)
            return
        if x.layout == "nhwc":
            src, order = x.ir, NCHW_TO_NHWC
            layout = "nhwc"
        else:
            src, order = self.plain(x), tuple(range(r))
            layout = "plain"
        ir_pads = []
        for ax in order:
            ir_pads += [int(pads[ax]), int(pads[ax + r])]
        out = self.emit("pad", [src], {"pads": tuple(ir_pads), "mode": mode, "value": value},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, layout)

    def _resize(self, node, x: Val, mode: str, coord: str, nearest_mode: str,
                scales: Optional[Sequence[float]], sizes: Optional[Sequence[int]], simple: bool = False,
                coord_scales: Optional[Sequence[float]] = None):
        """``coord_scales``: (sh, sw) for the coordinate transform when ``sizes`` are given but the
        scales are not sizes / input (keep_aspect_ratio_policy)."""
        if len(x.shape) != 4:
            self.fail(node, f"only 4-D (N,C,H,W) inputs are supported, got shape {x.shape}")
        if mode not in ("nearest", "linear", "bilinear"):
            self.bad_attr(node, "mode", mode)
        if coord not in ("asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners", "tf_half_pixel_for_nn",
                         "half_pixel_symmetric"):
            self.bad_attr(node, "coordinate_transformation_mode", coord)
        if nearest_mode not in ("floor", "ceil", "round_prefer_floor", "round_prefer_ceil"):
            self.bad_attr(node, "nearest_mode", nearest_mode)
        n, c, h, w = x.shape
        if sizes is not None:
            sizes = [int(s) for s in sizes]
            if sizes[0] != n or sizes[1] != c:
                self.fail(node, f"only H and W may be resized (sizes {sizes} for input {x.shape})")
            oh, ow = sizes[2], sizes[3]
            sc = None if coord_scales is None else (float(coord_scales[0]), float(coord_scales[1]))
        else:
            scales = [float(s) for s in scales]
            if scales[0] != 1.0 or scales[1] != 1.0:
                self.fail(node, f"only H and W may be resized (scales {scales})")
            if not all(math.isfinite(s) and s > 0 for s in scales):
                self.fail(node, f"scales must be finite and positive, got {scales}")
            if any(np.float32(s) * np.float32(d) > LIMITS.max_dim for s, d in zip(scales[2:], (h, w))):
                self.fail(node, f"scales {scales} give an output dimension over the limit {LIMITS.max_dim} "
                                f"(limits.max_dim)")
            # onnxruntime: floor(float32(scale) * dim) in float32
            oh = int(math.floor(np.float32(scales[2]) * np.float32(h)))
            ow = int(math.floor(np.float32(scales[3]) * np.float32(w)))
            sc = (scales[2], scales[3])
        if oh <= 0 or ow <= 0:
            self.fail(node, f"output size {(oh, ow)} is empty")
        if max(oh, ow) > LIMITS.max_dim:
            self.fail(node, f"output size {(oh, ow)} is over the limit {LIMITS.max_dim} (limits.max_dim)")
        if simple and mode == "nearest":
            # opset <= 10 nearest: floor when upsampling, ceil when downsampling (per axis)
            mh = "ceil" if (sc[0] if sc else oh / h) < 1 else "floor"
            mw = "ceil" if (sc[1] if sc else ow / w) < 1 else "floor"
            if mh != mw and not (h == oh or w == ow):
                self.fail(node, "opset<=10 nearest resize that upsamples one axis and downsamples the other")
            nearest_mode = mh if h != oh else mw
        attrs = {"size": (oh, ow), "mode": "nearest" if mode == "nearest" else "bilinear", "coord": coord,
                 "nearest_mode": nearest_mode, "scales": sc}
        out = self.emit("resize", [self.nhwc(x, node)], attrs, out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def op_Resize(self, node, ins, a):
        x = ins[0]
        mode = a.get("mode", "nearest")
        if self.opset < 11:
            scales = self.const_in(node, ins, 1, "scales").reshape(-1).tolist()
            self._resize(node, x, mode, "asymmetric", "floor", scales, None, simple=True)
            return
        coord = a.get("coordinate_transformation_mode", "half_pixel")
        nmode = a.get("nearest_mode", "round_prefer_floor")
        if int(a.get("exclude_outside", 0)):
            self.bad_attr(node, "exclude_outside", a["exclude_outside"])
        r = len(x.shape)
        scales = self.const_in(node, ins, 2, "scales", optional=True)
        sizes = self.const_in(node, ins, 3, "sizes", optional=True)
        if scales is not None and np.asarray(scales).size == 0:
            scales = None
        if sizes is not None and np.asarray(sizes).size == 0:
            sizes = None
        if (scales is None) == (sizes is None):
            self.fail(node, "exactly one of scales and sizes must be given")
        axes = a.get("axes")
        if axes is not None:
            axes = [int(ax) % r for ax in axes]
        policy = a.get("keep_aspect_ratio_policy", "stretch")
        cscl = None
        if sizes is not None:
            sizes = np.asarray(sizes).reshape(-1).astype(np.int64).tolist()
            full = list(x.shape)
            ax_list = list(axes if axes is not None else range(r))
            if len(sizes) != len(ax_list):
                self.fail(node, f"sizes has {len(sizes)} values for {len(ax_list)} resized axes")
            for k, ax in enumerate(ax_list):
                full[ax] = sizes[k]
            if policy not in ("stretch", "not_larger", "not_smaller"):
                self.bad_attr(node, "keep_aspect_ratio_policy", policy)
            if policy != "stretch":
                # one scale for every resized axis; sizes round half up (ONNX Resize-18)
                ratios = [full[ax] / x.shape[ax] for ax in ax_list]
                s_ = min(ratios) if policy == "not_larger" else max(ratios)
                for ax in ax_list:
                    full[ax] = int(s_ * x.shape[ax] + 0.5)
                cscl = [s_ if ax in ax_list else 1.0 for ax in range(r)][2:]
            sizes, scl = full, None
        else:
            vals = np.asarray(scales, np.float64).reshape(-1).tolist()
            full = [1.0] * r
            ax_list = list(axes if axes is not None else range(r))
            if len(vals) != len(ax_list):
                self.fail(node, f"scales has {len(vals)} values for {len(ax_list)} resized axes")
            for k, ax in enumerate(ax_list):
                full[ax] = vals[k]
            scl = full
        if int(a.get("antialias", 0)):
            down = (scl is not None and min(scl) < 1) or (sizes is not None and
                                                          any(s < d for s, d in zip(sizes, x.shape)))
            if down:
                self.bad_attr(node, "antialias", 1, "(antialiased downsampling) not supported")
        if mode == "cubic":
            self.bad_attr(node, "mode", mode)
        self._resize(node, x, mode, coord, nmode, scl, sizes, coord_scales=cscl)

    def op_Upsample(self, node, ins, a):
        x = ins[0]
        mode = a.get("mode", "nearest")
        if "scales" in a:
            scales = list(a["scales"])
        else:
            scales = self.const_in(node, ins, 1, "scales").reshape(-1).tolist()
        if any(s < 1 for s in scales):
            self.fail(node, f"Upsample scales must be >= 1, got {scales}")
        self._resize(node, x, "linear" if mode in ("linear", "bilinear") else mode, "asymmetric", "floor",
                     scales, None)
