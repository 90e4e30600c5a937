"""TFLite FlatBuffers reading: a small reader of our own for the fields of TFLite's schema.fbs the import
needs (no TensorFlow or tflite package), and the tensors and operators of subgraph 0 as plain objects.

Model files are untrusted: offsets are read with struct (which raises on reads past the end), and
read_model turns every such failure into one GraphError naming the file.
"""
from __future__ import annotations

import struct
from typing import List, Optional

import numpy as np

from ...ir.graph import GraphError
from ...ir.limits import LIMITS, check_shape

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

# every builtin operator of the TFLite schema (BuiltinOperator), so that a refusal names the operator
OPS = {
    0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 5: "DEPTH_TO_SPACE",
    6: "DEQUANTIZE", 7: "EMBEDDING_LOOKUP", 8: "FLOOR", 9: "FULLY_CONNECTED", 10: "HASHTABLE_LOOKUP",
    11: "L2_NORMALIZATION", 12: "L2_POOL_2D", 13: "LOCAL_RESPONSE_NORMALIZATION", 14: "LOGISTIC",
    15: "LSH_PROJECTION", 16: "LSTM", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU", 20: "RELU_N1_TO_1", 21: "RELU6",
    22: "RESHAPE", 23: "RESIZE_BILINEAR", 24: "RNN", 25: "SOFTMAX", 26: "SPACE_TO_DEPTH", 27: "SVDF", 28: "TANH",
    29: "CONCAT_EMBEDDINGS", 30: "SKIP_GRAM", 31: "CALL", 32: "CUSTOM", 33: "EMBEDDING_LOOKUP_SPARSE", 34: "PAD",
    35: "UNIDIRECTIONAL_SEQUENCE_RNN", 36: "GATHER", 37: "BATCH_TO_SPACE_ND", 38: "SPACE_TO_BATCH_ND",
    39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 42: "DIV", 43: "SQUEEZE", 44: "UNIDIRECTIONAL_SEQUENCE_LSTM",
    45: "STRIDED_SLICE", 46: "BIDIRECTIONAL_SEQUENCE_RNN", 47: "EXP", 48: "TOPK_V2", 49: "SPLIT", 50: "LOG_SOFTMAX",
    51: "DELEGATE", 52: "BIDIRECTIONAL_SEQUENCE_LSTM", 53: "CAST", 54: "PRELU", 55: "MAXIMUM", 56: "ARG_MAX",
    57: "MINIMUM", 58: "LESS", 59: "NEG", 60: "PADV2", 61: "GREATER", 62: "GREATER_EQUAL", 63: "LESS_EQUAL",
    64: "SELECT", 65: "SLICE", 66: "SIN", 67: "TRANSPOSE_CONV", 68: "SPARSE_TO_DENSE", 69: "TILE", 70: "EXPAND_DIMS",
    71: "EQUAL", 72: "NOT_EQUAL", 73: "LOG", 74: "SUM", 75: "SQRT", 76: "RSQRT", 77: "SHAPE", 78: "POW",
    79: "ARG_MIN", 80: "FAKE_QUANT", 81: "REDUCE_PROD", 82: "REDUCE_MAX", 83: "PACK", 84: "LOGICAL_OR",
    85: "ONE_HOT", 86: "LOGICAL_AND", 87: "LOGICAL_NOT", 88: "UNPACK", 89: "REDUCE_MIN", 90: "FLOOR_DIV",
    91: "REDUCE_ANY", 92: "SQUARE", 93: "ZEROS_LIKE", 94: "FILL", 95: "FLOOR_MOD", 96: "RANGE",
    97: "RESIZE_NEAREST_NEIGHBOR", 98: "LEAKY_RELU", 99: "SQUARED_DIFFERENCE", 100: "MIRROR_PAD", 101: "ABS",
    102: "SPLIT_V", 103: "UNIQUE", 104: "CEIL", 105: "REVERSE_V2", 106: "ADD_N", 107: "GATHER_ND", 108: "COS",
    109: "WHERE", 110: "RANK", 111: "ELU", 112: "REVERSE_SEQUENCE", 113: "MATRIX_DIAG", 114: "QUANTIZE",
    115: "MATRIX_SET_DIAG", 116: "ROUND", 117: "HARD_SWISH", 118: "IF", 119: "WHILE", 120: "NON_MAX_SUPPRESSION_V4",
    121: "NON_MAX_SUPPRESSION_V5", 122: "SCATTER_ND", 123: "SELECT_V2", 124: "DENSIFY", 125: "SEGMENT_SUM",
    126: "BATCH_MATMUL", 127: "PLACEHOLDER_FOR_GREATER_OP_CODES", 128: "CUMSUM", 129: "CALL_ONCE",
    130: "BROADCAST_TO", 131: "RFFT2D", 132: "CONV_3D", 133: "IMAG", 134: "REAL", 135: "COMPLEX_ABS",
    136: "HASHTABLE", 137: "HASHTABLE_FIND", 138: "HASHTABLE_IMPORT", 139: "HASHTABLE_SIZE", 140: "REDUCE_ALL",
    141: "CONV_3D_TRANSPOSE", 142: "VAR_HANDLE", 143: "READ_VARIABLE", 144: "ASSIGN_VARIABLE", 145: "BROADCAST_ARGS",
    146: "RANDOM_STANDARD_NORMAL", 147: "BUCKETIZE", 148: "RANDOM_UNIFORM", 149: "MULTINOMIAL", 150: "GELU",
    151: "DYNAMIC_UPDATE_SLICE", 152: "RELU_0_TO_1", 153: "UNSORTED_SEGMENT_PROD", 154: "UNSORTED_SEGMENT_MAX",
    155: "UNSORTED_SEGMENT_SUM", 156: "ATAN2", 157: "UNSORTED_SEGMENT_MIN", 158: "SIGN", 159: "BITCAST",
    160: "BITWISE_XOR", 161: "RIGHT_SHIFT", 162: "STABLEHLO_LOGISTIC", 163: "STABLEHLO_ADD", 164: "STABLEHLO_DIVIDE",
    165: "STABLEHLO_MULTIPLY", 166: "STABLEHLO_MAXIMUM", 167: "STABLEHLO_RESHAPE", 168: "STABLEHLO_CLAMP",
    169: "STABLEHLO_CONCATENATE", 170: "STABLEHLO_BROADCAST_IN_DIM", 171: "STABLEHLO_CONVOLUTION",
    172: "STABLEHLO_SLICE", 173: "STABLEHLO_CUSTOM_CALL", 174: "STABLEHLO_REDUCE", 175: "STABLEHLO_ABS",
    176: "STABLEHLO_AND", 177: "STABLEHLO_COSINE", 178: "STABLEHLO_EXPONENTIAL", 179: "STABLEHLO_FLOOR",
    180: "STABLEHLO_LOG", 181: "STABLEHLO_MINIMUM", 182: "STABLEHLO_NEGATE", 183: "STABLEHLO_OR",
    184: "STABLEHLO_POWER", 185: "STABLEHLO_REMAINDER", 186: "STABLEHLO_RSQRT", 187: "STABLEHLO_SELECT",
    188: "STABLEHLO_SUBTRACT", 189: "STABLEHLO_TANH", 190: "STABLEHLO_SCATTER", 191: "STABLEHLO_COMPARE",
    192: "STABLEHLO_CONVERT", 193: "STABLEHLO_DYNAMIC_SLICE", 194: "STABLEHLO_DYNAMIC_UPDATE_SLICE",
    195: "STABLEHLO_PAD", 196: "STABLEHLO_IOTA", 197: "STABLEHLO_DOT_GENERAL", 198: "STABLEHLO_REDUCE_WINDOW",
    199: "STABLEHLO_SORT", 200: "STABLEHLO_WHILE", 201: "STABLEHLO_GATHER", 202: "STABLEHLO_TRANSPOSE",
    203: "DILATE", 204: "STABLEHLO_RNG_BIT_GENERATOR", 205: "REDUCE_WINDOW", 206: "STABLEHLO_COMPOSITE",
    207: "STABLEHLO_SHIFT_LEFT", 208: "STABLEHLO_CBRT", 209: "STABLEHLO_CASE"
}
TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 7: "int16", 9: "int8", 10: "float64"}
ACTS = {0: "none", 1: "relu", 2: "relu_n1_to_1", 3: "relu6"}


class TflTensor:
    """A TFLite tensor as read from the file."""

    def __init__(self, t: _Table, buffers: List[_Table], index: int):
        self.index = index
        self.shape = tuple(int(d) for d in t.vector(0, np.int32))
        self.type = TYPES.get(t.scalar(1, "b"), f"type {t.scalar(1, 'b')}")
        self.name = t.string(3) or f"tensor_{index}"
        check_shape(self.shape, f"tensor {self.name[:80]!r}")
        self.buffer = t.scalar(2, "I")
        q = t.table(4)
        self.scale = q.vector(2, np.float32).copy() if q is not None else np.zeros(0, np.float32)
        self.zero_point = q.vector(3, np.int64).copy() if q is not None else np.zeros(0, np.int64)
        self.qdim = q.scalar(6, "i") if q is not None else 0
        if self.scale.size and not (np.isfinite(self.scale).all() and (self.scale > 0).all()):
            raise GraphError(f"tensor {self.name[:80]!r}: quantization scales must be finite and > 0")
        if self.zero_point.size not in (0, 1, self.scale.size) or (self.scale.size > 1 and not
                                                                    0 <= self.qdim < max(len(self.shape), 1)):
            raise GraphError(f"tensor {self.name[:80]!r}: {self.scale.size} scales, {self.zero_point.size} zero "
                             f"points and quantized dimension {self.qdim} do not fit shape {self.shape}")
        b = buffers[self.buffer] if 0 < self.buffer < len(buffers) else None
        self.data = None
        if b is not None:
            raw = b.vector(0, np.uint8)
            if raw.size == 0 and b.scalar(1, "Q") > 1:
                raise GraphError(f"tensor {self.name!r}: data stored outside the flatbuffer (models > 2 GB) "
                                 "is not supported")
            if raw.size:
                dt = {"int8": np.int8, "uint8": np.uint8, "int32": np.int32, "int64": np.int64,
                      "float32": np.float32, "float16": np.float16, "int16": np.int16}.get(self.type)
                if dt is None:
                    raise GraphError(f"tensor {self.name!r}: constant of type {self.type} is not supported")
                n = int(np.prod(self.shape, dtype=np.int64))
                if raw.size != n * np.dtype(dt).itemsize:
                    raise GraphError(f"tensor {self.name!r}: {raw.size} bytes of data for shape {self.shape} "
                                     f"of {self.type} ({n * np.dtype(dt).itemsize} expected)")
                self.data = np.frombuffer(raw.tobytes(), dtype=np.dtype(dt).newbyteorder("<")).astype(dt).reshape(
                    self.shape)

    @property
    def quantized(self) -> bool:
        return self.scale.size > 0


class TflOp:
    def __init__(self, index: int, code: str, custom: Optional[str], inputs, outputs, options: Optional[_Table]):
        self.index, self.code, self.custom = index, code, custom
        self.inputs = [int(i) for i in inputs]
        self.outputs = [int(i) for i in outputs]
        self.options = options


def _check_indices(src: str, tensors, ops, ins, outs) -> None:
    """Every tensor index an operator or the subgraph names exists (-1: an omitted optional input)."""
    n = len(tensors)
    if len(ops) > LIMITS.max_nodes:
        raise GraphError(f"{src}: {len(ops)} operators, over the limit {LIMITS.max_nodes} (limits.max_nodes)")
    for what, idx in (("input", ins), ("output", outs)):
        if not idx:
            raise GraphError(f"{src}: the subgraph has no {what}s")
        for i in idx:
            if not 0 <= i < n:
                raise GraphError(f"{src}: subgraph {what} refers to tensor {i} of {n}")
    for op in ops:
        if not op.outputs:
            raise GraphError(f"{src}: operator #{op.index} {op.code} has no output")
        for what, idx, low in (("input", op.inputs, -1), ("output", op.outputs, 0)):
            for i in idx:
                if not low <= i < n:
                    raise GraphError(f"{src}: operator #{op.index} {op.code}: {what} refers to tensor {i} of {n}")
    total = sum(t.data.nbytes for t in tensors if t.data is not None)
    if total > LIMITS.max_weight_bytes:
        raise GraphError(f"{src}: constant data of {total} bytes, over the limit {LIMITS.max_weight_bytes} "
                         f"(limits.max_weight_bytes)")


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
        tensors = [TflTensor(t, buffers, i) for i, t in enumerate(sg.tables(0))]
        ops = []
        for k, o in enumerate(sg.tables(3)):
            ci = o.scalar(0, "I")
            if ci >= len(codes):
                raise GraphError(f"{src}: operator #{k} refers to operator code {ci} of {len(codes)}")
            code, custom = codes[ci]
            ops.append(TflOp(k, code, custom, o.vector(1, np.int32), o.vector(2, np.int32), o.table(4)))
        ins, outs = [int(i) for i in sg.vector(1, np.int32)], [int(i) for i in sg.vector(2, np.int32)]
        _check_indices(src, tensors, ops, ins, outs)
        return tensors, ops, ins, outs, m.string(3) or ""
    except GraphError:
        raise
    except (struct.error, ValueError, IndexError) as e:
        raise GraphError(f"{src}: corrupt or truncated TFLite file ({e})") from None
