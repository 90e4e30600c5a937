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
