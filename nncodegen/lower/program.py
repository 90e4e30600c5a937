"""The Program: what lowering makes of a Graph and codegen prints.

A Program is an ordered list of kernel Calls.  A call's ``args`` are in the
C function's order; the last is the output buffer.  The numpy twin of the
kernel takes the same args minus the output and returns it (kernels that
write a slice of their output, the concat parts, also take the output so
far and return it with their part written), so the
simulator (ref/program_sim.py) and the C run the same list of calls.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union


@dataclass(frozen=True)
class Param:
    """A parameter struct passed by pointer (a params.* dataclass)."""
    value: Any


@dataclass(frozen=True)
class Scalar:
    value: Union[int, float]
    ctype: str = "int32_t"


@dataclass(frozen=True)
class Buf:
    """An activation tensor (arena, model input or output)."""
    tensor: str


@dataclass(frozen=True)
class Const:
    """A constant tensor emitted as a static const array: the graph tensor's
    integer (quantized) or float data, or ``array`` of ``ctype`` when
    lowering derived the values (e.g. a broadcast PReLU slope)."""
    tensor: str
    array: Optional[tuple] = None
    ctype: Optional[str] = None
    align64: bool = False   # declared NNC_ALIGN64 (nnc_types.h): read in 64-byte vectors


@dataclass(frozen=True)
class Scratch:
    """Work memory of one call, planned in the arena beside the tensors live at that call
    (``offset`` set by the memory planner); printed as a pointer of ``ctype``, or NULL when
    ``nbytes`` is 0.  Twins receive it and ignore it.

    A ``key`` names a block shared by the calls of one layer: a call whose last argument (its output) is a
    keyed Scratch writes it (``huffman_decode_u8``: a decoded weight stream), and a later call of the layer
    reads it through a Scratch of the same key -- one block, and in the simulator the latest writer's twin
    result passed to the readers (a layer in row blocks writes and reads it once a block).  A keyed Scratch no
    call writes is work memory shared by the layer's calls (one block, not one a call)."""
    nbytes: int
    ctype: str
    offset: int = -1
    key: str = ""


@dataclass
class Call:
    layer: str           # IR node name
    op: str              # IR op
    kernel: str          # C function (and twin) name
    args: List[Any]
    output: str          # tensor written
    comment: str = ""
    # (outer, out_inner, offset) for concat parts, (0, row0, row1) for a row block of a layer: the call writes part
    # of its output (its twin takes the output so far, last); never in place
    out_view: Optional[Tuple[int, int, int]] = None


@dataclass
class Buffer:
    """Where an activation lives: 'input', 'output' or an arena offset."""
    where: str
    offset: int = 0
    nbytes: int = 0


@dataclass
class Program:
    name: str
    calls: List[Call]
    ctype: str                   # element C type of activations (int8_t, int16_t, float)
    elem_bytes: int
    buffers: Dict[str, Buffer] = field(default_factory=dict)
    arena_bytes: int = 0
    arena_lower_bound: int = 0            # largest set of tensors live at once, out-of-place convolutions
    arena_out_of_place: int = 0           # the arena the planner gives without in-place convolutions
    arena_plan_lower_bound: int = 0       # lower bound of the storage groups planned (in place, with scratch)
    inplace_layers: List[str] = field(default_factory=list)  # convolutions written over their input
    tensor_bytes_total: int = 0
    kernels_used: List[str] = field(default_factory=list)
    families: List[str] = field(default_factory=list)
