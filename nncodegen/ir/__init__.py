from .formats import FLOAT32, AffineFormat, Float32, Format, QFormat, format_from_json, is_float
from .graph import Graph, GraphError, Node, Tensor
from .ops import SCHEMAS, fused_act_bounds, infer_node
from . import ops_bin  # noqa: F401,E402 -- the binary ops add their schemas to SCHEMAS
from . import ops_finn  # noqa: F401,E402 -- multithreshold, argmax and the index format
from . import ops_camera  # noqa: F401,E402 -- the camera-frame input stage and its uint8 frame format
from .checker import check_graph
from .builder import GraphBuilder
from .serialize import load_graph, save_graph

__all__ = ["FLOAT32", "AffineFormat", "Float32", "Format", "QFormat", "format_from_json", "is_float", "Graph", "GraphError",
           "Node", "Tensor", "SCHEMAS", "fused_act_bounds", "infer_node", "check_graph", "GraphBuilder",
           "load_graph", "save_graph"]
