"""ONNX op handlers, one module per op family.

Each module holds a mixin class of ``op_<OpType>(self, node, ins, a)`` methods (and their helpers);
``frontends.onnx_float.OnnxImporter`` combines them with ``onnx_base.ImporterBase``.  A handler gets the
ONNX node, its input values (``onnx_base.Val``; None for an empty optional slot) and its attributes
as a dict, and records its outputs with ``self.set_out`` / ``self.alias``.
"""
