"""TFLite import (kept for existing imports): the front end lives in the package nncodegen/frontends/tflite/
(flatbuf.py: the FlatBuffers reader; importer.py: the importer and load_tflite; ops_*.py: the operator
handlers by family)."""
from .tflite.flatbuf import read_model
from .tflite.importer import load_tflite

__all__ = ["load_tflite", "read_model"]
