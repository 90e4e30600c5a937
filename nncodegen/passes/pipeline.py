"""The ordered list of graph passes run after import.  Each is a pure
Graph -> Graph function in its own module; the IR checker runs after each."""
from __future__ import annotations

from typing import Callable, List, Tuple

from ..ir.checker import check_graph
from ..ir.graph import Graph

PASSES: List[Tuple[str, Callable[[Graph], Graph]]] = []


def _register():
    from .binarize import binarize
    from .check_lowerable import check_lowerable
    from .finn_formats import finn_formats
    from .finn_thresholds import fold_into_thresholds, integer_accumulators
    from .fuse_activation import fuse_activations
    PASSES[:] = [("fuse_activations", fuse_activations), ("finn_formats", finn_formats),
                 ("fold_into_thresholds", fold_into_thresholds), ("binarize", binarize),
                 ("integer_accumulators", integer_accumulators), ("check_lowerable", check_lowerable)]


def run_passes(graph: Graph) -> Graph:
    if not PASSES:
        _register()
    for name, fn in PASSES:
        graph = check_graph(fn(graph), name)
    return graph
