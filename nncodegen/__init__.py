"""nncodegen: compile trained, compressed neural networks into portable, verified C99.

    import nncodegen
    g = nncodegen.load("model.onnx")
    gq = nncodegen.quantize(g, calib, scheme="q7")
    nncodegen.generate(gq, "out/", name="net")
    cm = nncodegen.build("out/")
    y = cm.run(x)                      # the C, from Python
    assert (nncodegen.simulate(gq, x) == y).all()
"""
from .version import __version__

from .api import build, generate, join_inputs, load, quantize, reference, simulate, split_outputs  # noqa: E402
from .ir import Graph, GraphBuilder, GraphError  # noqa: E402

__all__ = ["__version__", "load", "quantize", "simulate", "reference", "generate", "build", "join_inputs",
           "split_outputs", "Graph", "GraphBuilder", "GraphError"]
