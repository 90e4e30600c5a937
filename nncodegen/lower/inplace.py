"""In-place layers: which calls may write their output over their input (the memory planner gives
both one arena slot when the input dies there), and the schedule of the row-wise kernels.

conv2d_inplace_* and maxpool_inplace_* (templates_c/kernels/inplace_rows.inc) compute one output
row at a time (in NHWC a row is contiguous and depends only on a band of input rows), write a row
over the input as soon as no later row reads the input it covers, and keep the rows that cannot go
yet in a ring of ``ring_rows`` output rows in scratch; rows go first to last, or last to first for
layers whose rows grow.  ``ring_rows(g, backward)`` replays that schedule: the planner sizes the
scratch with it, statically.  Stride 1 'same' 3x3: two rows (the layer needs max(input, output) + two
output rows instead of input + output); stride 2, or a 1x1 convolution that narrows or widens the
channels: one row.  TinyEngine runs depthwise convolutions in place channel by channel with a
channel-plane buffer; in NHWC rows are the contiguous unit, and the scheme holds for every window.

pad_inplace_* (templates_c/kernels/pad_inplace.c), constant pads only: written from the last element
to the first, it never overwrites input it has yet to read; no scratch.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from ..lower.params import ConvGeom, Pad
from .program import Buf, Call

# out-of-place kernel -> its in-place variant (same arguments plus scratch and ring_rows before the output)
INPLACE_OF = {k: k.replace("conv2d_", "conv2d_inplace_", 1)
              for k in ("conv2d_q7", "conv2d_q7_wide", "conv2d_q15", "conv2d_q15_acc32", "conv2d_s8", "conv2d_pw_s8",
                        "conv2d_pwp_s8", "conv2d_pk_s8", "conv2d_pk_q7", "conv2d_pw4_q7", "conv2d_dw_q7", "conv2d_pk_f32",
                        "conv2d_f32")}
INPLACE_OF.update({f"maxpool_{f}": f"maxpool_inplace_{f}" for f in ("q7", "q15", "s8", "f32")})
INPLACE_OF.update({f"pad_{f}": f"pad_inplace_{f}" for f in ("q7", "q15", "s8", "f32")})


def ring_rows(g: ConvGeom, backward: bool = False) -> Optional[int]:
    """Output rows conv2d_inplace_* keeps waiting in scratch at most on geometry g, visiting the rows
    first to last (or last to first when backward), 0 when it writes every row straight over the
    input; None when the kernel does not apply (an output row that reads no input row)."""
    row_in, row_out = g.in_w * g.in_c, g.out_w * g.out_c
    ext = (g.k_h - 1) * g.dil_h
    rows = g.batch * g.out_h
    done, most = 0, 0
    for k in range(rows + 1):
        r = rows - 1 - k if backward else k
        if k < rows:
            n, oy = divmod(r, g.out_h)
            iy0 = oy * g.stride_h - g.pad_top
            r0, r1 = max(iy0, 0), min(iy0 + ext + 1, g.in_h)
            if r1 <= r0:
                return None
            need = (n * g.in_h + (r1 if backward else r0)) * row_in
        while done < k:
            q = rows - 1 - done if backward else done  # the oldest waiting row
            if k < rows and (q * row_out < need if backward else (q + 1) * row_out > need):
                break
            done += 1
        if k == rows:
            break
        if done == k and (r * row_out >= need if backward else (r + 1) * row_out <= need):
            done += 1
        else:
            most = max(most, k - done + 1)
    return most


def schedule(g: ConvGeom):
    """(ring rows, backward) of the direction that keeps fewer rows waiting (forward on a tie),
    or None when the kernel does not apply."""
    fwd, bwd = ring_rows(g), ring_rows(g, True)
    if fwd is None:
        return None
    return (fwd, False) if fwd <= bwd else (bwd, True)


def inplace_kernel(kernel: str) -> Optional[str]:
    return INPLACE_OF.get(kernel)


class InPlace(NamedTuple):
    """How a call runs in place: the input it writes over, its scratch in elements of the output,
    and the scalars its in-place kernel takes after the scratch pointer (none: no scratch argument)."""
    input: str
    scratch_elems: int
    scalars: tuple


def in_place_form(call: Call) -> Optional[InPlace]:
    """The in-place form of a call (a conv2d, a max pool or a constant pad), or None when it has none."""
    if call.out_view is not None or call.kernel not in INPLACE_OF:
        return None
    if call.kernel.startswith("pad_"):
        p, x = call.args[0].value, call.args[1]
        if not isinstance(p, Pad) or not isinstance(x, Buf) or p.mode != 0:
            return None
        if any(b < 0 or i + b > o for i, o, b in zip(p.in_shape, p.out_shape, p.before)):
            return None
        return InPlace(x.tensor, 0, ())
    if call.kernel.startswith("maxpool_"):
        g, x = call.args[0].value, call.args[1]
        if call.op != "maxpool" or not isinstance(g, ConvGeom) or g.dil_h != 1:  # pools ignore dilations
            return None
    else:
        g, x = call.args[0].value, call.args[2]
        if call.op != "conv2d" or not isinstance(g, ConvGeom):
            return None
    if not isinstance(x, Buf):
        return None
    sched = schedule(g)
    if sched is None:
        return None
    return InPlace(x.tensor, sched[0] * g.out_w * g.out_c, (sched[0], int(sched[1])))
