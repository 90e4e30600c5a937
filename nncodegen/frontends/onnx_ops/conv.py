"""ONNX handlers: Conv and ConvTranspose (2-D, and 1-D as 2-D with a unit height)."""
from __future__ import annotations

import numpy as np

from ..onnx_values import Val


def _split_pad(total: int, auto: str):
    """(before, after) of a total padding: SAME_UPPER puts the odd one after, any other mode before."""
    b = total // 2 if auto == "SAME_UPPER" else total - total // 2
    return b, total - b


class ConvOps:
    # ---- convolution --------------------------------------------------------------------
    def _spatial_pads(self, node, a, in_hw, kernel, strides, dil):
        auto = a.get("auto_pad", "NOTSET")
        if auto in ("NOTSET", ""):
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if len(pads) != 4:
                self.bad_attr(node, "pads", pads, "must have 4 values")
            if any(p < 0 for p in pads):
                self.bad_attr(node, "pads", pads, "(negative pads) not supported")
            return [int(p) for p in pads]
        if auto == "VALID":
            return [0, 0, 0, 0]
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            begin, end = [], []
            for i in range(2):
                out = -(-in_hw[i] // strides[i])
                total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - in_hw[i])
                b, e = _split_pad(total, auto)
                begin.append(b)
                end.append(e)
            return [begin[0], begin[1], end[0], end[1]]
        self.bad_attr(node, "auto_pad", auto)

    def _two(self, node, a, key, default):
        v = list(a.get(key, default))
        if len(v) != 2:
            self.bad_attr(node, key, v, "(only 1-D and 2-D spatial ops are supported)")
        return [int(x) for x in v]

    def _as_2d(self, node, ins, a, handler):
        """Run a 1-D spatial op (input (N, C, L)) as the 2-D op on (N, C, 1, L): the attributes and the
        weight gain a unit height, and the output (N, C', 1, L') is reshaped back to (N, C', L').  Between
        two such ops the reshapes and layout transposes cancel in the cleanup."""
        x = ins[0]
        n, c, length = x.shape
        x4 = self.emit("reshape", [self.plain(x)], {"shape": (n, c, 1, length)}, name=f"{self.nname(node)}_2d")
        ins2 = [Val((n, c, 1, length), ir=x4, layout="plain")]
        for v in ins[1:2]:    # the weight (Conv: Cout, Cin/g, K; ConvTranspose: Cin, Cout/g, K)
            if v is not None and v.is_const and np.asarray(v.const).ndim == 3:
                w = np.asarray(v.const)
                v = self._const_val(w.reshape(w.shape[0], w.shape[1], 1, w.shape[2]))
            ins2.append(v)
        ins2 += list(ins[2:])
        a2 = dict(a)
        for key, pre in (("kernel_shape", 1), ("strides", 1), ("dilations", 1), ("output_padding", 0),
                         ("output_shape", 1)):
            if key in a2:
                a2[key] = [pre] + [int(v) for v in a2[key]][-1:]
        if "pads" in a2:
            pads = [int(v) for v in a2["pads"]]
            if len(pads) != 2:
                self.bad_attr(node, "pads", pads, "must have 2 values for a 1-D op")
            a2["pads"] = [0, pads[0], 0, pads[1]]
        node2 = self.onnx.NodeProto()
        node2.CopyFrom(node)
        node2.name = self.node_name(node)
        node2.output[0] = f"{node.output[0]}_2d"
        handler(node2, ins2, a2)
        v4 = self.vals.pop(node2.output[0])
        n4, c4, _, l4 = v4.shape
        out = self.emit("reshape", [self.plain(v4)], {"shape": (n4, c4, l4)}, out=node.output[0],
                        name=f"{self.nname(node)}_1d")
        self.set_out(node, out, "plain")

    def _conv_operands(self, node, ins, a, W, what: str):
        """(x, bias or None, x in NHWC, group) of a 2-D Conv / ConvTranspose with weights W."""
        x = ins[0]
        if W.ndim != 4:
            self.fail(node, f"only 1-D and 2-D {what} are supported (weight shape {W.shape})")
        B = self.const_in(node, ins, 2, "bias", optional=True)
        return x, B, self.spatial_in(node, x), int(a.get("group", 1))

    def op_Conv(self, node, ins, a):
        W = self.const_in(node, ins, 1, "weight")
        if W.ndim == 3 and len(ins[0].shape) == 3:
            return self._as_2d(node, ins, a, self.op_Conv)
        x, B, xi, g = self._conv_operands(node, ins, a, W, "convolutions")
        ks = self._two(node, a, "kernel_shape", W.shape[2:])
        if tuple(ks) != tuple(W.shape[2:]):
            self.bad_attr(node, "kernel_shape", ks, f"does not match the weight shape {W.shape}")
        strides = self._two(node, a, "strides", [1, 1])
        dil = self._two(node, a, "dilations", [1, 1])
        pads = self._spatial_pads(node, a, x.shape[2:], ks, strides, dil)
        if x.shape[1] != W.shape[1] * g:
            self.fail(node, f"input channels {x.shape[1]} != weight {W.shape} x group {g}")
        ins_ir = [xi, self.const(W.astype(np.float32).transpose(0, 2, 3, 1), f"{self.nname(node)}_w")]
        if B is not None:
            ins_ir.append(self.const(B.reshape(-1), f"{self.nname(node)}_b"))
        out = self.emit("conv2d", ins_ir, {"strides": tuple(strides), "pads": tuple(pads),
                                           "dilations": tuple(dil), "groups": g},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")

    def op_ConvTranspose(self, node, ins, a):
        W = self.const_in(node, ins, 1, "weight")
        if W.ndim == 3 and len(ins[0].shape) == 3:
            return self._as_2d(node, ins, a, self.op_ConvTranspose)
        x, B, xi, g = self._conv_operands(node, ins, a, W, "transposed convolutions")
        cin, og, kh, kw = W.shape
        if x.shape[1] != cin or cin % g:
            self.fail(node, f"input channels {x.shape[1]} do not match weight {W.shape} with group {g}")
        ks = self._two(node, a, "kernel_shape", [kh, kw])
        if tuple(ks) != (kh, kw):
            self.bad_attr(node, "kernel_shape", ks, f"does not match the weight shape {W.shape}")
        strides = self._two(node, a, "strides", [1, 1])
        dil = self._two(node, a, "dilations", [1, 1])
        opad = self._two(node, a, "output_padding", [0, 0])
        auto = a.get("auto_pad", "NOTSET") or "NOTSET"
        if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
            self.bad_attr(node, "auto_pad", auto)
        in_hw = x.shape[2:]
        full = [(in_hw[i] - 1) * strides[i] + opad[i] + (ks[i] - 1) * dil[i] + 1 for i in range(2)]
        out_shape = a.get("output_shape")
        if out_shape is not None:
            out_shape = list(out_shape)[-2:]
        elif auto in ("SAME_UPPER", "SAME_LOWER"):
            out_shape = [in_hw[i] * strides[i] for i in range(2)]
        if out_shape is not None:
            begin, end = [], []
            for i in range(2):
                total = full[i] - int(out_shape[i])
                if total < 0:
                    if a.get("output_shape") is not None and -total >= strides[i]:
                        self.bad_attr(node, "output_shape", a["output_shape"],
                                      f"is larger than the full output {full} by a stride or more")
                    opad[i] += -total   # the extra rows/columns at the end, as output_padding
                    total = 0
                b, e = _split_pad(total, auto)
                begin.append(b)
                end.append(e)
            pads = [begin[0], begin[1], end[0], end[1]]
        elif auto == "VALID":
            pads = [0, 0, 0, 0]
        else:
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if len(pads) != 4 or any(p < 0 for p in pads):
                self.bad_attr(node, "pads", pads)
        ig = cin // g
        w = W.astype(np.float32).reshape(g, ig, og, kh, kw).transpose(0, 2, 3, 4, 1).reshape(g * og, kh, kw, ig)
        ins_ir = [xi, self.const(w, f"{self.nname(node)}_w")]
        if B is not None:
            ins_ir.append(self.const(B.reshape(-1), f"{self.nname(node)}_b"))
        out = self.emit("conv_transpose2d", ins_ir,
                        {"strides": tuple(strides), "pads": tuple(int(p) for p in pads), "dilations": tuple(dil),
                         "groups": g, "output_padding": tuple(opad)},
                        out=node.output[0], name=self.nname(node))
        self.set_out(node, out, "nhwc")
