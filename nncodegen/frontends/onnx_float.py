"""ONNX float model (opset 7 and newer, tested 7..21) -> IR Graph in NHWC.

    g = load_onnx("model.onnx")          # or load_onnx(onnx.ModelProto)

Layout rule: the model is converted to NHWC once, here.  Every ONNX value is
tracked with the layout its IR tensor is stored in:

* ``nhwc``  a 4-D ONNX (N, C, H, W) value stored as (N, H, W, C);
* ``plain`` stored in ONNX's own axis order;
* ``flat``  a 2-D ONNX (N, C*H*W) value (Flatten / Reshape of an NHWC value)
            stored in H, W, C order, i.e. a plain reshape of the NHWC tensor.
            A Gemm / MatMul reading it gets its weight columns permuted
            instead of a transpose of the activation (every CNN classifier).

Spatial ops need ``nhwc``; elementwise ops convert their constants to the
operand's layout; layout-sensitive ops (Reshape, Transpose, Softmax, ...) on
an NHWC value get an explicit IR transpose back to ONNX order.  A cleanup
then removes identity transposes/reshapes, turns transposes that only move
size-1 axes into reshapes, merges chains and drops dead nodes.

Also done here: BatchNormalization and constant Mul/Add/Sub after a
conv/conv_transpose/dense are folded into its weights and bias (MatMul + Add
becomes one dense); the channel-shuffle pattern Reshape(N,g,C/g,H,W) ->
Transpose(0,2,1,3,4) -> Reshape(N,C,H,W) becomes one ``channel_shuffle``;
Identity/Dropout disappear; nodes whose inputs are all constant are folded
(with ``onnx.reference``), and ``Shape`` of a (static) activation is a
constant, so Shape->Gather->Concat->Reshape chains fold away.  Standalone
activations are fused into their producer by ``passes.fuse_activation``.

Supported ops: Conv, ConvTranspose, Gemm, MatMul (activation @ constant matrix or vector),
BatchNormalization, Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish, PRelu (any
broadcastable slope: per-channel and scalar slopes run as one kernel, others as relu + slope * min(x, 0)),
MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean/ReduceMax (over H and W: a global
pool; over other axes: the reduced axes moved first and pooled), Add, Mul, Sub, Div (by a constant),
Max/Min (of an activation and a constant of one value: a clip; of two operands: maximum / minimum, float32
kernels, Q formats refused, int8 builds keep them in float32), Concat, Flatten, Reshape, Transpose, Squeeze,
Unsqueeze, Pad (constant/reflect/edge), Resize (nearest/linear) and Upsample, Softmax, Identity,
Dropout, Cast/CastLike (to float), Constant, plus any op whose inputs are all constant.  Spatial ops
are 2-D (4-D tensors); 1-D ones (3-D tensors) run as 2-D with a unit height.  Batch is forced to 1.

Graph meta: ``source="onnx"``, ``input_layout`` / ``output_layout`` are ``"NCHW->NHWC"`` (the IR
tensor is the ONNX one transposed by (0,2,3,1)) or ``"plain"`` (ONNX order: 2-D tensors, and the
4-D input of an NHWC model whose only use is a Transpose(0,3,1,2)); also ``onnx_input_shape`` /
``onnx_output_shape`` and ``opset``.  Several inputs are joined into one (1, inputs, longest) input (row k input k
in its IR layout, flattened) and several outputs into one (1, total) row: ``input_layout`` / ``output_layout``
are then ``"joined"`` and ``inputs`` / ``outputs`` list each one's name, shapes, layout, row or offset and size
(``nncodegen.join_inputs`` / ``split_outputs``).

Everything that goes wrong is a one-line ``GraphError``.
"""
from __future__ import annotations

from typing import Optional

from ..ir.graph import Graph
from .onnx_base import ImporterBase, run_guarded
from .onnx_ops.basic import BasicOps
from .onnx_ops.conv import ConvOps
from .onnx_ops.dense import DenseOps
from .onnx_ops.activation import ActivationOps
from .onnx_ops.elementwise import ElementwiseOps
from .onnx_ops.pool import PoolOps
from .onnx_ops.layout import LayoutOps
from .onnx_ops.resize import PadResizeOps


class OnnxImporter(BasicOps, ConvOps, DenseOps, ActivationOps, ElementwiseOps, PoolOps, LayoutOps, PadResizeOps,
                   ImporterBase):
    """The float ONNX importer: the shared driver plus every op family's handlers."""


def load_float(model, src: str, name: Optional[str] = None, path_or_model=None) -> Graph:
    """Import an already loaded float ONNX model (``onnx_base.load_model``)."""
    return run_guarded(OnnxImporter(model, src, name, path_or_model), src)
