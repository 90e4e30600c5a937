"""Static memory plan: one arena, offsets from lifetimes, greedy best fit.

1. Tensors that must share storage are grouped: a reshape's output is its
   input (no copy); an elementwise kernel may write over an input that dies
   at that call (in place).
2. A group holding the model input reads from the caller's input buffer; a
   group holding the model output is written straight into the caller's
   output buffer.  The rest live in the arena.
3. Each arena group lives from the call that first writes it to the last
   call that reads it.  Groups are placed largest first, each in the
   smallest gap (best fit) among the groups it overlaps in time.  (A group
   whose members differ in size, an in-place chain, holds at each call only
   the size of its members live then.)
The lower bound reported beside the arena is the largest total size of
groups live at one call: no plan with these groups can use less.
4. In-place layers (TinyEngine's trick, generalized; lower/inplace.py):
   a conv2d whose input dies at it may write its output over its input,
   one output row at a time, with a few output rows of scratch (planned as
   an arena block live at that call only); so may a max pool, and a
   constant pad (no scratch).  Each legal layer is tried; a layer stays in
   place only if taking it back out would make the arena larger (in place
   costs a copy of the rows that wait in scratch) -- INPLACE_MODE / the
   ``inplace`` argument: "auto" (this), "all" or "none".  The
   lower bound above stays the out-of-place one (arena_lower_bound), so the
   arena may go below it; the bound of the groups actually planned, with the
   scratch blocks, is arena_plan_lower_bound.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from ..ir.graph import Graph, GraphError
from .inplace import in_place_form, inplace_kernel
from .program import Buf, Buffer, Program, Scalar, Scratch

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


# Which legal in-place layers run in place: "auto" (those the arena needs), "all" or "none".
INPLACE_MODE = "auto"
AUTO_TRIALS = 48


def plan_memory(graph: Graph, prog: Program, inplace: Optional[str] = None) -> None:
    mode = inplace or INPLACE_MODE
    if mode not in ("auto", "all", "none"):
        raise ValueError(f"in-place mode {mode!r}: choose 'auto', 'all' or 'none'")
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

    members: Dict[str, List[str]] = {}   # root -> members, kept in step with uf's unions below
    for t in acts:
        members.setdefault(uf.find(t), []).append(t)

    def group_members(root):
        return members[root]

    def join(a, b):
        ra, rb = uf.find(a), uf.find(b)
        if ra != rb:
            uf.union(a, b)
            r = uf.find(a)
            members[r] = members.pop(ra) + members.pop(rb)

    for n in graph.nodes:
        if n.op == "reshape":
            join(n.outputs[0], n.inputs[0])

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
            join(c.output, x)
            break

    def plan(uf_plan, scratch):
        """Offsets for the groups of uf_plan plus scratch blocks (key, nbytes, call step):
        (buffers, scratch offsets, arena bytes, lower bound of these groups).

        A group is one block at one offset; each member occupies its own size during its own
        lifetime (an in-place chain that narrows frees the top of its block), so a group is a set of
        segments (lo, hi, size).  Groups are placed largest first, each at the offset that leaves the
        least room above its segments under the segments already placed that overlap them in time
        (best fit; for a one-segment group: the smallest gap that holds it), else on top."""
        groups: Dict[str, List[str]] = {}
        for t in acts:
            groups.setdefault(uf_plan.find(t), []).append(t)
        buffers: Dict[str, Buffer] = {}
        arena_groups = []  # (key, members, size, lo, segments)
        for root, mem in groups.items():
            is_in = any(m in graph.inputs for m in mem)
            is_out = any(m in graph.outputs for m in mem)
            if is_in and is_out:
                raise GraphError("the model output is a reshape of its input: nothing to compute")
            if is_in or is_out:
                for m in mem:
                    buffers[m] = Buffer("input" if is_in else "output", 0, nbytes[m])
                continue
            segs = [(first[m], last.get(m, first[m]), nbytes[m]) for m in mem]
            arena_groups.append((root, mem, max(nbytes[m] for m in mem), min(first[m] for m in mem), segs))
        for key, size, at in scratch:
            arena_groups.append((key, [], size, at, [(at, at, size)]))
        p_off, p_end = [], []  # placed segments: offsets and ends; by_step[s]: those live at step s
        by_step: Dict[int, List[int]] = {}
        offsets: Dict[str, int] = {}
        for root, mem, size, lo, segs in sorted(arena_groups, key=lambda g: (-g[2], g[3])):
            off = 0
            if p_off:
                qo, qe, need = [], [], []  # (placed segment, own aligned size) pairs that overlap in time
                for slo, shi, ssz in segs:
                    hit = sorted({k for s in range(slo, shi + 1) for k in by_step.get(s, ())})
                    qo.extend(p_off[k] for k in hit)
                    qe.extend(p_end[k] for k in hit)
                    need.extend([_align(ssz)] * len(hit))
                qo, qe, need = (np.asarray(v, dtype=np.int64) for v in (qo, qe, need))
                if qo.size:
                    cand = np.unique(np.concatenate([[0], qe]))
                    top = int(qe.max())
                    c = cand[:, None]
                    free = (c + need[None, :] <= qo[None, :]) | (qe[None, :] <= c)
                    ok = free.all(axis=1)
                    room = np.where(qo[None, :] >= c + need[None, :], qo[None, :] - c - need[None, :],
                                    np.iinfo(np.int64).max).min(axis=1)
                    fit = ok & (cand < top)
                    off = int(cand[fit][np.argmin(room[fit])]) if fit.any() else top
            offsets[root] = off
            for slo, shi, ssz in segs:
                for s in range(slo, shi + 1):
                    by_step.setdefault(s, []).append(len(p_off))
                p_off.append(off)
                p_end.append(off + _align(ssz))
            for m in mem:
                buffers[m] = Buffer("arena", off, nbytes[m])
        arena = max(p_end, default=0)
        live = np.zeros(end + 2, dtype=np.int64)
        for _, _, _, _, segs in arena_groups:
            a = min(s[0] for s in segs) + 1
            b = max(s[1] for s in segs) + 2
            g_live = np.zeros(b - a, dtype=np.int64)  # a group holds its largest live member (its span only)
            for slo, shi, ssz in segs:
                g_live[slo + 1 - a:shi + 2 - a] = np.maximum(g_live[slo + 1 - a:shi + 2 - a], ssz)
            live[a:b] += g_live
        return buffers, offsets, int(arena), int(live.max()) if len(arena_groups) else 0

    # in-place layers (convolutions, constant pads): the candidates, each legal on its own and with any
    # set of the others
    cands = []  # (call, InPlace, scratch bytes, node step)
    for c in prog.calls:
        form = in_place_form(c)
        if form is None or form.input not in nbytes or \
                graph.tensors[form.input].fmt.ctype != graph.tensors[c.output].fmt.ctype:
            continue
        node_i = step[c.layer]
        root_x = uf.find(form.input)
        if root_x == uf.find(c.output) or max(last[m] for m in group_members(root_x)) != node_i:
            continue
        if any(special(root_x)) or any(special(uf.find(c.output))):
            continue
        elem = nbytes[c.output] // max(1, graph.tensors[c.output].size)
        cands.append((c, form, form.scratch_elems * elem, node_i))

    def plan_with(chosen):
        u = _UF()
        u.p = dict(uf.p)
        for c, form, _, _ in chosen:
            u.union(c.output, form.input)
        scratch = [(f"scratch:{k}", sb, at) for k, (c, _, sb, at) in enumerate(chosen) if sb]
        return plan(u, scratch + call_scratch)

    # work memory that kernels state they need (Scratch arguments not yet placed: the compressed
    # convolutions' receptive-field buffer): a block live at its call only
    call_scratch = [(f"call_scratch:{k}", a.nbytes, step[c.layer]) for k, c in enumerate(prog.calls)
                    for a in c.args if isinstance(a, Scratch) and a.offset < 0 and a.nbytes and not a.key]
    # ... and keyed blocks, one per (layer, key), shared by the calls of the layer that name it
    shared = {}
    for c in prog.calls:
        for a in c.args:
            if isinstance(a, Scratch) and a.offset < 0 and a.nbytes and a.key:
                k = f"shared_scratch:{c.layer}:{a.key}"
                if k in shared and shared[k][1] != a.nbytes:
                    raise GraphError(f"layer {c.layer!r}: scratch {a.key!r} of {shared[k][1]} and {a.nbytes} bytes")
                shared[k] = (k, a.nbytes, step[c.layer])
    call_scratch += list(shared.values())
    base = plan(uf, call_scratch)
    chosen, best = ([], base) if mode == "none" else (list(cands), plan_with(cands))
    if mode == "auto":
        # keep a layer in place only if the arena needs it: each removal is tried with one re-plan.  On
        # deep models only the AUTO_TRIALS candidates with the largest inputs (where the peak is) are
        # tried one by one; the others are first tried all together (one re-plan), and stay in place
        # only if that grows the arena.  So the planner makes at most AUTO_TRIALS + 2 plans, whatever
        # the depth (compile time linear in the layer count).
        tried = sorted(cands, key=lambda k: -nbytes[k[1].input])[:AUTO_TRIALS]
        rest = [k for k in cands if not any(k is x for x in tried)]
        if rest:
            trial = [k for k in chosen if not any(k is x for x in rest)]
            p = plan_with(trial)
            if p[2] <= best[2]:
                chosen, best = trial, p
        for cand in [k for k in cands if any(k is x for x in tried)]:
            trial = [k for k in chosen if k is not cand]
            p = plan_with(trial)
            if p[2] <= best[2]:
                chosen, best = trial, p
        if best[2] >= base[2]:
            chosen, best = [], base
    for k, (c, form, sb, _) in enumerate(chosen):
        c.kernel = inplace_kernel(c.kernel)
        if form.scalars:  # the scratch pointer and the kernel's scalars go before the output
            ctype = graph.tensors[c.output].fmt.ctype
            scr = Scratch(sb, ctype, best[1][f"scratch:{k}"] if sb else 0)
            c.args = c.args[:-1] + [scr] + [Scalar(v) for v in form.scalars] + [c.args[-1]]
    for k, c in enumerate(prog.calls):
        c.args = [Scratch(a.nbytes, a.ctype, best[1][f"shared_scratch:{c.layer}:{a.key}" if a.key else
                                                     f"call_scratch:{k}"], a.key)
                  if isinstance(a, Scratch) and a.offset < 0 and a.nbytes else a for a in c.args]
    prog.kernels_used = sorted({c.kernel for c in prog.calls})
    prog.inplace_layers = [c.layer for c, _, _, _ in chosen]
    prog.buffers = best[0]
    prog.arena_bytes = best[2]
    prog.arena_plan_lower_bound = best[3]
    prog.arena_out_of_place = base[2]
    prog.arena_lower_bound = base[3]
    prog.tensor_bytes_total = int(sum(nbytes[t] for t in acts))
