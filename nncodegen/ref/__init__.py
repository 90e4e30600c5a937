"""numpy execution of the IR: float reference, bit-exact integer twins of every C kernel, per-layer trace."""
from . import float_ops_bin  # noqa: F401 -- the binary ops add their float semantics to float_ops.FLOAT_OPS
from . import float_ops_finn  # noqa: F401,E402 -- multithreshold and argmax float semantics
from . import kernels_camera  # noqa: F401,E402 -- camera_input's float semantics (and its kernels' twins)
