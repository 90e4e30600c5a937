"""TFLite front end: ``load_tflite(path_or_bytes)`` (see importer.py; operator handlers by family in ops_*.py)."""
from .importer import load_tflite

__all__ = ["load_tflite"]
