"""Where the C templates live, in a source checkout and in an installed package."""
from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent
    for cand in (here / "templates_c", here.parent / "templates_c"):
        if (cand / "include" / "nnc_types.h").exists():
            return cand
    try:
        import importlib.resources as res
        p = Path(str(res.files("nncodegen.templates_c")))
        if (p / "include" / "nnc_types.h").exists():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    raise FileNotFoundError("nncodegen's C templates (templates_c/) are missing from this installation")


def include_dir() -> Path:
    return templates_dir() / "include"


def kernels_dir() -> Path:
    return templates_dir() / "kernels"


def model_templates_dir() -> Path:
    return templates_dir() / "model"


def targets_dir() -> Path:
    """Target support files: bare-metal startup, linker scripts, cross drivers, qemu plugin."""
    return templates_dir() / "targets"


def toolchains_dir() -> Path:
    """CMake toolchain files (cmake/ in a checkout, nncodegen/toolchains when installed)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "toolchains", here.parent / "cmake"):
        if (cand / "aarch64-linux-gnu.cmake").exists():
            return cand
    try:
        import importlib.resources as res
        p = Path(str(res.files("nncodegen.toolchains")))
        if (p / "aarch64-linux-gnu.cmake").exists():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    raise FileNotFoundError("nncodegen's CMake toolchain files (cmake/) are missing from this installation")
