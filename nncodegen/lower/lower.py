"""Lowering: (IR node, number formats, target) -> kernel calls with parameters.

All kernel selection happens here (never inside a kernel): number format
suffix (_q7, _q15, _f32), accumulator width from the static overflow proof,
nearest vs bilinear resize, and so on.

This module holds the op table of the Q-format and float rules and the driver (``lower``), which asks the
modules of the other number formats (EXTENSIONS) first.  The rules live by op family in lower_q_mac.py,
lower_q_eltwise.py and lower_q_data.py, on the context and helpers of lower_common.py.
"""
from __future__ import annotations

from typing import Callable, Dict, List

from ..ir.graph import Graph, GraphError, Node
from .lower_common import Ctx
from .lower_q_data import lower_pad, lower_pool, lower_reshape, lower_resize, lower_strided_slice, lower_transpose
from .lower_q_eltwise import (lower_clamp, lower_concat, lower_eltwise, lower_log_softmax, lower_prelu,
                              lower_softmax, lower_unary)
from .lower_q_mac import lower_conv, lower_dense
from .program import Call, Program

# re-exported: names that other modules and the tests import from lower
from .lower_common import FLT_MAX, broadcast_params, transpose_params  # noqa: F401
from .lower_q_eltwise import UNARY_F, make_exp_lut, make_lut  # noqa: F401
from .lower_q_mac import _conv_geom, _mac_args, _mac_kernel, _packed_f32, accumulator_bound  # noqa: F401

LOWER: Dict[str, Callable[[Ctx, Node], List[Call]]] = {
    "conv2d": lower_conv, "conv_transpose2d": lower_conv, "dense": lower_dense,
    "maxpool": lower_pool, "avgpool": lower_pool, "global_avgpool": lower_pool, "global_maxpool": lower_pool,
    "add": lower_eltwise, "sub": lower_eltwise, "mul": lower_eltwise, "maximum": lower_eltwise,
    "minimum": lower_eltwise, "concat": lower_concat,
    "relu": lower_clamp, "clip": lower_clamp, "leaky_relu": lower_unary, "sigmoid": lower_unary,
    "tanh": lower_unary, "hard_sigmoid": lower_unary, "hard_swish": lower_unary, "prelu": lower_prelu,
    "softmax": lower_softmax, "pad": lower_pad, "resize": lower_resize, "transpose": lower_transpose,
    "channel_shuffle": lower_transpose, "reshape": lower_reshape, "log_softmax": lower_log_softmax,
    "strided_slice": lower_strided_slice,
}


# Modules that lower other number formats (affine int8, packed binary).  Each
# offers ``lower_node(ctx, node) -> list of Calls or None`` (None: not mine).
EXTENSIONS = ["nncodegen.lower.lower_sparse_codebook", "nncodegen.lower.lower_compress", "nncodegen.lower.lower_camera", "nncodegen.lower.lower_finn", "nncodegen.lower.lower_s16",
              "nncodegen.lower.lower_s8",
              "nncodegen.lower.lower_binary", "nncodegen.lower.lower_pk_q"]


def _extensions():
    import importlib
    mods = []
    for name in EXTENSIONS:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
    return mods


def _lower_node(ctx, exts, node: Node) -> List[Call]:
    for ext in exts:
        got = ext.lower_node(ctx, node)
        if got is not None:
            return got
    fn = LOWER.get(node.op)
    if fn is None:
        raise GraphError(f"node {node.name!r}: no kernel for op {node.op!r}")
    return fn(ctx, node)


def lower(graph: Graph, target: str = "generic") -> Program:
    ctx = Ctx(graph)
    ctx.target = target
    exts = _extensions()
    calls: List[Call] = []
    for node in graph.nodes:
        try:
            calls.extend(_lower_node(ctx, exts, node))
        except (ValueError, OverflowError, ZeroDivisionError, FloatingPointError) as e:
            if isinstance(e, GraphError):
                raise
            # a kernel parameter the formats cannot give (a multiplier out of range, say): name the node
            msg = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
            raise GraphError(f"node {node.name[:80]!r} ({node.op}): cannot lower: {msg}") from None
    elem = {8: 1, 16: 2, 32: 4}[ctx.bits]
    prog = Program(graph.name, calls, ctx.ctype, elem)
    prog.kernels_used = sorted({c.kernel for c in calls})
    from .planner import plan_memory
    plan_memory(graph, prog)
    return prog
