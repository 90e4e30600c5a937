"""ONNX importer: every supported op (and the zoo models) against onnxruntime.

Each model is imported with ``load_onnx``, run with the float reference
interpreter on random inputs converted to NHWC, and compared with
onnxruntime (one sample at a time) to 1e-4 relative to the output scale.
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

import onnx_zoo
from nncodegen.frontends.onnx_import import load_onnx
from nncodegen.ir import GraphError
from nncodegen.ref.interpreter import run_float

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# deterministic by default (CI); NNC_HYP_EXAMPLES=500 for a deeper local search
HYP = settings(max_examples=int(os.environ.get("NNC_HYP_EXAMPLES", "40")), deadline=None, derandomize=True,
               database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# ----------------------------------------------------------------------------- helpers

class M:
    """Tiny model builder: input "x", output "y"."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []
        self.k = 0

    def c(self, value, dtype=np.float32):
        self.k += 1
        name = f"c{self.k}"
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def w(self, *shape, scale=0.5):
        return self.c(self.rng.normal(0.0, scale, size=shape))

    def n(self, op, inputs, out=None, **attrs):
        self.k += 1
        out = out or f"t{self.k}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"n{self.k}_{op}", **attrs))
        return out

    def model(self, in_shape, last, opset=13, in_name="x"):
        for nd in self.nodes:
            for i, o in enumerate(nd.output):
                if o == last:
                    nd.output[i] = "y"
        g = helper.make_graph(self.nodes, "t", [helper.make_tensor_value_info(in_name, TensorProto.FLOAT, in_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m


def single(op, in_shape, *extra_inputs, opset=13, **attrs):
    """A model of one node; extra inputs are numpy constants, None for an empty slot."""
    b = M()
    ins = ["x"] + ["" if v is None else b.c(v, v.dtype if isinstance(v, np.ndarray) else np.float32)
                   for v in extra_inputs]
    b.n(op, ins, out="y", **attrs)
    return b.model(in_shape, "y", opset=opset)


def ort_run(model, x):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i:i + 1]})[0] for i in range(x.shape[0])])


def compare(model, n=2, seed=0, tol=1e-4, scale=1.0):
    """Import, run both, assert close; returns the IR graph."""
    g = load_onnx(model)
    shape = tuple(d.dim_value if d.dim_value > 0 else 1 for d in model.graph.input[0].type.tensor_type.shape.dim)
    x = (np.random.default_rng(seed).standard_normal((n,) + shape[1:]) * scale).astype(np.float32)
    ref = ort_run(model, x)
    xin = x.transpose(0, 2, 3, 1) if g.meta["input_layout"] == "NCHW->NHWC" else x
    y = run_float(g, xin)
    if g.meta["output_layout"] == "NCHW->NHWC":
        y = y.transpose(0, 3, 1, 2)
    assert y.shape == ref.shape, (y.shape, ref.shape)
    err = float(np.max(np.abs(y - ref))) if ref.size else 0.0
    assert err <= tol * max(1.0, float(np.max(np.abs(ref)))), f"max abs error {err}\n{g}"
    return g


def ops(g):
    return [nd.op for nd in g.nodes]


# ----------------------------------------------------------------------------- zoo + example

@pytest.mark.parametrize("name", sorted(onnx_zoo.ALL))
def test_zoo_model_matches_onnxruntime(name):
    g = compare(onnx_zoo.ALL[name](), n=3)
    assert g.meta["source"] == "onnx"
    assert "batch_normalization" not in ops(g)
    if name == "grouped_shuffle":
        assert "channel_shuffle" in ops(g) and "transpose" not in ops(g)
    if name in ("residual", "depthwise_separable", "mlp_ops"):
        assert "transpose" not in ops(g)        # Flatten->Gemm folded into the weights


def test_zoo_bn_folded_and_relu_fused():
    g = load_onnx(onnx_zoo.ALL["depthwise_separable"]())
    assert ops(g) == ["conv2d", "conv2d", "conv2d", "global_avgpool", "reshape", "dense"]
    assert [nd.attrs["act"] for nd in g.nodes[:3]] == ["relu6", "relu", "relu"]


def test_mnist_example_if_present():
    path = os.path.join(ROOT, "examples", "mnist_cnn", "mnist_cnn.onnx")
    if not os.path.exists(path):
        pytest.skip("examples/mnist_cnn/mnist_cnn.onnx not built")
    model = onnx.load(path)
    g = compare(model, n=4)
    assert load_onnx(path).meta["input_layout"] == "NCHW->NHWC"
    assert "transpose" not in ops(g)


# ----------------------------------------------------------------------------- conv

@HYP
@given(cin_g=st.integers(1, 3), cout_g=st.integers(1, 3), groups=st.sampled_from([1, 2, 3]),
       kh=st.integers(1, 3), kw=st.integers(1, 3), sh=st.integers(1, 3), sw=st.integers(1, 2),
       dh=st.integers(1, 2), dw=st.integers(1, 2), pads=st.tuples(*[st.integers(0, 2)] * 4),
       auto_pad=st.sampled_from(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]),
       h=st.integers(3, 9), w=st.integers(3, 9), bias=st.booleans())
def test_conv(cin_g, cout_g, groups, kh, kw, sh, sw, dh, dw, pads, auto_pad, h, w, bias):
    assume(h + pads[0] + pads[2] >= dh * (kh - 1) + 1 and w + pads[1] + pads[3] >= dw * (kw - 1) + 1)
    assume(h >= dh * (kh - 1) + 1 and w >= dw * (kw - 1) + 1)
    assume(auto_pad in ("NOTSET", "VALID") or dh == dw == 1)   # onnxruntime: no dilation with SAME_*
    b = M()
    cin, cout = cin_g * groups, cout_g * groups
    ins = ["x", b.w(cout, cin_g, kh, kw)] + ([b.w(cout)] if bias else [])
    attrs = dict(kernel_shape=[kh, kw], strides=[sh, sw], dilations=[dh, dw], group=groups)
    if auto_pad == "NOTSET":
        attrs["pads"] = list(pads)
    else:
        attrs["auto_pad"] = auto_pad
    b.n("Conv", ins, out="y", **attrs)
    g = compare(b.model([1, cin, h, w], "y"))
    assert ops(g) == ["conv2d"]


def test_conv_depthwise_and_default_attrs():
    b = M()
    y = b.n("Conv", ["x", b.w(6, 1, 3, 3), b.w(6)], group=6, pads=[1, 1, 1, 1])
    y = b.n("Conv", [y, b.w(4, 6, 1, 1)])          # no kernel_shape / strides attributes
    compare(b.model([1, 6, 7, 5], y))


def test_conv_symbolic_batch():
    b = M()
    b.n("Conv", ["x", b.w(4, 2, 3, 3)], out="y")
    m = b.model(["N", 2, 6, 6], "y")
    g = compare(m)
    assert g.tensors[g.inputs[0]].shape == (1, 6, 6, 2)


@HYP
@given(cin_g=st.integers(1, 3), cout_g=st.integers(1, 3), groups=st.sampled_from([1, 2]),
       k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 2), pads=st.tuples(*[st.integers(0, 2)] * 4),
       op=st.tuples(st.integers(0, 2), st.integers(0, 2)), h=st.integers(1, 5), w=st.integers(1, 5),
       mode=st.sampled_from(["pads", "pads", "output_shape", "SAME_UPPER", "SAME_LOWER", "VALID"]),
       trim=st.tuples(st.integers(0, 3), st.integers(0, 3)), bias=st.booleans())
def test_conv_transpose(cin_g, cout_g, groups, k, s, d, pads, op, h, w, mode, trim, bias):
    assume(op[0] < s and op[1] < s)   # onnxruntime requires output_padding < stride
    b = M()
    cin, cout = cin_g * groups, cout_g * groups
    ins = ["x", b.w(cin, cout_g, k, k)] + ([b.w(cout)] if bias else [])
    attrs = dict(kernel_shape=[k, k], strides=[s, s], dilations=[d, d], group=groups, output_padding=list(op))
    full = [(n - 1) * s + op[i] + (k - 1) * d + 1 for i, n in enumerate((h, w))]
    if mode == "pads":
        attrs["pads"] = list(pads)
        assume(all(full[i] - pads[i] - pads[i + 2] > 0 for i in range(2)))
    elif mode == "output_shape":
        out = [full[0] - trim[0], full[1] - trim[1]]
        assume(min(out) > 0)
        attrs["output_shape"] = out
    else:
        attrs["auto_pad"] = mode
        assume(all(n * s <= f for n, f in zip((h, w), full)) or mode == "VALID")
    b.n("ConvTranspose", ins, out="y", **attrs)
    g = compare(b.model([1, cin, h, w], "y"))
    assert ops(g) == ["conv_transpose2d"]


# ----------------------------------------------------------------------------- dense

@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("cshape", [None, (5,), (1, 5), (), (1,)])
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.5, 2.0)])
def test_gemm(trans_b, cshape, alpha, beta):
    b = M()
    wt = b.w(5, 7) if trans_b else b.w(7, 5)
    ins = ["x", wt] + ([] if cshape is None else [b.c(b.rng.normal(size=cshape))])
    b.n("Gemm", ins, out="y", alpha=alpha, beta=beta, transB=trans_b)
    g = compare(b.model([1, 7], "y"))
    assert ops(g) == ["dense"] and g.meta["input_layout"] == "plain"


@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("bias", [None, (5,), (3, 5), (3, 1), ()])
def test_gemm_rows_trans_a_and_matrix_bias(trans_a, bias):
    # a 2-D value whose first axis is not the batch (after a Reshape): A transposed, and a bias that
    # differs between rows (once silently replaced by its first row)
    b = M()
    r = b.n("Reshape", ["x", b.c([4, 3] if trans_a else [3, 4], np.int64)])
    ins = [r, b.w(4, 5)] + ([] if bias is None else [b.w(*bias)])
    y = b.n("Gemm", ins, transA=trans_a, beta=0.5)
    compare(b.model([1, 12], y))


def test_matmul_add_fused_into_dense_bias():
    b = M()
    y = b.n("MatMul", ["x", b.w(6, 4)])
    y = b.n("Add", [b.w(4), y])
    y = b.n("Relu", [y])
    g = compare(b.model([1, 6], y))
    assert ops(g) == ["dense"] and len(g.nodes[0].inputs) == 3 and g.nodes[0].attrs["act"] == "relu"


def test_matmul_3d_and_add_activation():
    b = M()
    y = b.n("MatMul", ["x", b.w(6, 4)])
    y = b.n("Add", [y, b.w(3, 4)])          # not a bias vector: stays an add
    compare(b.model([1, 3, 6], y))


@pytest.mark.parametrize("c,h,w", [(4, 3, 5), (1, 3, 3), (6, 1, 1)])
def test_flatten_gemm_fold(c, h, w):
    b = M()
    y = b.n("Conv", ["x", b.w(c, 2, 1, 1)])
    y = b.n("Flatten", [y], axis=1)
    y = b.n("Dropout", [y])
    y = b.n("Gemm", [y, b.w(3, c * h * w), b.w(3)], transB=1)
    g = compare(b.model([1, 2, h, w], y))
    assert ops(g) == ["conv2d", "reshape", "dense"]


def test_flatten_then_add_const_and_relu_then_gemm():
    b = M()
    y = b.n("Flatten", ["x"])
    y = b.n("Add", [y, b.w(24)])
    y = b.n("Relu", [y])
    y = b.n("MatMul", [y, b.w(24, 3)])
    g = compare(b.model([1, 2, 3, 4], y))
    assert "transpose" not in ops(g)


# ----------------------------------------------------------------------------- batch norm

def _bn(b, x, c, eps=1e-3):
    return b.n("BatchNormalization", [x, b.c(b.rng.uniform(0.5, 1.5, c)), b.c(b.rng.normal(size=c)),
                                      b.c(b.rng.normal(size=c)), b.c(b.rng.uniform(0.5, 2, c))], epsilon=eps)


@pytest.mark.parametrize("producer", ["Conv", "ConvTranspose", "Gemm", "Relu", "input4", "input2", "two_uses"])
def test_batchnorm(producer):
    b = M()
    if producer == "input2":
        y = _bn(b, "x", 5)
        g = compare(b.model([1, 5], y))
        assert ops(g) == ["mul", "add"]
        return
    if producer == "Gemm":
        y = b.n("Gemm", ["x", b.w(5, 4), b.w(4)])
        y = _bn(b, y, 4)
        g = compare(b.model([1, 5], y))
        assert ops(g) == ["dense"]
        return
    if producer == "Conv":
        y = b.n("Conv", ["x", b.w(4, 3, 3, 3)], pads=[1, 1, 1, 1])
    elif producer == "ConvTranspose":
        y = b.n("ConvTranspose", ["x", b.w(3, 4, 2, 2)], strides=[2, 2])
    elif producer == "Relu":
        y = b.n("Relu", ["x"])
    elif producer == "two_uses":
        y = b.n("Conv", ["x", b.w(3, 3, 1, 1)])
    else:
        y = "x"
    c = 3 if producer in ("Relu", "input4", "two_uses") else 4
    z = _bn(b, y, c)
    if producer == "two_uses":
        z = b.n("Add", [z, y])
    g = compare(b.model([1, 3, 5, 5], z))
    if producer in ("Conv", "ConvTranspose"):
        assert len(g.nodes) == 1
    else:
        assert "mul" in ops(g)


def test_conv_mul_add_sub_const_folded():
    b = M()
    y = b.n("Conv", ["x", b.w(4, 3, 3, 3), b.w(4)])
    y = b.n("Mul", [y, b.c(b.rng.normal(size=(4, 1, 1)))])
    y = b.n("Sub", [y, b.c(b.rng.normal(size=(1, 4, 1, 1)))])
    y = b.n("Add", [y, b.c(0.5)])
    y = b.n("Relu", [y])
    g = compare(b.model([1, 3, 6, 6], y))
    assert ops(g) == ["conv2d"] and g.nodes[0].attrs["act"] == "relu"


# ----------------------------------------------------------------------------- activations

@pytest.mark.parametrize("op,attrs,opset", [
    ("Relu", {}, 13), ("Sigmoid", {}, 13), ("Tanh", {}, 13), ("LeakyRelu", {}, 13),
    ("LeakyRelu", {"alpha": 0.3}, 13), ("HardSigmoid", {}, 13), ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}, 13),
    ("HardSwish", {}, 14), ("Clip", {"min": -0.5, "max": 0.7}, 10), ("Clip", {"min": 0.0}, 10), ("Clip", {}, 10),
    ("Identity", {}, 13), ("Dropout", {}, 13), ("Dropout", {"ratio": 0.3}, 10),
])
@pytest.mark.parametrize("shape", [[1, 3, 4, 5], [1, 6]])
def test_unary(op, attrs, opset, shape):
    b = M()
    y = b.n("Conv", ["x", b.w(3, 3, 1, 1)]) if len(shape) == 4 else b.n("MatMul", ["x", b.w(6, 6)])
    y = b.n(op, [y], **attrs)
    y = b.n("Add", [y, y])
    compare(b.model(shape, y, opset=opset), scale=3.0)


@pytest.mark.parametrize("lo,hi", [(0.0, 6.0), (-1.0, 1.0), (None, 0.5), (0.0, None), (-0.3, None), (None, None)])
@pytest.mark.parametrize("after", ["Conv", "Add", "Mul", "Sub", "Gemm"])
def test_clip_inputs_and_fusion(lo, hi, after):
    b = M()
    if after == "Gemm":
        y = b.n("Gemm", ["x", b.w(6, 6), b.w(6)])
        shape = [1, 6]
    elif after == "Conv":
        y = b.n("Conv", ["x", b.w(3, 3, 1, 1)])
        shape = [1, 3, 4, 4]
    else:
        r = b.n("Sigmoid", ["x"])
        y = b.n(after, ["x", r])
        shape = [1, 3, 4, 4]
    ins = [y, "" if lo is None else b.c(lo), "" if hi is None else b.c(hi)]
    while ins[-1] == "":
        ins.pop()
    y = b.n("Clip", ins)
    g = compare(b.model(shape, y), scale=4.0)
    if lo is None and hi is None:
        assert len(g.nodes) == (1 if after in ("Conv", "Gemm") else 2)
    else:
        assert g.nodes[-1].attrs["act"] == {(0.0, 6.0): "relu6", (0.0, None): "relu"}.get((lo, hi), "clip")
        assert "clip" not in ops(g) and "relu" not in ops(g)


@pytest.mark.parametrize("after", ["Conv", "Add", "ConvTranspose"])
def test_leaky_and_relu_fusion(after):
    b = M()
    if after == "Conv":
        y = b.n("Conv", ["x", b.w(3, 3, 1, 1)])
    elif after == "ConvTranspose":
        y = b.n("ConvTranspose", ["x", b.w(3, 3, 2, 2)])
    else:
        y = b.n("Add", ["x", b.n("Sigmoid", ["x"])])
    y = b.n("LeakyRelu", [y], alpha=0.2)
    g = compare(b.model([1, 3, 4, 4], y), scale=3.0)
    assert g.nodes[-1].attrs["act"] == "leaky_relu" and g.nodes[-1].attrs["alpha"] == pytest.approx(0.2)


def test_no_fusion_when_output_has_two_consumers():
    b = M()
    c = b.n("Conv", ["x", b.w(3, 3, 1, 1)])
    r = b.n("Relu", [c])
    y = b.n("Add", [r, c])
    g = compare(b.model([1, 3, 4, 4], y))
    assert ops(g) == ["conv2d", "relu", "add"] and g.nodes[0].attrs["act"] == "none"


@pytest.mark.parametrize("slope_shape,shape", [((3, 1, 1), [1, 3, 4, 5]), ((1,), [1, 3, 4, 5]), ((), [1, 3, 4, 5]),
                                               ((1, 3, 1, 1), [1, 3, 4, 5]), ((6,), [1, 6]), ((1,), [1, 6]),
                                               ((5,), [1, 3, 4, 5])])
def test_prelu(slope_shape, shape):
    b = M()
    y = b.n("PRelu", ["x", b.c(b.rng.uniform(0.05, 0.5, size=slope_shape))])
    g = compare(b.model(shape, y))
    pr = [nd for nd in g.nodes if nd.op == "prelu"][0]
    assert len(g.tensors[pr.inputs[1]].shape) == 1
    assert g.tensors[pr.inputs[1]].shape[0] == g.tensors[pr.inputs[0]].shape[-1]


@pytest.mark.parametrize("slope_shape,shape", [((3, 4, 5), [1, 3, 4, 5]), ((4, 1), [1, 3, 4, 5]), ((2, 3), [1, 2, 3])])
def test_prelu_slope_over_several_axes(slope_shape, shape):
    # no per-channel kernel fits: relu(x) + slope * min(x, 0)
    b = M()
    b.n("PRelu", ["x", b.c(b.rng.uniform(0.1, 0.2, size=slope_shape))], out="y")
    g = compare(b.model(shape, "y"))
    assert "prelu" not in ops(g) and "relu" in ops(g) and "clip" in ops(g)


# ----------------------------------------------------------------------------- pooling

@HYP
@given(kh=st.integers(1, 3), kw=st.integers(1, 3), sh=st.integers(1, 3), sw=st.integers(1, 3),
       pads=st.tuples(*[st.integers(0, 2)] * 4), ceil=st.integers(0, 1), h=st.integers(3, 9), w=st.integers(3, 9),
       op=st.sampled_from(["MaxPool", "AveragePool", "AveragePool"]), cip=st.integers(0, 1),
       auto_pad=st.sampled_from(["NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]))
def test_pool(kh, kw, sh, sw, pads, ceil, h, w, op, cip, auto_pad):
    pads = (min(pads[0], kh - 1), min(pads[1], kw - 1), min(pads[2], kh - 1), min(pads[3], kw - 1))
    attrs = dict(kernel_shape=[kh, kw], strides=[sh, sw], ceil_mode=ceil)
    if auto_pad == "NOTSET":
        attrs["pads"] = list(pads)
    else:
        attrs["auto_pad"] = auto_pad
        assume(ceil == 0)
        # onnxruntime rejects SAME_* whose total padding would be negative
        assume(all((-(-n // s) - 1) * s + k - n >= 0 for n, s, k in ((h, sh, kh), (w, sw, kw))))
    if op == "AveragePool":
        attrs["count_include_pad"] = cip
    g = compare(single(op, [1, 2, h, w], **attrs))
    assert ops(g)[-1] == ("maxpool" if op == "MaxPool" else "avgpool")


def test_pool_dilation_is_an_error():
    with pytest.raises(GraphError, match="dilations"):
        load_onnx(single("MaxPool", [1, 2, 8, 8], kernel_shape=[2, 2], dilations=[2, 2]))


@pytest.mark.parametrize("op", ["GlobalAveragePool", "GlobalMaxPool"])
def test_global_pools(op):
    g = compare(single(op, [1, 5, 4, 3]))
    assert g.meta["output_layout"] == "NCHW->NHWC"


@pytest.mark.parametrize("op", ["ReduceMean", "ReduceMax"])
@pytest.mark.parametrize("keep", [0, 1])
def test_reduce_hw(op, keep):
    compare(single(op, [1, 5, 4, 3], axes=[2, 3], keepdims=keep))


# ----------------------------------------------------------------------------- elementwise

@pytest.mark.parametrize("op", ["Add", "Mul", "Sub", "Div"])
@pytest.mark.parametrize("cshape", [(), (1,), (3, 1, 1), (1, 3, 1, 1), (5,), (4, 1), (1, 3, 4, 5), (3, 4, 5),
                                    (1, 1, 4, 5), (2, 1, 3, 4, 5)])
@pytest.mark.parametrize("const_first", [False, True])
def test_binary_const_broadcast(op, cshape, const_first):
    if op == "Div" and const_first:
        return
    b = M()
    cv = b.rng.uniform(0.5, 1.5, size=cshape)
    c = b.c(cv)
    r = b.n("Relu", ["x"])
    y = b.n(op, [c, r] if const_first else [r, c])
    compare(b.model([1, 3, 4, 5], y))


@pytest.mark.parametrize("op", ["Add", "Mul", "Sub"])
@pytest.mark.parametrize("other", ["gap", "same", "plain_vec", "plain4"])
def test_binary_two_activations(op, other):
    b = M()
    a = b.n("Conv", ["x", b.w(4, 3, 1, 1)])
    if other == "gap":                       # squeeze-excite style (1,C,1,1) * (1,C,H,W)
        o = b.n("Sigmoid", [b.n("GlobalAveragePool", [a])])
    elif other == "same":
        o = b.n("Tanh", [a])
    elif other == "plain_vec":               # (1,4) -> (1,4,1,1) via Unsqueeze, then broadcast
        o = b.n("Unsqueeze", [b.n("Flatten", [b.n("GlobalMaxPool", [a])]), b.c([2, 3], np.int64)])
    else:                                    # a plain 4-D tensor (through a transpose)
        o = b.n("Transpose", [b.n("Transpose", [a], perm=[0, 2, 3, 1])], perm=[0, 3, 1, 2])
    y = b.n(op, [o, a])
    compare(b.model([1, 3, 5, 6], y))


# ----------------------------------------------------------------------------- layout ops

@pytest.mark.parametrize("axis", [0, 1, 2, 3, -1, -3])
def test_concat(axis):
    b = M()
    a = b.n("Relu", ["x"])
    c = b.n("Sigmoid", ["x"])
    cst = np.zeros([1, 3, 4, 5]) + 0.25
    y = b.n("Concat", [a, c, b.c(cst)], axis=axis)
    y = b.n("Add", [y, y])
    compare(b.model([1, 3, 4, 5], y))


def test_concat_2d():
    b = M()
    y = b.n("Concat", [b.n("Relu", ["x"]), b.c(np.ones((1, 2)))], axis=1)
    compare(b.model([1, 4], y))


@pytest.mark.parametrize("axis", [0, 1, 2, 3, 4, -1])
def test_flatten_axes(axis):
    b = M()
    y = b.n("Flatten", [b.n("Relu", ["x"])], axis=axis)
    y = b.n("Sigmoid", [y])
    compare(b.model([1, 2, 3, 4], y))


@pytest.mark.parametrize("shape", [[1, -1], [0, -1], [1, 4, 6], [0, 2, 12], [-1, 6, 4], [1, 2, 3, 4], [1, 4, 3, 2],
                                   [24], [0, 0, -1], [1, 24, 1, 1]])
def test_reshape(shape):
    b = M()
    y = b.n("Reshape", [b.n("Relu", ["x"]), b.c(shape, np.int64)])
    y = b.n("Mul", [y, y])
    compare(b.model([1, 2, 3, 4], y))


def test_reshape_roundtrip_through_flat_is_free():
    b = M()
    y = b.n("Flatten", [b.n("Conv", ["x", b.w(4, 2, 1, 1)])])
    y = b.n("Reshape", [y, b.c([1, 4, 3, 5], np.int64)])
    y = b.n("Conv", [y, b.w(2, 4, 3, 3)])
    g = compare(b.model([1, 2, 3, 5], y))
    assert "transpose" not in ops(g)


@pytest.mark.parametrize("perm", [[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 3, 2], [3, 2, 1, 0], [0, 2, 1, 3], None])
def test_transpose(perm):
    b = M()
    attrs = {} if perm is None else {"perm": perm}
    y = b.n("Transpose", [b.n("Relu", ["x"])], **attrs)
    y = b.n("Add", [y, b.c(0.5)])
    compare(b.model([1, 2, 3, 4], y))


def test_transpose_back_to_nchw_feeds_conv():
    b = M()
    y = b.n("Transpose", ["x"], perm=[0, 2, 3, 1])       # NHWC in ONNX terms
    y = b.n("Sigmoid", [y])
    y = b.n("Transpose", [y], perm=[0, 3, 1, 2])
    y = b.n("Conv", [y, b.w(3, 2, 3, 3)])
    g = compare(b.model([1, 2, 5, 5], y))
    assert "transpose" not in ops(g)


def test_transpose_2d_and_3d():
    b = M()
    y = b.n("Transpose", [b.n("Reshape", ["x", b.c([1, 3, 8], np.int64)])], perm=[0, 2, 1])
    y = b.n("Reshape", [y, b.c([1, 24], np.int64)])
    y = b.n("Transpose", [y])
    compare(b.model([1, 3, 2, 4], y))


@pytest.mark.parametrize("opset", [11, 13])
def test_squeeze_unsqueeze(opset):
    b = M()
    y = b.n("GlobalAveragePool", [b.n("Relu", ["x"])])
    if opset == 11:
        y = b.n("Squeeze", [y], axes=[2, 3])
        y = b.n("Unsqueeze", [y], axes=[0])
        y = b.n("Squeeze", [y], axes=[0])
        y = b.n("Unsqueeze", [y], axes=[-1, 2])
    else:
        y = b.n("Squeeze", [y, b.c([3, 2], np.int64)])
        y = b.n("Unsqueeze", [y, b.c([0], np.int64)])
        y = b.n("Squeeze", [y])
        y = b.n("Unsqueeze", [y, b.c([-1, 0], np.int64)])
    y = b.n("Mul", [y, b.c(np.arange(4.0))])
    compare(b.model([1, 4, 3, 3], y, opset=opset))


def test_channel_shuffle_pattern():
    b = M()
    y = b.n("Conv", ["x", b.w(6, 6, 1, 1)])
    y = b.n("Reshape", [y, b.c([1, 3, 2, 4, 5], np.int64)])
    y = b.n("Transpose", [y], perm=[0, 2, 1, 3, 4])
    y = b.n("Reshape", [y, b.c([1, -1, 4, 5], np.int64)])
    y = b.n("Conv", [y, b.w(2, 6, 1, 1)])
    g = compare(b.model([1, 6, 4, 5], y))
    assert ops(g) == ["conv2d", "channel_shuffle", "conv2d"]
    assert g.nodes[1].attrs["groups"] == 3


def test_shape_gather_chain_is_folded():
    """torch's x.view(x.size(0), -1) export."""
    b = M()
    y = b.n("Relu", ["x"])
    s = b.n("Shape", [y])
    n = b.n("Gather", [s, b.c(0, np.int64)], axis=0)
    n = b.n("Unsqueeze", [n, b.c([0], np.int64)])
    shp = b.n("Concat", [n, b.c([-1], np.int64)], axis=0)
    y = b.n("Reshape", [y, shp])
    y = b.n("Gemm", [y, b.w(4, 24), b.w(4)], transB=1)
    g = compare(b.model(["batch", 2, 3, 4], y))
    assert ops(g) == ["relu", "reshape", "dense"]


def test_constant_nodes_and_cast():
    b = M()
    b.nodes.append(helper.make_node("Constant", [], ["k"], value=numpy_helper.from_array(
        np.array([0.5, 1.0, 2.0], np.float32).reshape(3, 1, 1))))
    b.nodes.append(helper.make_node("Constant", [], ["two"], value_float=2.0))
    k2 = b.n("Mul", ["k", "two"])
    y = b.n("Mul", ["x", k2])
    y = b.n("Cast", [y], to=TensorProto.FLOAT)
    g = compare(b.model([1, 3, 2, 2], y))
    assert ops(g) == ["mul"]


# ----------------------------------------------------------------------------- pad

@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("opset", [10, 13, 18])
@pytest.mark.parametrize("pads", [[0, 0, 1, 2, 0, 0, 2, 1], [0, 1, 0, 1, 0, 2, 1, 0], [0, 0, 0, 0, 0, 0, 0, 0]])
def test_pad(mode, opset, pads):
    b = M()
    x = b.n("Relu", ["x"])
    if opset == 10:
        y = b.n("Pad", [x], mode=mode, pads=pads, value=0.5)
    elif opset == 13:
        y = b.n("Pad", [x, b.c(pads, np.int64), b.c(0.5)], mode=mode)
    else:
        y = b.n("Pad", [x, b.c(pads[1:4] + pads[5:8], np.int64), b.c(0.5), b.c([1, 2, -1], np.int64)], mode=mode)
    y = b.n("Conv", [y, b.w(2, 3 + pads[1] + pads[5], 2, 2)])
    compare(b.model([1, 3, 4, 5], y, opset=opset))


def test_pad_2d():
    b = M()
    y = b.n("Pad", ["x", b.c([0, 1, 0, 2], np.int64)], mode="edge")
    compare(b.model([1, 4], y))


# ----------------------------------------------------------------------------- resize

RESIZE_CASES = [
    # mode, coord, nearest_mode
    ("nearest", "asymmetric", "floor"), ("nearest", "asymmetric", "round_prefer_floor"),
    ("nearest", "half_pixel", "round_prefer_floor"), ("nearest", "half_pixel", "round_prefer_ceil"),
    ("nearest", "align_corners", "round_prefer_floor"), ("nearest", "pytorch_half_pixel", "floor"),
    ("nearest", "tf_half_pixel_for_nn", "ceil"), ("nearest", "asymmetric", "ceil"),
    ("linear", "half_pixel", None), ("linear", "asymmetric", None), ("linear", "align_corners", None),
    ("linear", "pytorch_half_pixel", None),
]


@pytest.mark.parametrize("mode,coord,nmode", RESIZE_CASES)
@pytest.mark.parametrize("how", ["scales2", "scales_frac", "sizes", "sizes_down", "scales_down"])
def test_resize(mode, coord, nmode, how):
    b = M()
    attrs = {"mode": mode, "coordinate_transformation_mode": coord}
    if nmode:
        attrs["nearest_mode"] = nmode
    if how.startswith("scales"):
        sc = {"scales2": [1, 1, 2, 2], "scales_frac": [1, 1, 1.5, 2.5], "scales_down": [1, 1, 0.5, 0.75]}[how]
        y = b.n("Resize", ["x", "", b.c(sc)], **attrs)
    else:
        sz = {"sizes": [1, 3, 7, 11], "sizes_down": [1, 3, 3, 2]}[how]
        y = b.n("Resize", ["x", "", "", b.c(sz, np.int64)], **attrs)
    g = compare(b.model([1, 3, 4, 5], y, opset=13))
    assert ops(g) == ["resize"]


@pytest.mark.parametrize("opset", [11, 18])
def test_resize_opset11_roi_and_opset18_axes(opset):
    b = M()
    if opset == 11:
        y = b.n("Resize", ["x", b.c(np.zeros(0)), b.c([1, 1, 2, 3])], mode="linear",
                coordinate_transformation_mode="half_pixel")
    else:
        y = b.n("Resize", ["x", "", "", b.c([8, 9], np.int64)], mode="nearest", axes=[2, 3])
    compare(b.model([1, 2, 3, 4], y, opset=opset))


@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", [[1, 1, 2, 2], [1, 1, 0.5, 0.5], [1, 1, 1, 0.6]])
def test_resize_opset10(mode, scales):
    b = M()
    y = b.n("Resize", ["x", b.c(scales)], mode=mode)
    compare(b.model([1, 2, 4, 5], y, opset=10))


@pytest.mark.parametrize("opset", [7, 9])
@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", [[1, 1, 2, 2], [1, 1, 1.5, 3]])
def test_upsample(opset, mode, scales):
    b = M()
    if opset == 7:
        y = b.n("Upsample", ["x"], mode=mode, scales=[float(s) for s in scales])
    else:
        y = b.n("Upsample", ["x", b.c(scales)], mode=mode)
    compare(b.model([1, 2, 3, 4], y, opset=opset))


def test_resize_cubic_is_an_error():
    b = M()
    b.n("Resize", ["x", "", b.c([1, 1, 2, 2])], out="y", mode="cubic")
    with pytest.raises(GraphError, match=r"'n\d+_Resize' \(Resize\): attribute mode=.cubic."):
        load_onnx(b.model([1, 2, 3, 4], "y"))


# ----------------------------------------------------------------------------- softmax

@pytest.mark.parametrize("axis", [1, 2, 3, -1, 0])
def test_softmax_opset13_4d(axis):
    compare(single("Softmax", [1, 3, 4, 5], axis=axis))


@pytest.mark.parametrize("opset", [11, 13])
def test_softmax_2d_and_chw_111(opset):
    compare(single("Softmax", [1, 7], axis=1, opset=opset))
    compare(single("Softmax", [1, 7], opset=opset))
    b = M()
    y = b.n("Softmax", [b.n("GlobalAveragePool", ["x"])], axis=1)
    compare(b.model([1, 6, 3, 3], y, opset=opset))


def test_softmax_opset11_4d_axis1_is_an_error():
    with pytest.raises(GraphError, match="Softmax"):
        load_onnx(single("Softmax", [1, 3, 4, 5], axis=1, opset=11))


def test_softmax_opset11_3d_last_axis():
    compare(single("Softmax", [1, 3, 4], axis=2, opset=11))


# ----------------------------------------------------------------------------- meta / layouts

def test_meta_layouts():
    g = load_onnx(single("Relu", [1, 3, 4, 5]))
    assert g.meta["input_layout"] == g.meta["output_layout"] == "NCHW->NHWC"
    assert g.tensors[g.inputs[0]].shape == (1, 4, 5, 3)
    g = load_onnx(single("Relu", [1, 7]))
    assert g.meta["input_layout"] == g.meta["output_layout"] == "plain"
    g = load_onnx(onnx_zoo.ALL["residual"](), name="res")
    assert g.name == "res" and g.meta["output_layout"] == "plain"


def test_load_from_path(tmp_path):
    p = tmp_path / "m.onnx"
    onnx.save(onnx_zoo.ALL["fire"](), str(p))
    g = load_onnx(str(p))
    assert g.meta["source"] == "onnx"
    load_onnx(p)


# ----------------------------------------------------------------------------- errors

def test_corrupt_bytes(tmp_path):
    p = tmp_path / "bad.onnx"
    p.write_bytes(b"\x08\x07\xff\xff\xff this is not a model \x00\x01\x02" * 7)
    with pytest.raises(GraphError, match=r"bad\.onnx: not a valid ONNX model \(") as ei:
        load_onnx(str(p))
    assert "\n" not in str(ei.value)


def test_truncated_file(tmp_path):
    data = onnx_zoo.ALL["residual"]().SerializeToString()
    p = tmp_path / "trunc.onnx"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(GraphError, match=r"trunc\.onnx: not a valid ONNX model \(") as ei:
        load_onnx(str(p))
    assert "\n" not in str(ei.value)


def test_empty_file_and_missing_file(tmp_path):
    p = tmp_path / "empty.onnx"
    p.write_bytes(b"")
    with pytest.raises(GraphError, match="not a valid ONNX model"):
        load_onnx(str(p))
    with pytest.raises(GraphError, match="no such file"):
        load_onnx(str(tmp_path / "nope.onnx"))


def test_unsupported_ops_listed_together():
    b = M()
    y = b.n("Relu", ["x"])
    e = b.n("Einsum", [y, y], equation="ij,ij->ij")
    t = b.n("Relu", [e])
    v = b.nodes.append(helper.make_node("TopK", [t, b.c([2], np.int64)], ["vals", "idx"], name="n_topk"))
    y = b.n("LpNormalization", ["vals"])
    with pytest.raises(GraphError) as ei:
        load_onnx(b.model([1, 6], y))
    msg = str(ei.value)
    assert "unsupported ONNX ops:" in msg and "\n" not in msg
    assert "(Einsum)" in msg and "'n_topk' (TopK)" in msg and "(LpNormalization)" in msg
    assert msg.index("Einsum") < msg.index("TopK") < msg.index("LpNormalization")
    assert "(Relu)" not in msg
    del v


def test_unsupported_op_on_constants_is_folded():
    b = M()
    k = b.n("Einsum", [b.c(np.ones((3, 1, 1))), b.c(np.full((3, 1, 1), 2.0))], equation="ijk,ijk->ijk")
    y = b.n("Mul", ["x", k])
    compare(b.model([1, 3, 2, 2], y))


def test_two_inputs_or_outputs_are_joined_and_no_input_is_an_error():
    """A float model's several inputs / outputs join into the one C input / output (tests/test_onnx_multi_io.py
    checks the values); a model without an input is refused."""
    x1 = helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 3])
    x2 = helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3])
    g = helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"])], "g", [x1, x2], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    gi = load_onnx(m)
    assert gi.tensors[gi.inputs[0]].shape == (1, 2, 3) and [i["name"] for i in gi.meta["inputs"]] == ["a", "b"]
    g = helper.make_graph([helper.make_node("Relu", ["a"], ["y"]), helper.make_node("Relu", ["a"], ["z"])],
                          "g", [x1], [y, z])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    go = load_onnx(m)
    assert go.tensors[go.outputs[0]].shape == (1, 6) and [o["offset"] for o in go.meta["outputs"]] == [0, 3]
    w = numpy_helper.from_array(np.ones((1, 3), np.float32), "a")
    g = helper.make_graph([helper.make_node("Relu", ["a"], ["y"])], "g", [x1], [y], [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    with pytest.raises(GraphError, match=r"exactly one .*input, it has 0"):
        load_onnx(m)


def test_initializer_listed_as_input_is_not_an_input():
    b = M()
    w = b.w(4, 3, 1, 1)
    b.n("Conv", ["x", w], out="y")
    m = b.model([1, 3, 2, 2], "y")
    m.graph.input.append(helper.make_tensor_value_info(w, TensorProto.FLOAT, [4, 3, 1, 1]))
    compare(m)


@pytest.mark.parametrize("case", ["conv_weight", "conv3d", "auto_pad", "pad_wrap", "bad_reshape", "batch4"])
def test_bad_attributes_one_line_errors(case):
    b = M()
    shape = [1, 2, 4, 4]
    if case == "conv_weight":
        b.n("Conv", ["x", "x"], out="y")
    elif case == "conv3d":
        shape = [1, 2, 4, 4, 4]
        b.n("Conv", ["x", b.w(2, 2, 1, 1, 1)], out="y")
    elif case == "auto_pad":
        b.n("Conv", ["x", b.w(2, 2, 1, 1)], out="y", auto_pad="WHATEVER")
    elif case == "pad_wrap":
        b.n("Pad", ["x", b.c([0, 0, 1, 1, 0, 0, 1, 1], np.int64)], out="y", mode="wrap")
    elif case == "bad_reshape":
        b.n("Reshape", ["x", b.c([1, 5, -1], np.int64)], out="y")
    else:
        shape = [4, 2, 4, 4]
        b.n("Relu", ["x"], out="y")
    m = b.model(shape, "y", opset=19 if case == "pad_wrap" else 13)
    with pytest.raises(GraphError) as ei:
        load_onnx(m)
    msg = str(ei.value)
    assert "\n" not in msg
    if case not in ("batch4",):
        assert "n2_" in msg or "n1_" in msg or "Conv" in msg, msg


def test_nhwc_model_input_kept_plain():
    """tf2onnx style: NHWC input, Transpose to NCHW, ..., Transpose back: no IR transposes at all."""
    b = M()
    y = b.n("Transpose", ["x"], perm=[0, 3, 1, 2])
    y = b.n("Conv", [y, b.w(4, 3, 3, 3)], pads=[1, 1, 1, 1])
    y = b.n("Transpose", [y], perm=[0, 2, 3, 1])
    g = compare(b.model([1, 6, 5, 3], y))
    assert g.meta["input_layout"] == g.meta["output_layout"] == "plain"
    assert ops(g) == ["conv2d"]


@pytest.mark.parametrize("via", ["Identity", "Transpose"])
def test_no_fold_into_conv_with_other_consumers_through_an_alias(via):
    b = M()
    c = b.n("Conv", ["x", b.w(3, 3, 1, 1)])
    if via == "Identity":
        a = b.n("Identity", [c])
        m = b.n("Mul", [a, b.c(np.array([2.0, 3.0, 4.0]).reshape(3, 1, 1))])
        other = b.n("Relu", [c])
    else:
        a = b.n("Transpose", [c], perm=[0, 2, 3, 1])
        m = b.n("Mul", [a, b.c(np.array([2.0, 3.0, 4.0]))])
        m = b.n("Transpose", [m], perm=[0, 3, 1, 2])
        other = b.n("Relu", [c])
    y = b.n("Add", [m, other])
    compare(b.model([1, 3, 4, 5], y))


@pytest.mark.parametrize("opset", [11, 13, 17, 18, 19, 21])
def test_small_cnn_across_opsets(opset):
    """conv-bn-relu6, SE block (ReduceMean / HardSigmoid / Mul), Resize, Squeeze, Softmax."""
    b = M()
    c = 6
    y = b.n("Conv", ["x", b.w(c, 3, 3, 3)], pads=[1, 1, 1, 1], strides=[2, 2])
    y = _bn(b, y, c)
    y = b.n("Clip", [y, b.c(0.0), b.c(6.0)]) if opset >= 11 else b.n("Clip", [y], min=0.0, max=6.0)
    if opset >= 18:
        s = b.n("ReduceMean", [y, b.c([2, 3], np.int64)], keepdims=1)
    else:
        s = b.n("ReduceMean", [y], axes=[2, 3], keepdims=1)
    s = b.n("Relu", [b.n("Conv", [s, b.w(3, c, 1, 1), b.w(3)])])
    s = b.n("HardSigmoid", [b.n("Conv", [s, b.w(c, 3, 1, 1), b.w(c)])], alpha=1 / 6)
    y = b.n("Mul", [y, s])
    roi = b.c(np.zeros(0)) if opset == 11 else ""      # roi is not optional in opset 11
    y = b.n("Resize", [y, roi, b.c([1, 1, 2, 2])], mode="linear", coordinate_transformation_mode="half_pixel")
    y = b.n("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
    y = b.n("GlobalAveragePool", [y])
    y = b.n("Squeeze", [y, b.c([2, 3], np.int64)]) if opset >= 13 else b.n("Squeeze", [y], axes=[2, 3])
    y = b.n("Gemm", [y, b.w(4, c), b.w(4)], transB=1)
    y = b.n("Softmax", [y], axis=-1 if opset >= 13 else 1)
    m = b.model([1, 3, 9, 10], y, opset=opset)
    m.ir_version = {11: 6, 13: 7, 17: 8, 18: 8, 19: 9, 21: 10}[opset]
    g = compare(m)
    assert "transpose" not in ops(g)


# ----------------------------------------------------------------------------- breadth for the conformance suite

@pytest.mark.parametrize("axes", [[1], [0, 1], [3], [1, 3], [1, 2, 3], [0, 1, 2, 3], None])
@pytest.mark.parametrize("op", ["ReduceMean", "ReduceMax"])
@pytest.mark.parametrize("keep", [0, 1])
def test_reduce_any_axes(op, axes, keep):
    # reduced axes first, viewed as (1, R, 1, K), one global pool
    attrs = {"keepdims": keep} if axes is None else {"keepdims": keep, "axes": axes}
    if (axes is None or len(axes) == 4) and not keep:
        with pytest.raises(GraphError, match="scalar"):
            load_onnx(single(op, [1, 5, 4, 3], **attrs))
        return
    compare(single(op, [1, 5, 4, 3], **attrs))


@pytest.mark.parametrize("op", ["ReduceMean", "ReduceMax"])
def test_reduce_axes_input_3d(op):
    compare(single(op, [1, 4, 6], np.array([1], np.int64), keepdims=0, opset=18))


@pytest.mark.parametrize("case", ["conv", "conv_same", "conv_group", "convt", "maxpool", "avgpool", "gap", "chain"])
def test_1d_spatial_ops(case):
    # (N, C, L) runs as the 2-D op on (N, C, 1, L)
    b = M()
    if case == "conv":
        y = b.n("Conv", ["x", b.w(4, 3, 3), b.w(4)], pads=[1, 2], strides=[2], dilations=[2])
    elif case == "conv_same":
        y = b.n("Conv", ["x", b.w(4, 3, 4)], auto_pad="SAME_UPPER", strides=[2])
    elif case == "conv_group":
        y = b.n("Conv", ["x", b.w(6, 1, 3)], group=3)
        y = b.n("Relu", [y])
    elif case == "convt":
        y = b.n("ConvTranspose", ["x", b.w(3, 2, 3)], strides=[2], output_padding=[1])
    elif case == "maxpool":
        y = b.n("MaxPool", ["x"], kernel_shape=[3], strides=[2], pads=[1, 1], ceil_mode=1)
    elif case == "avgpool":
        y = b.n("AveragePool", ["x"], kernel_shape=[3], pads=[1, 1], count_include_pad=1)
    elif case == "gap":
        y = b.n("GlobalAveragePool", ["x"])
    else:
        y = b.n("Conv", ["x", b.w(4, 3, 3)], pads=[1, 1])
        y = b.n("Relu", [y])
        y = b.n("Conv", [y, b.w(5, 4, 3)])
        y = b.n("MaxPool", [y], kernel_shape=[2], strides=[2])
    g = compare(b.model([1, 3, 9], y))
    if case == "chain":   # the reshapes and layout transposes between the 1-D ops cancel
        assert ops(g).count("transpose") == 2 and "reshape" not in ops(g)[1:-1]


def test_matmul_by_vector():
    b = M()
    y = b.n("MatMul", ["x", b.w(4)])
    compare(b.model([1, 3, 4], y))


@pytest.mark.parametrize("output_shape", [[10, 8], [9, 7], [11, 8]])
def test_conv_transpose_output_shape_beyond_full(output_shape):
    # a deficit smaller than the stride becomes extra rows/columns at the end (ONNX reference, onnxruntime)
    b = M()
    y = b.n("ConvTranspose", ["x", b.w(2, 3, 3, 3)], strides=[3, 2], output_shape=output_shape)
    compare(b.model([1, 2, 3, 3], y))


def test_conv_transpose_output_shape_too_large_is_an_error():
    b = M()
    b.n("ConvTranspose", ["x", b.w(2, 3, 3, 3)], out="y", strides=[3, 2], output_shape=[12, 8])
    with pytest.raises(GraphError, match="output_shape"):
        load_onnx(b.model([1, 2, 3, 3], "y"))


@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", [[1, 1, 2, 2], [1, 1, 0.6, 1.7], [1, 1, 1.5, 0.5]])
def test_resize_half_pixel_symmetric(mode, scales):
    b = M()
    y = b.n("Resize", ["x", "", b.c(scales)], mode=mode, coordinate_transformation_mode="half_pixel_symmetric")
    m = b.model([1, 2, 4, 5], y, opset=19)
    m.ir_version = 9
    compare(m)


@pytest.mark.parametrize("policy", ["not_larger", "not_smaller"])
@pytest.mark.parametrize("sizes", [[7, 3], [2, 9], [3, 3]])
@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize_keep_aspect_ratio(policy, sizes, mode):
    b = M()
    y = b.n("Resize", ["x", "", "", b.c(sizes, np.int64)], mode=mode, axes=[2, 3], keep_aspect_ratio_policy=policy)
    compare(b.model([1, 2, 4, 5], y, opset=18))


@pytest.mark.parametrize("op,shape,perm", [("Identity", [1, 3, 4, 5], None), ("Dropout", [1, 6], None),
                                           ("Transpose", [1, 3, 4, 5], [0, 2, 3, 1]),
                                           ("Reshape", [1, 6], None)])
def test_model_that_computes_nothing_gets_a_copy(op, shape, perm):
    # output = input (or a view of it): the C API still needs the output buffer written
    b = M()
    if op == "Transpose":
        y = b.n(op, ["x"], perm=perm)
    elif op == "Reshape":
        y = b.n(op, ["x", b.c([1, 2, 3], np.int64)])
    else:
        y = b.n(op, ["x"])
    g = compare(b.model(shape, y))
    assert ops(g)[-1] == "transpose" and g.outputs[0] not in g.inputs


@pytest.mark.parametrize("op,c", [("Max", 0.0), ("Max", -0.5), ("Min", 1.0), ("Min", 0.0)])
def test_max_min_with_a_constant_is_a_clip(op, c):
    b = M()
    y = b.n(op, ["x", b.c(np.full((1, 1, 1), c))])
    g = compare(b.model([1, 3, 4, 5], y))
    assert ops(g) == (["relu"] if (op, c) == ("Max", 0.0) else ["clip"])


@pytest.mark.parametrize("op", ["Max", "Min"])
def test_max_min_of_two_operands(op, tmp_path):
    """Max / Min of two activations, and of an activation and a constant of several values (broadcast per
    channel), are maximum / minimum nodes; the float32 C (maximum_f32 / minimum_f32) gives onnxruntime's
    values.  Three operands with activations are refused by node."""
    import nncodegen
    b = M()
    r = b.n("Mul", ["x", b.c(np.array(-0.5, np.float32))])   # exact in float32, as onnxruntime computes it
    m = b.n(op, ["x", r])
    y = b.n(op, [m, b.c(np.array([0.3, -0.2, 0.1], np.float32).reshape(1, 3, 1, 1))])
    model = b.model([1, 3, 4, 5], y)
    g = compare(model, n=4)
    assert ops(g)[-2:] == [op.lower() + "imum"] * 2, ops(g)
    x = np.random.default_rng(1).standard_normal((6, 3, 4, 5)).astype(np.float32)
    x[0, 0, 0, :2] = [0.3, -0.2]   # ties with the constant
    yc = nncodegen.build(nncodegen.generate(g, tmp_path / "c", name="m")).run(x.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(yc.transpose(0, 3, 1, 2), ort_run(model, x))
    b3 = M()
    b3.n(op, ["x", b3.n("Relu", ["x"]), b3.n("Sigmoid", ["x"])], out="y")
    with pytest.raises(GraphError, match=rf"{op} of 3 activations and 0 constants is not supported"):
        load_onnx(b3.model([1, 3, 4, 5], "y"))


def test_castlike_of_a_constant_in_a_function_body():
    # Relu's opset-18 function body: Max(X, CastLike(0, X))
    b = M()
    zero = b.n("CastLike", [b.c(np.array(0, np.int64), np.int64), "x"])
    y = b.n("Max", ["x", zero])
    compare(b.model([1, 6], y, opset=18))


@pytest.mark.parametrize("xshape,bshape", [([1, 2, 3, 4], (1, 2, 4, 3)), ([1, 3, 4], (2, 4, 5)),
                                           ([1, 3, 1, 3, 4], (1, 2, 4, 2)), ([1, 4], (3, 4, 2)),
                                           ([1, 2, 3, 4], (4, 5))])
def test_matmul_by_a_stack_of_constant_matrices(xshape, bshape):
    # one dense with a block-diagonal weight, x repeated along broadcast batch axes
    b = M()
    y = b.n("MatMul", ["x", b.w(*bshape)])
    compare(b.model(xshape, y))


def test_matmul_1d_activation():
    b = M()
    r = b.n("Reshape", ["x", b.c([4], np.int64)])
    y = b.n("MatMul", [r, b.w(2, 4, 3)])
    compare(b.model([1, 4], y))
    b = M()
    r = b.n("Reshape", ["x", b.c([4], np.int64)])
    y = b.n("MatMul", [r, b.w(4, 3)])
    compare(b.model([1, 4], y))


def test_matmul_batch_too_large_is_an_error():
    b = M()
    b.n("MatMul", ["x", b.w(17, 4, 3)], out="y")
    with pytest.raises(GraphError, match="batch of 17"):
        load_onnx(b.model([1, 3, 4], "y"))
