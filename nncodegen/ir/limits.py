"""Size limits for untrusted model files, checked before anything is allocated.

A model file decides the shapes the compiler allocates; a mutated or hostile one can ask for terabytes.
Every IR tensor passes ``check_shape`` when it enters a Graph (``Graph.add_tensor``), and the front ends
check node counts and weight bytes with the same numbers before they convert anything.  The defaults
cover every model a microcontroller or a Cortex-A board runs with a wide margin; a config file's
``limits`` object (``nncodegen compile --config``) or ``use_limits(...)`` raises them.
"""
from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Iterator, Sequence

from .errors import GraphError


@dataclass
class Limits:
    max_tensor_elements: int = 1 << 27     # elements of one tensor (512 MiB as float32)
    max_dim: int = 1 << 24                 # one dimension
    max_rank: int = 8
    max_nodes: int = 10_000                # nodes of one graph (the largest MCU models have a few hundred)
    max_weight_bytes: int = 64 << 20       # all constant data of a model (its C text is several times larger)


LIMITS = Limits()


def check_shape(shape: Sequence[int], what: str) -> None:
    """Raise a one-line GraphError naming ``what`` when a shape is malformed or over the limits."""
    lim = LIMITS
    if len(shape) > lim.max_rank:
        raise GraphError(f"{what}: rank {len(shape)} is over the limit {lim.max_rank} (limits.max_rank)")
    n = 1
    for d in shape:
        if not isinstance(d, int) or d < 0:
            raise GraphError(f"{what}: dimension {d!r} in shape {tuple(shape)} is not a size")
        if d > lim.max_dim:
            raise GraphError(f"{what}: dimension {d} is over the limit {lim.max_dim} (limits.max_dim)")
        n *= d
    if n > lim.max_tensor_elements:
        raise GraphError(f"{what}: shape {tuple(shape)} has {n} elements, over the limit "
                         f"{lim.max_tensor_elements} (limits.max_tensor_elements)")


@contextlib.contextmanager
def use_limits(**overrides) -> Iterator[Limits]:
    """Temporarily change limits: ``with use_limits(max_tensor_elements=1 << 30): ...``."""
    names = {f.name for f in dataclasses.fields(Limits)}
    for k, v in overrides.items():
        if k not in names:
            raise GraphError(f"limits: unknown key {k!r} (known: {', '.join(sorted(names))})")
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise GraphError(f"limits.{k}: {v!r} is not a positive integer")
    old = dataclasses.replace(LIMITS)
    for k, v in overrides.items():
        setattr(LIMITS, k, v)
    try:
        yield LIMITS
    finally:
        for f in dataclasses.fields(Limits):
            setattr(LIMITS, f.name, getattr(old, f.name))
