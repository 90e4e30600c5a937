"""Build small int8 .tflite models in tests (with LiteRT's generated FlatBuffers schema classes), to run the
same model through nncodegen and through TFLite Micro.

    b = TfliteBuilder()
    x = b.input((1, 8, 8, 3), scale=0.05, zp=-3)
    y = b.conv2d(x, w_int8, bias_int32, w_scales, out_scale=0.1, out_zp=2, stride=1, padding="SAME")
    data = b.finish(y)          # bytes of a .tflite file
"""
from __future__ import annotations

import numpy as np
import pytest

ACT = {"none": 0, "relu": 1, "relu_n1_to_1": 2, "relu6": 3}
PAD = {"SAME": 0, "VALID": 1}


def f32(v):
    """A scale as the model stores it: rounded to float32."""
    return float(np.float32(v))


class TfliteBuilder:
    """float32=True builds a float32 model: every activation float32 (the scale / zero-point arguments are
    ignored), convolution and fully connected weights and biases float32 constants (fp16=True: float16
    constants, each through a DEQUANTIZE, as TFLite's float16 quantization writes them)."""

    def __init__(self, float32: bool = False, fp16: bool = False):
        self.s = pytest.importorskip("ai_edge_litert.schema_py_generated")
        pytest.importorskip("flatbuffers")
        self.tensors, self.buffers, self.ops, self.codes = [], [self.s.BufferT()], [], {}
        self.inputs = []
        self.float32, self.fp16 = float32, fp16

    # -- tensors
    def tensor(self, shape, ttype, scale=None, zp=None, data=None, qdim=0, name=None) -> int:
        t = self.s.TensorT()
        t.shape, t.type, t.name = [int(d) for d in shape], ttype, name or f"t{len(self.tensors)}"
        if scale is not None:
            q = self.s.QuantizationParametersT()
            q.scale = [float(v) for v in np.atleast_1d(scale)]
            q.zeroPoint = [int(v) for v in np.atleast_1d(zp if zp is not None else 0)]
            q.quantizedDimension = qdim
            t.quantization = q
        if data is not None:
            buf = self.s.BufferT()
            buf.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), np.uint8)
            self.buffers.append(buf)
            t.buffer = len(self.buffers) - 1
        else:
            t.buffer = 0
        self.tensors.append(t)
        return len(self.tensors) - 1

    def act(self, shape, scale, zp) -> int:
        if self.float32:
            return self.tensor(shape, self.s.TensorType.FLOAT32)
        return self.tensor(shape, self.s.TensorType.INT8, scale, zp)

    def like(self, x, shape) -> int:
        """An activation of ``shape`` in the format of tensor x."""
        q = self.tensors[x].quantization
        return self.act(shape, *((q.scale[0], q.zeroPoint[0]) if q is not None else (None, None)))

    def fconst(self, data) -> int:
        """A float32 constant (fp16: a float16 constant through a DEQUANTIZE)."""
        data = np.asarray(data, np.float32)
        if not self.fp16:
            return self.tensor(data.shape, self.s.TensorType.FLOAT32, data=data)
        h = self.tensor(data.shape, self.s.TensorType.FLOAT16, data=data.astype(np.float16))
        y = self.tensor(data.shape, self.s.TensorType.FLOAT32)
        self.op(self.s.BuiltinOperator.DEQUANTIZE, [h], [y], version=3)
        return y

    def input(self, shape, scale, zp) -> int:
        i = self.act(shape, scale, zp)
        self.inputs.append(i)
        return i

    def float_input(self, shape) -> int:
        i = self.tensor(shape, self.s.TensorType.FLOAT32)
        self.inputs.append(i)
        return i

    def quantize(self, x, scale, zp) -> int:
        y = self.act(self.shape(x), scale, zp)
        self.op(self.s.BuiltinOperator.QUANTIZE, [x], [y], version=1)
        return y

    def dequantize(self, x) -> int:
        y = self.tensor(self.shape(x), self.s.TensorType.FLOAT32)
        self.op(self.s.BuiltinOperator.DEQUANTIZE, [x], [y], version=2)
        return y

    def shape(self, i):
        return tuple(self.tensors[i].shape)

    # -- operators
    def op(self, code, inputs, outputs, opt_type=None, opts=None, version=1):
        if code not in self.codes:
            c = self.s.OperatorCodeT()
            c.builtinCode, c.deprecatedBuiltinCode, c.version = code, min(code, 127), version
            self.codes[code] = (len(self.codes), c)
        o = self.s.OperatorT()
        o.opcodeIndex, o.inputs, o.outputs = self.codes[code][0], list(inputs), list(outputs)
        if opts is not None:
            o.builtinOptionsType, o.builtinOptions = opt_type, opts
        self.ops.append(o)

    def conv2d(self, x, w, b, w_scales, out_scale, out_zp, stride=1, padding="SAME", dilation=1, act="none",
               depthwise=False):
        s = self.s
        xs = self.shape(x)
        if depthwise:  # w: [1, kh, kw, C*m]
            kh, kw, co = w.shape[1], w.shape[2], w.shape[3]
            qdim = 3
        else:          # w: [O, kh, kw, I]
            kh, kw, co = w.shape[1], w.shape[2], w.shape[0]
            qdim = 0
        if self.float32:
            wt, bt = self.fconst(w), self.fconst(b)
        else:
            wt = self.tensor(w.shape, s.TensorType.INT8, w_scales, np.zeros(len(np.atleast_1d(w_scales)), int),
                             data=w.astype(np.int8), qdim=qdim)
            bt = self.tensor(b.shape, s.TensorType.INT32, np.float32(self.tensors[x].quantization.scale[0]) *
                             np.asarray(w_scales, np.float32), np.zeros(len(np.atleast_1d(w_scales)), int),
                             data=b.astype(np.int32))
        ek_h, ek_w = dilation * (kh - 1) + 1, dilation * (kw - 1) + 1
        if padding == "SAME":
            oh, ow = -(-xs[1] // stride), -(-xs[2] // stride)
        else:
            oh, ow = (xs[1] - ek_h) // stride + 1, (xs[2] - ek_w) // stride + 1
        y = self.act((xs[0], oh, ow, co), out_scale, out_zp)
        if depthwise:
            o = s.DepthwiseConv2DOptionsT()
            o.depthMultiplier = co // xs[3]
            kind, otype, ver = s.BuiltinOperator.DEPTHWISE_CONV_2D, s.BuiltinOptions.DepthwiseConv2DOptions, 3
        else:
            o = s.Conv2DOptionsT()
            kind, otype, ver = s.BuiltinOperator.CONV_2D, s.BuiltinOptions.Conv2DOptions, 3
        o.padding, o.strideW, o.strideH = PAD[padding], stride, stride
        o.dilationWFactor = o.dilationHFactor = dilation
        o.fusedActivationFunction = ACT[act]
        self.op(kind, [x, wt, bt], [y], otype, o, ver)
        return y

    def fully_connected(self, x, w, b, w_scale, out_scale, out_zp, act="none"):
        s = self.s
        if self.float32:
            wt, bt = self.fconst(w), self.fconst(b)
        else:
            wt = self.tensor(w.shape, s.TensorType.INT8, w_scale, 0, data=w.astype(np.int8))
            bt = self.tensor(b.shape, s.TensorType.INT32, np.float32(self.tensors[x].quantization.scale[0]) *
                             np.float32(w_scale), 0, data=b.astype(np.int32))
        n = int(np.prod(self.shape(x))) // w.shape[1]
        y = self.act((n, w.shape[0]), out_scale, out_zp)
        o = s.FullyConnectedOptionsT()
        o.fusedActivationFunction = ACT[act]
        self.op(s.BuiltinOperator.FULLY_CONNECTED, [x, wt, bt], [y], s.BuiltinOptions.FullyConnectedOptions, o, 4)
        return y

    def pool(self, x, kind, k, stride, padding="VALID"):
        s = self.s
        xs = self.shape(x)
        if padding == "SAME":
            oh, ow = -(-xs[1] // stride), -(-xs[2] // stride)
        else:
            oh, ow = (xs[1] - k) // stride + 1, (xs[2] - k) // stride + 1
        y = self.like(x, (xs[0], oh, ow, xs[3]))
        o = s.Pool2DOptionsT()
        o.padding, o.strideW, o.strideH, o.filterWidth, o.filterHeight = PAD[padding], stride, stride, k, k
        code = s.BuiltinOperator.AVERAGE_POOL_2D if kind == "avg" else s.BuiltinOperator.MAX_POOL_2D
        self.op(code, [x], [y], s.BuiltinOptions.Pool2DOptions, o, 2)
        return y

    def eltwise(self, op, a, b, out_scale, out_zp, act="none", shape=None, version=2, **options):
        """ADD / SUB / MUL (op "Add", "Sub" or "Mul") with a fused activation; the output of ``shape`` (default: the
        operands' broadcast shape); ``options``: other fields of the op's options table."""
        s = self.s
        y = self.act(np.broadcast_shapes(self.shape(a), self.shape(b)) if shape is None else shape, out_scale, out_zp)
        o = getattr(s, f"{op}OptionsT")()
        o.fusedActivationFunction = ACT[act]
        for k, v in options.items():
            setattr(o, k, v)
        self.op(getattr(s.BuiltinOperator, op.upper()), [a, b], [y], getattr(s.BuiltinOptions, f"{op}Options"), o,
                version)
        return y

    def add(self, a, b, out_scale, out_zp, act="none"):
        return self.eltwise("Add", a, b, out_scale, out_zp, act, shape=self.shape(a))

    def sub(self, a, b, out_scale, out_zp, act="none"):
        return self.eltwise("Sub", a, b, out_scale, out_zp, act)

    def logistic(self, x, out_scale=1 / 256, out_zp=-128):
        """LOGISTIC (TFLite's int8 output format unless told otherwise)."""
        y = self.act(self.shape(x), out_scale, out_zp)
        self.op(self.s.BuiltinOperator.LOGISTIC, [x], [y], version=2)
        return y

    def tanh(self, x, out_scale=1 / 128, out_zp=0):
        """TANH (TFLite's int8 output format unless told otherwise)."""
        y = self.act(self.shape(x), out_scale, out_zp)
        self.op(self.s.BuiltinOperator.TANH, [x], [y], version=2)
        return y

    def pad(self, x, pads):
        s = self.s
        pt = self.tensor((len(pads), 2), s.TensorType.INT32, data=np.asarray(pads, np.int32))
        shape = [d + a + b for d, (a, b) in zip(self.shape(x), pads)]
        y = self.like(x, shape)
        self.op(s.BuiltinOperator.PAD, [x, pt], [y], s.BuiltinOptions.PadOptions, s.PadOptionsT(), 2)
        return y

    def concat(self, xs, axis):
        s = self.s
        shape = list(self.shape(xs[0]))
        shape[axis] = sum(self.shape(x)[axis] for x in xs)
        y = self.like(xs[0], shape)
        o = s.ConcatenationOptionsT()
        o.axis = axis
        self.op(s.BuiltinOperator.CONCATENATION, xs, [y], s.BuiltinOptions.ConcatenationOptions, o, 2)
        return y

    def reshape(self, x, shape):
        s = self.s
        st = self.tensor((len(shape),), s.TensorType.INT32, data=np.asarray(shape, np.int32))
        y = self.like(x, shape)
        o = s.ReshapeOptionsT()
        o.newShape = list(shape)
        self.op(s.BuiltinOperator.RESHAPE, [x, st], [y], s.BuiltinOptions.ReshapeOptions, o, 1)
        return y

    def mean(self, x, axes, keep_dims, out_scale, out_zp):
        s = self.s
        xs = self.shape(x)
        axes = [int(a) for a in axes]
        red = {a % len(xs) for a in axes}
        shape = [1 if k in red else d for k, d in enumerate(xs)] if keep_dims else \
            [d for k, d in enumerate(xs) if k not in red]
        at = self.tensor((len(axes),), s.TensorType.INT32, data=np.asarray(axes, np.int32))
        y = self.act(shape, out_scale, out_zp)
        o = s.ReducerOptionsT()
        o.keepDims = bool(keep_dims)
        self.op(s.BuiltinOperator.MEAN, [x, at], [y], s.BuiltinOptions.ReducerOptions, o, 2)
        return y

    def softmax(self, x, out_scale=1 / 256, out_zp=-128):
        """SOFTMAX (beta 1; TFLite's int8 output format unless told otherwise)."""
        s = self.s
        y = self.act(self.shape(x), out_scale, out_zp)
        o = s.SoftmaxOptionsT()
        o.beta = 1.0
        self.op(s.BuiltinOperator.SOFTMAX, [x], [y], s.BuiltinOptions.SoftmaxOptions, o, 2)
        return y

    def mul(self, a, b, out_scale, out_zp, act="none"):
        return self.eltwise("Mul", a, b, out_scale, out_zp, act)

    def const_s8(self, data, scale, zp):
        return self.tensor(np.shape(data), self.s.TensorType.INT8, scale, zp, data=np.asarray(data, np.int8))

    def transpose(self, x, perm):
        s = self.s
        pt = self.tensor((len(perm),), s.TensorType.INT32, data=np.asarray(perm, np.int32))
        y = self.like(x, [self.shape(x)[p] for p in perm])
        self.op(s.BuiltinOperator.TRANSPOSE, [x, pt], [y], s.BuiltinOptions.TransposeOptions, s.TransposeOptionsT(), 2)
        return y

    def resize_nearest(self, x, size, align_corners=False, half_pixel_centers=False):
        s = self.s
        st = self.tensor((2,), s.TensorType.INT32, data=np.asarray(size, np.int32))
        xs = self.shape(x)
        y = self.like(x, (xs[0], size[0], size[1], xs[3]))
        o = s.ResizeNearestNeighborOptionsT()
        o.alignCorners, o.halfPixelCenters = bool(align_corners), bool(half_pixel_centers)
        self.op(s.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, [x, st], [y], s.BuiltinOptions.ResizeNearestNeighborOptions,
                o, 3)
        return y

    def unary(self, kind, x, out_scale, out_zp, version=1):
        """An operator of one input and no options (HARD_SWISH, ...) with its own output format."""
        y = self.act(self.shape(x), out_scale, out_zp)
        self.op(getattr(self.s.BuiltinOperator, kind), [x], [y], version=version)
        return y

    def maximum_minimum(self, kind, a, b):
        """MAXIMUM / MINIMUM; the output takes the first operand's format."""
        y = self.like(a, np.broadcast_shapes(self.shape(a), self.shape(b)))
        s = self.s
        self.op(getattr(s.BuiltinOperator, kind), [a, b], [y], s.BuiltinOptions.MaximumMinimumOptions,
                s.MaximumMinimumOptionsT(), 2)
        return y

    def prelu(self, x, alpha, out_scale, out_zp):
        y = self.act(self.shape(x), out_scale, out_zp)
        self.op(self.s.BuiltinOperator.PRELU, [x, alpha], [y])
        return y

    def leaky_relu(self, x, alpha, out_scale, out_zp):
        s = self.s
        y = self.act(self.shape(x), out_scale, out_zp)
        o = s.LeakyReluOptionsT()
        o.alpha = float(alpha)
        self.op(s.BuiltinOperator.LEAKY_RELU, [x], [y], s.BuiltinOptions.LeakyReluOptions, o, 2)
        return y

    def split(self, x, axis, num):
        """SPLIT into num equal parts along axis: the list of outputs."""
        s = self.s
        at = self.tensor((), s.TensorType.INT32, data=np.asarray(axis, np.int32))
        shape = list(self.shape(x))
        shape[axis] //= num
        ys = [self.like(x, shape) for _ in range(num)]
        o = s.SplitOptionsT()
        o.numSplits = num
        self.op(s.BuiltinOperator.SPLIT, [at, x], ys, s.BuiltinOptions.SplitOptions, o, 2)
        return ys

    def split_v(self, x, sizes, axis):
        """SPLIT_V into parts of the given sizes (one may be -1) along axis: the list of outputs."""
        s = self.s
        st = self.tensor((len(sizes),), s.TensorType.INT32, data=np.asarray(sizes, np.int32))
        at = self.tensor((), s.TensorType.INT32, data=np.asarray(axis, np.int32))
        dim = self.shape(x)[axis]
        real = [dim - sum(v for v in sizes if v >= 0) if v < 0 else v for v in sizes]
        ys = []
        for n in real:
            shape = list(self.shape(x))
            shape[axis] = n
            ys.append(self.like(x, shape))
        o = s.SplitVOptionsT()
        o.numSplits = len(sizes)
        self.op(s.BuiltinOperator.SPLIT_V, [x, st, at], ys, s.BuiltinOptions.SplitVOptions, o, 2)
        return ys

    def strided_slice(self, x, begin, end, strides, out_shape, begin_mask=0, end_mask=0, shrink_mask=0, version=2):
        s = self.s
        ts = [self.tensor((len(v),), s.TensorType.INT32, data=np.asarray(v, np.int32)) for v in (begin, end, strides)]
        y = self.like(x, out_shape)
        o = s.StridedSliceOptionsT()
        o.beginMask, o.endMask, o.shrinkAxisMask = begin_mask, end_mask, shrink_mask
        self.op(s.BuiltinOperator.STRIDED_SLICE, [x] + ts, [y], s.BuiltinOptions.StridedSliceOptions, o, version)
        return y

    def transpose_conv(self, x, w, b, w_scales, out_shape, out_scale, out_zp, stride, padding):
        """TRANSPOSE_CONV: w [O, kh, kw, I] int8 per output channel, b int32 or None, out_shape NHWC."""
        s = self.s
        wt = self.tensor(w.shape, s.TensorType.INT8, w_scales, np.zeros(len(np.atleast_1d(w_scales)), int),
                         data=w.astype(np.int8), qdim=0)
        shp = self.tensor((4,), s.TensorType.INT32, data=np.asarray(out_shape, np.int32))
        ins = [shp, wt, x]
        if b is not None:
            ins.append(self.tensor(b.shape, s.TensorType.INT32, np.float32(self.tensors[x].quantization.scale[0]) *
                                   np.asarray(w_scales, np.float32), np.zeros(len(np.atleast_1d(w_scales)), int),
                                   data=b.astype(np.int32)))
        y = self.act(out_shape, out_scale, out_zp)
        o = s.TransposeConvOptionsT()
        o.padding, o.strideW, o.strideH = PAD[padding], stride, stride
        self.op(s.BuiltinOperator.TRANSPOSE_CONV, ins, [y], s.BuiltinOptions.TransposeConvOptions, o, 3)
        return y

    def finish(self, *outputs) -> bytes:
        import flatbuffers
        s = self.s
        m = s.ModelT()
        m.version = 3
        m.operatorCodes = [c for _, c in sorted(self.codes.values(), key=lambda v: v[0])]
        sg = s.SubGraphT()
        sg.tensors, sg.inputs, sg.outputs, sg.operators = self.tensors, self.inputs, list(outputs), self.ops
        m.subgraphs, m.buffers = [sg], self.buffers
        b = flatbuffers.Builder(4096)
        b.Finish(m.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())
