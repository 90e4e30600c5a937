"""What the subcommands of the `nncodegen` command share: exit codes, the usage error, status lines and
loading input arrays."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import numpy as np

from .codegen.sanitize import term


EXIT_OK, EXIT_CHECK, EXIT_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad input named by the message; exit code 2."""


def progress(msg: str) -> None:
    """A status line on stderr; model strings in it (node names...) cannot send terminal escapes."""
    print(f"nncodegen: {term(msg)}", file=sys.stderr, flush=True)


def load_array(path: str, what: str) -> np.ndarray:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} file {path}: no such file")
    try:
        if p.suffix == ".npz":
            z = np.load(p)
            if not z.files:
                raise UsageError(f"{what} file {path}: empty .npz")
            return z[z.files[0]]
        return np.load(p, allow_pickle=False)
    except UsageError:
        raise
    except Exception as e:  # numpy raises several kinds for bad files
        raise UsageError(f"{what} file {path}: not a readable .npy/.npz ({type(e).__name__}: {e})") from None


RUN_TARGET_HELP = "host (default), aarch64-linux, armv7-linux, cortex-m4, cortex-m4-softfloat, cortex-m7"


def _check_target(target: Optional[str]) -> str:
    """'host' or a cross run target (harness/cross.py); a missing toolchain is bad input (exit 2)."""
    if target in (None, "host"):
        return "host"
    from .harness.cross import require_tools
    require_tools(target)  # unknown target or missing tools: GraphError naming the Debian packages
    return target
