"""Bit packing of binary / ternary tensors: defined with the IR's binary formats (ir/bits.py)."""
from ..ir.bits import (filter_words, pack_bits, pack_filters, pack_signs, pack_ternary,  # noqa: F401
                       popcount32, unpack_bits, unpack_filters, unpack_signs, unpack_ternary, words)
