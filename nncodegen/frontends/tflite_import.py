"""TFLite import: full-integer int8 .tflite models as affine int8 IR graphs.

    g = load_tflite("model.tflite")            # nncodegen.load / `nncodegen compile` call this

The file is read with a small FlatBuffers reader of our own (the fields of TFLite's schema.fbs that
the import needs), so no TensorFlow or tflite package is needed.  TFLite is NHWC like the IR, so
no layout changes: CONV_2D filters [O, H, W, I] are the IR's, DEPTHWISE_CONV_2D filters
[1, H, W, C*m] become [C*m, H, W, 1] with groups = C.  Every tensor keeps the model's own
quantization (scale, zero point, per-channel filter scales); the arithmetic is TFLite's reference
kernels' (rounding mode "double", averages rounded half away from zero, the gemmlowp softmax), which
is what TFLite Micro and TFLite's reference op resolver compute; LOGISTIC and TANH are the gemmlowp
fixed-point kernels TFLite Micro runs (LiteRT's int8 LOGISTIC / TANH use a float-built table instead,
a few LSB apart on some values).

Supported operators: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D, MAX_POOL_2D,
ADD, RESHAPE, SQUEEZE, EXPAND_DIMS, SOFTMAX (beta 1), LOG_SOFTMAX, PAD / PADV2, CONCATENATION (inputs in the
output's format), RELU / RELU6 / RELU_N1_TO_1 (input and output in one format), LOGISTIC / TANH (TFLite's
fixed output formats 1/256, -128 and 1/128, 0; gemmlowp fixed point), QUANTIZE (int8 -> int8, or of the
float model input: rounded half away from zero, as TFLite does), DEQUANTIZE; after a DEQUANTIZE, SOFTMAX /
LOG_SOFTMAX / RESHAPE may run in float32 (float kernels, listed as float layers in the report).  Anything else - custom operators (an Ethos-U
``ethos-u`` op, say), int16 activations, float layers - is refused with every offending operator
listed at once, by index, name and output tensor.
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..ir.checker import check_graph
from ..ir.formats import AffineFormat, FLOAT32
from ..ir.graph import Graph, GraphError, Node, Tensor
from ..ir.ops import conv_out_size

# ---------------------------------------------------------------- FlatBuffers


class _Table:
    """One FlatBuffers table: fields by their index in the schema."""

    def __init__(self, buf: bytes, pos: int):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt_len = struct.unpack_from("<H", buf, vt)[0]
        self.vt = vt

    def _off(self, i: int) -> int:
        o = 4 + 2 * i
        if o >= self.vt_len:
            return 0
        return struct.unpack_from("<H", self.buf, self.vt + o)[0]

    def has(self, i: int) -> bool:
        return self._off(i) != 0

    def scalar(self, i: int, fmt: str, default=0):
        o = self._off(i)
        return default if o == 0 else struct.unpack_from("<" + fmt, self.buf, self.pos + o)[0]

    def _ref(self, i: int) -> Optional[int]:
        o = self._off(i)
        if o == 0:
            return None
        p = self.pos + o
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, i: int) -> Optional["_Table"]:
        p = self._ref(i)
        return None if p is None else _Table(self.buf, p)

    def string(self, i: int) -> Optional[str]:
        p = self._ref(i)
        if p is None:
            return None
        n = struct.unpack_from("<I", self.buf, p)[0]
        return self.buf[p + 4:p + 4 + n].decode("utf-8", "replace")

    def vector(self, i: int, dtype) -> np.ndarray:
        p = self._ref(i)
        if p is None:
            return np.zeros(0, dtype=dtype)
        n = struct.unpack_from("<I", self.buf, p)[0]
        return np.frombuffer(self.buf, dtype=np.dtype(dtype).newbyteorder("<"), count=n, offset=p + 4)

    def tables(self, i: int) -> List["_Table"]:
        p = self._ref(i)
        if p is None:
            return []
        n = struct.unpack_from("<I", self.buf, p)[0]
        out = []
        for k in range(n):
            e = p + 4 + 4 * k
            out.append(_Table(self.buf, e + struct.unpack_from("<I", self.buf, e)[0]))
        return out


# ---------------------------------------------------------------- schema facts

OPS = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 6: "DEQUANTIZE",
       9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU", 20: "RELU_N1_TO_1",
       21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 28: "TANH", 32: "CUSTOM", 34: "PAD", 39: "TRANSPOSE", 40: "MEAN",
       41: "SUB", 43: "SQUEEZE", 50: "LOG_SOFTMAX", 60: "PADV2", 70: "EXPAND_DIMS", 97: "RESIZE_NEAREST_NEIGHBOR",
       98: "LEAKY_RELU", 114: "QUANTIZE", 117: "HARD_SWISH"}
TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 7: "int16", 9: "int8", 10: "float64"}
ACTS = {0: "none", 1: "relu", 2: "relu_n1_to_1", 3: "relu6"}
FLOAT_TAIL = ("SOFTMAX", "LOG_SOFTMAX", "RESHAPE")  # ops that may run in float32 after a DEQUANTIZE
SUPPORTED = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "RESHAPE",
             "SQUEEZE", "EXPAND_DIMS", "SOFTMAX", "LOG_SOFTMAX", "PAD", "PADV2", "CONCATENATION", "RELU", "RELU6", "RELU_N1_TO_1",
             "LOGISTIC", "TANH", "QUANTIZE", "DEQUANTIZE"}
WHY = {"MEAN": "no kernel for TFLite's int8 mean yet",
       "CUSTOM": "custom operator (compiled for an accelerator or a runtime extension)"}


class _T:
    """A TFLite tensor as read from the file."""

    def __init__(self, t: _Table, buffers: List[_Table], index: int):
        self.index = index
        self.shape = tuple(int(d) for d in t.vector(0, np.int32))
        self.type = TYPES.get(t.scalar(1, "b"), f"type {t.scalar(1, 'b')}")
        self.name = t.string(3) or f"tensor_{index}"
        self.buffer = t.scalar(2, "I")
        q = t.table(4)
        self.scale = q.vector(2, np.float32).copy() if q is not None else np.zeros(0, np.float32)
        self.zero_point = q.vector(3, np.int64).copy() if q is not None else np.zeros(0, np.int64)
        self.qdim = q.scalar(6, "i") if q is not None else 0
        b = buffers[self.buffer] if 0 < self.buffer < len(buffers) else None
        self.data = None
        if b is not None:
            raw = b.vector(0, np.uint8)
            if raw.size == 0 and b.scalar(1, "Q") > 1:
                raise GraphError(f"tensor {self.name!r}: data stored outside the flatbuffer (models > 2 GB) "
                                 "is not supported")
            if raw.size:
                dt = {"int8": np.int8, "uint8": np.uint8, "int32": np.int32, "int64": np.int64,
                      "float32": np.float32, "int16": np.int16}.get(self.type)
                if dt is None:
                    raise GraphError(f"tensor {self.name!r}: constant of type {self.type} is not supported")
                self.data = np.frombuffer(raw.tobytes(), dtype=np.dtype(dt).newbyteorder("<")).astype(dt).reshape(
                    self.shape)

    @property
    def quantized(self) -> bool:
        return self.scale.size > 0


class _Op:
    def __init__(self, index: int, code: str, custom: Optional[str], inputs, outputs, options: Optional[_Table]):
        self.index, self.code, self.custom = index, code, custom
        self.inputs = [int(i) for i in inputs]
        self.outputs = [int(i) for i in outputs]
        self.options = options


def read_model(data: bytes, src: str = "model"):
    """(tensors, operators, inputs, outputs, description) of subgraph 0."""
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise GraphError(f"{src}: not a TFLite model (no 'TFL3' FlatBuffers identifier)")
    try:
        m = _Table(data, struct.unpack_from("<I", data, 0)[0])
        codes = []
        for c in m.tables(1):
            code = max(int(c.scalar(0, "b")), int(c.scalar(3, "i")))
            codes.append((OPS.get(code, f"builtin operator {code}"), c.string(1)))
        subgraphs = m.tables(2)
        if not subgraphs:
            raise GraphError(f"{src}: the model has no subgraph")
        buffers = m.tables(4)
        sg = subgraphs[0]
        tensors = [_T(t, buffers, i) for i, t in enumerate(sg.tables(0))]
        ops = []
        for k, o in enumerate(sg.tables(3)):
            ci = o.scalar(0, "I")
            if ci >= len(codes):
                raise GraphError(f"{src}: operator #{k} refers to operator code {ci} of {len(codes)}")
            code, custom = codes[ci]
            ops.append(_Op(k, code, custom, o.vector(1, np.int32), o.vector(2, np.int32), o.table(4)))
        return tensors, ops, [int(i) for i in sg.vector(1, np.int32)], [int(i) for i in sg.vector(2, np.int32)], \
            m.string(3) or ""
    except GraphError:
        raise
    except (struct.error, ValueError, IndexError) as e:
        raise GraphError(f"{src}: corrupt or truncated TFLite file ({e})") from None


# ---------------------------------------------------------------- import


def _label(op: _Op, tensors: List[_T]) -> str:
    out = tensors[op.outputs[0]].name if op.outputs else "?"
    kind = f"{op.code} ({op.custom})" if op.code == "CUSTOM" else op.code
    return f"operator #{op.index} {kind} -> {out!r}"


class _Importer:
    def __init__(self, data: bytes, src: str, name: Optional[str]):
        self.src = src
        self.tensors, self.ops, self.inputs, self.outputs, self.description = read_model(data, src)
        self.g = Graph(name or Path(src).stem or "model")
        self.names: Dict[int, str] = {}
        self.float_layers: List[str] = []

    # -- errors
    def fail(self, op: _Op, msg: str):
        raise GraphError(f"{self.src}: {_label(op, self.tensors)}: {msg}")

    def check(self):
        bad = []
        for op in self.ops:
            if op.code not in SUPPORTED:
                bad.append(f"{_label(op, self.tensors)}" + (f": {WHY[op.code]}" if op.code in WHY else ""))
        if bad:
            raise GraphError(f"{self.src}: {len(bad)} unsupported TFLite operator(s):\n  " + "\n  ".join(bad))
        if len(self.inputs) != 1 or len(self.outputs) != 1:
            names = ", ".join(repr(self.tensors[i].name) for i in self.inputs)
            raise GraphError(f"{self.src}: {len(self.inputs)} inputs ({names}) and {len(self.outputs)} outputs: "
                             "nncodegen compiles models with one input and one output")
        for op in self.ops:
            for i in op.inputs + op.outputs:
                t = self.tensors[i] if i >= 0 else None
                if t is None or t.data is not None:
                    continue
                if t.type == "int16":
                    self.fail(op, f"tensor {t.name!r} is int16 (16x8 quantization): only int8 activations are "
                                  "supported")
                if t.type not in ("int8", "float32"):
                    self.fail(op, f"tensor {t.name!r} has type {t.type}: activations must be int8")
                if t.type == "int8" and (not t.quantized or t.scale.size != 1):
                    self.fail(op, f"tensor {t.name!r}: activations need one scale and zero point")
                if t.type == "float32" and op.code not in ("QUANTIZE", "DEQUANTIZE") + FLOAT_TAIL:
                    self.fail(op, f"tensor {t.name!r} is float32: float layers are not supported in TFLite "
                                  "models (quantize the model fully to int8)")
            if op.code in FLOAT_TAIL and any(self.tensors[i].type == "float32" for i in op.inputs if i >= 0):
                self.float_layers.append(f"{_label(op, self.tensors)} (float32 after DEQUANTIZE)")

    # -- tensors
    def fmt(self, t: _T, axis: Optional[int] = None):
        if t.type == "float32":
            return FLOAT32
        bits = {"int8": 8, "int32": 32}[t.type]
        if t.scale.size > 1:
            return AffineFormat(bits, tuple(float(s) for s in t.scale), tuple(int(z) for z in t.zero_point),
                                axis=0 if axis is None else axis)
        zp = int(t.zero_point[0]) if t.zero_point.size else 0
        return AffineFormat(bits, float(t.scale[0]), zp)

    def act(self, i: int) -> str:
        """The IR tensor of activation tensor i (created on first use)."""
        if i in self.names:
            return self.names[i]
        t = self.tensors[i]
        name = self.g.unique_name(t.name)
        self.g.add_tensor(Tensor(name, t.shape, self.fmt(t)))
        self.names[i] = name
        return name

    def const(self, t: _T, q: np.ndarray, fmt, tag: str) -> str:
        name = self.g.unique_name(f"{t.name}{tag}")
        real = fmt.dequantize(q) if hasattr(fmt, "dequantize") else q.astype(np.float32)
        self.g.add_tensor(Tensor(name, tuple(q.shape), fmt, data=np.asarray(real, np.float32), qdata=q))
        return name

    def node(self, op: _Op, ir_op: str, inputs: List[str], out: int, **attrs) -> str:
        y = self.act(out)
        self.g.add_node(Node(self.g.unique_name(f"{op.code.lower()}_{op.index}"), ir_op, inputs, [y], attrs))
        return y

    # -- options
    @staticmethod
    def _act_attrs(code: int) -> dict:
        a = ACTS.get(code)
        if a is None:
            raise GraphError(f"fused activation {code}")
        if a == "relu_n1_to_1":
            return {"act": "clip", "act_min": -1.0, "act_max": 1.0}
        return {"act": a}

    def _pads(self, op: _Op, padding: int, in_hw, k_hw, s_hw, d_hw):
        """TFLite SAME / VALID padding as explicit (top, left, bottom, right)."""
        if padding == 1:  # VALID
            return (0, 0, 0, 0)
        if padding != 0:
            self.fail(op, f"padding mode {padding}")
        p = []
        for size, k, s, d in zip(in_hw, k_hw, s_hw, d_hw):
            out = (size + s - 1) // s
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            p.append((total // 2, total - total // 2))
        return (p[0][0], p[1][0], p[0][1], p[1][1])

    # -- operators
    def conv(self, op: _Op, depthwise: bool):
        o = op.options
        x, w, b = (self.tensors[i] if i >= 0 else None for i in (op.inputs + [-1])[:3])
        if w.data is None or w.type != "int8":
            self.fail(op, "filters must be int8 constants")
        if o is None:
            self.fail(op, "missing options")
        if depthwise:
            pad, sw, sh, act, dw, dh = o.scalar(0, "b"), o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(4, "b"), \
                o.scalar(5, "i", 1), o.scalar(6, "i", 1)
            q = np.ascontiguousarray(np.transpose(w.data, (3, 1, 2, 0)))  # [1,H,W,C*m] -> [C*m,H,W,1]
            groups = x.shape[3]
            qdim = 0 if w.qdim == 3 else w.qdim
        else:
            pad, sw, sh, act, dw, dh = o.scalar(0, "b"), o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(3, "b"), \
                o.scalar(4, "i", 1), o.scalar(5, "i", 1)
            q = w.data
            groups = x.shape[3] // q.shape[3]
            qdim = w.qdim
        if w.scale.size > 1 and qdim != 0:
            self.fail(op, "per-channel filter scales must be along the output channels")
        if np.any(w.zero_point != 0):
            self.fail(op, "filter zero points must be 0 (symmetric int8 weights)")
        wname = self.const(w, q, self.fmt(w, 0), "")
        ins = [self.act(op.inputs[0]), wname]
        if b is not None:
            ins.append(self.const(b, b.data.astype(np.int32), self.fmt(b, 0), ""))
        pads = self._pads(op, pad, x.shape[1:3], q.shape[1:3], (sh, sw), (dh, dw))
        self.node(op, "conv2d", ins, op.outputs[0], strides=(sh, sw), pads=pads, dilations=(dh, dw),
                  groups=groups, **self._act_attrs(act))

    def fully_connected(self, op: _Op):
        o = op.options
        x, w = self.tensors[op.inputs[0]], self.tensors[op.inputs[1]]
        b = self.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
        if w.data is None or w.type != "int8":
            self.fail(op, "weights must be int8 constants")
        if o is not None and o.scalar(1, "b") != 0:
            self.fail(op, "shuffled weight formats are not supported")
        act = o.scalar(0, "b") if o is not None else 0
        n_in = w.shape[1]
        size = int(np.prod(x.shape))
        if size % n_in:
            self.fail(op, f"input of {size} values does not split into rows of {n_in}")
        xin = self.act(op.inputs[0])
        if tuple(x.shape) != (size // n_in, n_in):
            flat = self.g.unique_name(f"{x.name}_rows")
            self.g.add_tensor(Tensor(flat, (size // n_in, n_in), self.fmt(x)))
            self.g.add_node(Node(self.g.unique_name(f"reshape_{op.index}"), "reshape", [xin], [flat],
                                 {"shape": (size // n_in, n_in)}))
            xin = flat
        ins = [xin, self.const(w, w.data, self.fmt(w, 0), "")]
        if b is not None:
            ins.append(self.const(b, b.data.astype(np.int32), self.fmt(b, 0), ""))
        y = self.tensors[op.outputs[0]]
        rows = (size // n_in, w.shape[0])
        if tuple(y.shape) == rows:
            self.node(op, "dense", ins, op.outputs[0], **self._act_attrs(act))
            return
        mid = self.g.unique_name(f"{y.name}_rows")
        self.g.add_tensor(Tensor(mid, rows, self.fmt(y)))
        self.g.add_node(Node(self.g.unique_name(f"fully_connected_{op.index}"), "dense", ins, [mid],
                             self._act_attrs(act)))
        self.g.add_node(Node(self.g.unique_name(f"reshape_{op.index}_out"), "reshape", [mid], [self.act(op.outputs[0])],
                             {"shape": tuple(y.shape)}))

    def pool(self, op: _Op, kind: str):
        o = op.options
        x = self.tensors[op.inputs[0]]
        pad, sw, sh, fw, fh, act = (o.scalar(0, "b"), o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(3, "i"),
                                    o.scalar(4, "i"), o.scalar(5, "b"))
        if ACTS.get(act, "?") != "none":
            self.fail(op, "fused activations on pools are not supported")
        pads = self._pads(op, pad, x.shape[1:3], (fh, fw), (sh, sw), (1, 1))
        attrs = dict(kernel=(fh, fw), strides=(sh, sw), pads=pads)
        if kind == "avgpool":
            attrs["count_include_pad"] = False
        self.node(op, kind, [self.act(op.inputs[0])], op.outputs[0], **attrs)

    def run(self) -> Graph:
        self.check()
        g = self.g
        t_in = self.tensors[self.inputs[0]]
        g.inputs = [self.act(self.inputs[0])]
        for op in self.ops:
            c = op.code
            if c in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                self.conv(op, c == "DEPTHWISE_CONV_2D")
            elif c == "FULLY_CONNECTED":
                self.fully_connected(op)
            elif c == "AVERAGE_POOL_2D":
                self.pool(op, "avgpool")
            elif c == "MAX_POOL_2D":
                self.pool(op, "maxpool")
            elif c == "ADD":
                act = op.options.scalar(0, "b") if op.options is not None else 0
                ins = []
                for i in op.inputs[:2]:
                    t = self.tensors[i]
                    ins.append(self.const(t, t.data.astype(np.int8), self.fmt(t), "") if t.data is not None
                               else self.act(i))
                self.node(op, "add", ins, op.outputs[0], **self._act_attrs(act))
            elif c in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
                y = self.tensors[op.outputs[0]]
                self.node(op, "reshape", [self.act(op.inputs[0])], op.outputs[0], shape=tuple(y.shape))
            elif c == "SOFTMAX":
                beta = op.options.scalar(0, "f", 1.0) if op.options is not None else 1.0
                if beta != 1.0:
                    self.fail(op, f"beta {beta}: only beta 1 is supported")
                self.node(op, "softmax", [self.act(op.inputs[0])], op.outputs[0], axis=-1)
            elif c == "LOG_SOFTMAX":
                self.node(op, "log_softmax", [self.act(op.inputs[0])], op.outputs[0], axis=-1)
            elif c in ("LOGISTIC", "TANH"):  # TFLite's gemmlowp kernels (logistic_tfl_s8, tanh_tfl_s8)
                self.node(op, "sigmoid" if c == "LOGISTIC" else "tanh", [self.act(op.inputs[0])], op.outputs[0])
            elif c in ("PAD", "PADV2"):
                p = self.tensors[op.inputs[1]]
                if p.data is None:
                    self.fail(op, "paddings must be constant")
                x = self.tensors[op.inputs[0]]
                value = 0.0
                if c == "PADV2" and len(op.inputs) > 2:
                    v = self.tensors[op.inputs[2]]
                    value = float(self.fmt(x).dequantize(v.data.reshape(-1)[:1])[0])
                pads = tuple(int(v) for pair in p.data.reshape(-1, 2) for v in pair)
                self.node(op, "pad", [self.act(op.inputs[0])], op.outputs[0], pads=pads, mode="constant",
                          value=value)
            elif c == "CONCATENATION":
                axis = op.options.scalar(0, "i") if op.options is not None else 0
                act = op.options.scalar(1, "b") if op.options is not None else 0
                if ACTS.get(act, "?") != "none":
                    self.fail(op, "fused activations on concatenation are not supported")
                fo = self.fmt(self.tensors[op.outputs[0]])
                for i in op.inputs:
                    if self.fmt(self.tensors[i]) != fo:
                        self.fail(op, f"input {self.tensors[i].name!r} is in another format than the output "
                                      "(TFLite rescales it in float; not supported)")
                self.node(op, "concat", [self.act(i) for i in op.inputs], op.outputs[0], axis=axis)
            elif c in ("RELU", "RELU6", "RELU_N1_TO_1"):
                if self.fmt(self.tensors[op.inputs[0]]) != self.fmt(self.tensors[op.outputs[0]]):
                    self.fail(op, "input and output must share one format")
                lo, hi = {"RELU": (0.0, None), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[c]
                self.node(op, "clip", [self.act(op.inputs[0])], op.outputs[0], min=lo, max=hi)
            elif c == "QUANTIZE":
                x = self.tensors[op.inputs[0]]
                if x.type == "float32" and op.inputs[0] not in self.inputs:
                    self.fail(op, "QUANTIZE from float32 is supported only on the model's input")
                self.node(op, "quantize" if x.type == "float32" else "requantize", [self.act(op.inputs[0])],
                          op.outputs[0])
            elif c == "DEQUANTIZE":
                self.node(op, "dequantize", [self.act(op.inputs[0])], op.outputs[0])
            else:  # pragma: no cover - check() refused it
                self.fail(op, "unsupported")
        g.outputs = [self.act(self.outputs[0])]
        g.meta["source"] = "tflite"
        g.meta["input_type"] = t_in.type
        g.meta["quantization"] = {
            "scheme": "int8", "bits": 8, "rounding": "double", "average_rounding": "half_away", "softmax": "tflite",
            "policy": "formats from the TFLite model (no recalibration); TFLite reference kernels' arithmetic: "
                      "fixed-point multipliers with double rounding, averages rounded half away from zero, "
                      "gemmlowp fixed-point softmax, logistic and tanh",
            "float_layers": list(self.float_layers), "source": "tflite"}
        g.remove_unused()
        return check_graph(g, "TFLite import")


def load_tflite(path_or_bytes, name: Optional[str] = None) -> Graph:
    """Import a full-integer int8 TFLite model (path or bytes) as a checked affine int8 IR graph."""
    if isinstance(path_or_bytes, (bytes, bytearray)):
        data, src = bytes(path_or_bytes), "model.tflite"
    else:
        p = Path(path_or_bytes)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise GraphError(f"{p}: cannot read ({e.strerror})") from None
        src = p.name
    return _Importer(data, src, name).run()
