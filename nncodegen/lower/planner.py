"""Static memory plan: one arena, offsets from lifetimes, greedy best fit.

1. Tensors that must share storage are grouped: a reshape's output is its
   input (no copy); an elementwise kernel may write over an input that dies
   at that call (in place).
2. A group holding the model input reads from the caller's input buffer; a
   group holding the model output is written straight into the caller's
   output buffer.  The rest live in the arena.
3. Each arena group lives from the call that first writes it to the last
   call that reads it.  Groups are placed largest first, each in the
   smallest gap (best fit) among the groups it overlaps in time.
The lower bound reported beside the arena is the largest total size of
groups live at one call: no plan with these groups can use less.
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np

from ..ir.graph import Graph, GraphError
from .program import Buf, Buffer, Program

ALIGN = 8
INPLACE_KERNELS = ("rescale_", "lut_", "act_f32", "sigmoid_f32", "tanh_f32", "hard_sigmoid_f32", "hard_swish_f32",
                   "prelu_", "add_", "sub_", "mul_")


class _UF:
    def __init__(self):
        self.p: Dict[str, str] = {}

    def find(self, a):
        self.p.setdefault(a, a)
        while self.p[a] != a:
            self.p[a] = self.p[self.p[a]]
            a = self.p[a]
        return a

    def union(self, a, b):
        self.p[self.find(a)] = self.find(b)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def plan_memory(graph: Graph, prog: Program) -> None:
    acts = graph.activations()
    nbytes = {t: graph.tensors[t].fmt.nbytes(graph.tensors[t].shape) for t in acts}
    uf = _UF()
    for t in acts:
        uf.find(t)
    # node index of every tensor's producer and last reader
    step = {n.name: i for i, n in enumerate(graph.nodes)}
    first = {graph.inputs[0]: -1}
    last: Dict[str, int] = {}
    for i, n in enumerate(graph.nodes):
        for o in n.outputs:
            first[o] = i
        for x in n.inputs:
            if x in nbytes:
                last[x] = i
    end = len(graph.nodes)
    for o in graph.outputs:
        last[o] = end
    for n in graph.nodes:
        if n.op == "reshape":
            uf.union(n.outputs[0], n.inputs[0])

    def group_members(root):
        return [t for t in acts if uf.find(t) == root]

    def special(root):
        mem = group_members(root)
        return any(m in graph.inputs for m in mem), any(m in graph.outputs for m in mem)

    # in place: the first operand with the output's size that dies here
    for c in prog.calls:
        if not c.kernel.startswith(INPLACE_KERNELS) or c.out_view is not None:
            continue
        node_i = step[c.layer]
        for a in c.args:
            if not isinstance(a, Buf) or a.tensor == c.output:
                continue
            x = a.tensor
            if nbytes[x] != nbytes[c.output] or graph.tensors[x].shape != graph.tensors[c.output].shape:
                continue
            root_x = uf.find(x)
            if max(last[m] for m in group_members(root_x)) != node_i:
                continue
            is_in, is_out = special(root_x)
            o_in, o_out = special(uf.find(c.output))
            if is_in or (is_out and o_out):
                continue
            uf.union(c.output, x)
            break

    groups: Dict[str, List[str]] = {}
    for t in acts:
        groups.setdefault(uf.find(t), []).append(t)
    buffers: Dict[str, Buffer] = {}
    arena_groups = []
    for root, mem in groups.items():
        is_in, is_out = special(root)
        size = max(nbytes[m] for m in mem)
        if is_in and is_out:
            raise GraphError("the model output is a reshape of its input: nothing to compute")
        if is_in or is_out:
            for m in mem:
                buffers[m] = Buffer("input" if is_in else "output", 0, nbytes[m])
            continue
        lo = min(first[m] for m in mem)
        hi = max(last.get(m, first[m]) for m in mem)
        arena_groups.append((root, mem, size, lo, hi))

    placed = []  # (offset, size, lo, hi)
    for root, mem, size, lo, hi in sorted(arena_groups, key=lambda g: (-g[2], g[3])):
        asize = _align(size)
        busy = sorted((o, s) for o, s, l2, h2 in placed if not (h2 < lo or l2 > hi))
        best, best_gap, cur = None, None, 0
        for o, s in busy:
            gap = o - cur
            if gap >= asize and (best_gap is None or gap < best_gap):
                best, best_gap = cur, gap
            cur = max(cur, o + _align(s))
        off = best if best is not None else cur
        placed.append((off, size, lo, hi))
        for m in mem:
            buffers[m] = Buffer("arena", off, nbytes[m])
    arena = max((o + _align(s) for o, s, _, _ in placed), default=0)
    live = np.zeros(end + 2, dtype=np.int64)
    for _, _, size, lo, hi in arena_groups:
        live[lo + 1:hi + 2] += size
    prog.buffers = buffers
    prog.arena_bytes = int(arena)
    prog.arena_lower_bound = int(live.max()) if len(arena_groups) else 0
    prog.tensor_bytes_total = int(sum(nbytes[t] for t in acts))
