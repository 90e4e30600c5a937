"""TFLite import: full-integer int8 .tflite models as affine int8 IR graphs.

    g = load_tflite("model.tflite")            # nncodegen.load / `nncodegen compile` call this

The file is read by flatbuf.py (no TensorFlow or tflite package needed).  TFLite is NHWC like the IR, so
no layout changes: CONV_2D filters [O, H, W, I] are the IR's, DEPTHWISE_CONV_2D filters [1, H, W, C*m]
become [C*m, H, W, 1] with groups = C.  Every tensor keeps the model's own quantization (scale, zero
point, per-channel filter scales); the arithmetic is TFLite's reference kernels' (rounding mode "double",
averages rounded half away from zero, the gemmlowp softmax), which is what TFLite Micro and TFLite's
reference op resolver compute; LOGISTIC and TANH are the gemmlowp fixed-point kernels TFLite Micro runs
(LiteRT's int8 LOGISTIC / TANH use a float-built table instead, a few LSB apart on some values).

The operators are handled by family, one module each (ops_conv, ops_elementwise, ops_reduce, ops_shape,
ops_slice); each module's
HANDLERS maps a TFLite operator name to ``handler(importer, op)``, and an operator is supported exactly
when some module handles it.  The supported operators and their limits are listed in the modules'
docstrings.  Models with int16 activations (TFLite's 16x8 quantization) are imported by ops_int16.py.
Float32 models (a float32 input and no QUANTIZE: TFLite Micro's hello_world_float, say) import as float32
IR graphs, to compile in float32 or to quantize with ``--quantize`` like an ONNX float model: the operators of
FLOAT_SUPPORTED, constants stored as float32 or float16 (TFLite's float16 quantization: a DEQUANTIZE of a
float16 constant is folded into a float32 constant).  Dynamic-range ("hybrid") models, int8 weights under
float activations, are refused: TFLite's hybrid kernels quantize the activations on the fly, which neither a
float32 nor an int8 graph computes.
Anything else - custom operators (an Ethos-U ``ethos-u`` op, say), float layers inside an int8 model - is
refused with every offending operator listed at once, by index, name and output tensor.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

from ...ir.checker import check_graph
from ...ir.formats import AffineFormat, FLOAT32
from ...ir.graph import Graph, GraphError, Node, Tensor
from .ops_conv import HANDLERS as CONV_HANDLERS
from .ops_elementwise import HANDLERS as ELTWISE_HANDLERS
from .ops_int16 import is_int16, load_int16
from .join import join_inputs, join_kind, join_outputs, outputs_joinable
from .ops_reduce import HANDLERS as REDUCE_HANDLERS
from .ops_shape import HANDLERS as SHAPE_HANDLERS
from .ops_slice import HANDLERS as SLICE_HANDLERS
from ..common import one_line
from .flatbuf import ACTS, TflOp, TflTensor, read_model

HANDLERS: Dict[str, Callable] = {**CONV_HANDLERS, **ELTWISE_HANDLERS, **REDUCE_HANDLERS, **SHAPE_HANDLERS,
                                 **SLICE_HANDLERS}
SUPPORTED = frozenset(HANDLERS)
FLOAT_TAIL = ("SOFTMAX", "LOG_SOFTMAX", "RESHAPE")  # ops that may run in float32 after a DEQUANTIZE
WHY = {"CUSTOM": "custom operator (compiled for an accelerator or a runtime extension)"}
# operators of float32 models (IR ops with float32 kernels); DEQUANTIZE only of a constant (folded)
FLOAT_SUPPORTED = frozenset({
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "SUB", "MUL",
    "RELU", "RELU6", "RELU_N1_TO_1", "LOGISTIC", "TANH", "SOFTMAX", "LOG_SOFTMAX", "RESHAPE", "SQUEEZE",
    "EXPAND_DIMS", "PAD", "PADV2", "CONCATENATION", "TRANSPOSE", "RESIZE_NEAREST_NEIGHBOR", "MEAN", "DEQUANTIZE",
    "LEAKY_RELU", "HARD_SWISH", "MAXIMUM", "MINIMUM", "PRELU", "SPLIT", "SPLIT_V", "STRIDED_SLICE",
    "TRANSPOSE_CONV"})


def _label(op: TflOp, tensors: List[TflTensor]) -> str:
    out = tensors[op.outputs[0]].name if op.outputs else "?"
    kind = f"{op.code} ({op.custom})" if op.code == "CUSTOM" else op.code
    return f"operator #{op.index} {kind} -> {out!r}"


class Importer:
    """The state shared by the operator handlers: the TFLite tensors and operators, the IR graph being
    built, and helpers that create IR tensors and nodes."""

    def __init__(self, data: bytes, src: str, name: Optional[str]):
        self.src = src
        self.tensors, self.ops, self.inputs, self.outputs, self.description = read_model(data, src)
        self.g = Graph(name or Path(src).stem or "model")
        self.names: Dict[int, str] = {}
        self.float_layers: List[str] = []
        # a float32 model: float32 input, no QUANTIZE (an int8 model with float I/O quantizes its input)
        self.float_model = (bool(self.inputs) and all(self.tensors[i].type == "float32" for i in self.inputs)
                            and not any(op.code == "QUANTIZE" for op in self.ops))
        self.folded: Dict[int, np.ndarray] = {}   # DEQUANTIZE outputs of constants (float models), as float32

    # -- errors
    def fail(self, op: TflOp, msg: str):
        raise GraphError(f"{self.src}: {_label(op, self.tensors)}: {msg}")

    def check(self):
        bad = []
        for op in self.ops:
            if self.float_model and op.code in SUPPORTED and op.code not in FLOAT_SUPPORTED:
                bad.append(f"{_label(op, self.tensors)}: not supported in float32 models")
            elif op.code not in SUPPORTED:
                bad.append(f"{_label(op, self.tensors)}" + (f": {WHY[op.code]}" if op.code in WHY else ""))
        if bad:
            raise GraphError(f"{self.src}: {len(bad)} unsupported TFLite operator(s): " + "; ".join(bad))
        if not self.inputs or not self.outputs or (len(self.outputs) > 1 and not outputs_joinable(self)):
            desc = ", ".join(f"{self.tensors[i].name!r} ({self.tensors[i].type})" for i in self.outputs)
            raise GraphError(f"{self.src}: {len(self.inputs)} inputs and {len(self.outputs)} outputs ({desc}): "
                             "several outputs are joined into the one C output only when all are float32 or all "
                             "int8")
        if len(self.inputs) > 1:
            join_kind(self, self.inputs)
        if self.float_model:
            return self.check_float()
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

    def check_float(self):
        """A float32 model: every activation float32; DEQUANTIZE only of float16 constants; no int8 weights."""
        for op in self.ops:
            if op.code == "DEQUANTIZE":
                t = self.tensors[op.inputs[0]]
                if t.data is None or t.type != "float16":
                    self.fail(op, f"DEQUANTIZE of {t.name!r} ({t.type}{'' if t.data is None else ' constant'}): "
                                  "a float32 model may only dequantize float16 constants")
                continue
            for i in op.inputs + op.outputs:
                t = self.tensors[i] if i >= 0 else None
                if t is None or t.data is not None or self._dequantized(i):
                    continue
                if t.type != "float32":
                    self.fail(op, f"tensor {t.name!r} has type {t.type} in a float32 model (float input, no "
                                  "QUANTIZE): activations must all be float32")
            if op.code in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") and len(op.inputs) > 1:
                w = self.tensors[op.inputs[1]]
                if w.data is not None and w.type == "int8":
                    self.fail(op, f"weights {w.name!r} are int8 under float32 activations (a dynamic-range / "
                                  "hybrid model): convert the model to float32 or to full-integer int8")

    def is_const(self, i: int) -> bool:
        return i >= 0 and (self.tensors[i].data is not None or i in self.folded)

    def _dequantized(self, i: int) -> bool:
        return any(op.code == "DEQUANTIZE" and op.outputs[0] == i for op in self.ops)

    def fdata(self, op: TflOp, i: int, what: str) -> np.ndarray:
        """Constant tensor i of a float32 model as float32 (float16 data and folded DEQUANTIZEs widened)."""
        if i in self.folded:
            return self.folded[i]
        t = self.tensors[i]
        if t.data is None:
            self.fail(op, f"the {what} must be constant")
        if t.type not in ("float32", "float16"):
            self.fail(op, f"the {what} {t.name!r} has type {t.type}: float32 models need float constants")
        return np.ascontiguousarray(t.data, dtype=np.float32)

    def fconst(self, op: TflOp, i: int, what: str, data: Optional[np.ndarray] = None) -> str:
        """An IR float32 constant of tensor i (``data``: its values re-laid by the handler)."""
        a = self.fdata(op, i, what) if data is None else np.ascontiguousarray(data, dtype=np.float32)
        name = self.g.unique_name(self.tensors[i].name)
        self.g.add_tensor(Tensor(name, tuple(a.shape), FLOAT32, data=a))
        return name

    # -- tensors
    def fmt(self, t: TflTensor, axis: Optional[int] = None):
        if t.type == "float32":
            return FLOAT32
        bits = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}.get(t.type)
        if bits is None or not t.quantized:
            raise GraphError(f"{self.src}: tensor {t.name[:80]!r}: a {t.type} tensor without quantization "
                             f"parameters where a quantized one is needed")
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        if t.zero_point.size and not all(lo <= int(z) <= hi for z in t.zero_point):
            raise GraphError(f"{self.src}: tensor {t.name[:80]!r}: zero point outside [{lo}, {hi}]")
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

    def const(self, t: TflTensor, q: np.ndarray, fmt, tag: str) -> str:
        name = self.g.unique_name(f"{t.name}{tag}")
        real = fmt.dequantize(q) if hasattr(fmt, "dequantize") else q.astype(np.float32)
        self.g.add_tensor(Tensor(name, tuple(q.shape), fmt, data=np.asarray(real, np.float32), qdata=q))
        return name

    def node(self, op: TflOp, ir_op: str, inputs: List[str], out: int, **attrs) -> str:
        y = self.act(out)
        self.g.add_node(Node(self.g.unique_name(f"{op.code.lower()}_{op.index}"), ir_op, inputs, [y], attrs))
        return y

    # -- options
    @staticmethod
    def act_attrs(code: int) -> dict:
        a = ACTS.get(code)
        if a is None:
            raise GraphError(f"fused activation {code}")
        if a == "relu_n1_to_1":
            return {"act": "clip", "act_min": -1.0, "act_max": 1.0}
        return {"act": a}

    def pads(self, op: TflOp, padding: int, in_hw, k_hw, s_hw, d_hw):
        """TFLite SAME / VALID padding as explicit (top, left, bottom, right)."""
        if padding == 1:  # VALID
            return (0, 0, 0, 0)
        if padding != 0:
            self.fail(op, f"padding mode {padding}")
        if min(*k_hw, *s_hw, *d_hw) < 1:
            self.fail(op, f"kernel {tuple(k_hw)}, strides {tuple(s_hw)} and dilations {tuple(d_hw)} must be >= 1")
        p = []
        for size, k, s, d in zip(in_hw, k_hw, s_hw, d_hw):
            out = (size + s - 1) // s
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            p.append((total // 2, total - total // 2))
        return (p[0][0], p[1][0], p[0][1], p[1][1])

    def run(self) -> Graph:
        if is_int16(self):  # int16 activations: TFLite's 16x8 kernels (ops_int16.py)
            return load_int16(self)
        self.check()
        g = self.g
        t_in = self.tensors[self.inputs[0]]
        g.inputs = [self.act(self.inputs[0])] if len(self.inputs) == 1 else [join_inputs(self, self.inputs)]
        for op in self.ops:
            self.current = op
            HANDLERS[op.code](self, op)
        self.current = None
        g.outputs = [self.act(self.outputs[0])] if len(self.outputs) == 1 else [join_outputs(self)]
        g.meta["source"] = "tflite"
        g.meta["input_type"] = t_in.type
        if self.float_model:  # a float32 graph, like an ONNX float model's
            g.remove_unused()
            return check_graph(g, "TFLite import")
        g.meta["quantization"] = {
            "scheme": "int8", "bits": 8, "rounding": "double", "average_rounding": "half_away", "softmax": "tflite",
            "policy": "formats from the TFLite model (no recalibration); TFLite reference kernels' arithmetic: "
                      "fixed-point multipliers with double rounding, averages rounded half away from zero, "
                      "gemmlowp fixed-point softmax, logistic and tanh",
            "float_layers": list(self.float_layers), "source": "tflite"}
        g.remove_unused()
        return check_graph(g, "TFLite import")


def load_tflite(path_or_bytes, name: Optional[str] = None) -> Graph:
    """Import a TFLite model (path or bytes): a full-integer int8 (or 16x8) model as a checked affine IR graph,
    a float32 model as a float32 graph."""
    if isinstance(path_or_bytes, (bytes, bytearray)):
        data, src = bytes(path_or_bytes), "model.tflite"
    else:
        p = Path(path_or_bytes)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise GraphError(f"{p}: cannot read ({e.strerror})") from None
        src = p.name
    imp = None
    try:
        imp = Importer(data, src, name)
        return imp.run()
    except GraphError:
        raise
    except Exception as e:  # noqa: BLE001 -- the last resort: one line naming the operator, never a traceback
        op = getattr(imp, "current", None)
        where = f" at {_label(op, imp.tensors)}" if op is not None else ""
        raise GraphError(f"{src}: cannot import{where}: {type(e).__name__}: {one_line(e)}") from None
