"""Derive cffi declarations from the project's C headers with pycparser.

The headers are preprocessed against a tiny fake libc (so no system header
reaches pycparser), inline function bodies and pragmas are dropped, and what is
left (typedefs, structs, prototypes, extern data) is printed back as a cdef.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Sequence

from pycparser import c_ast, c_generator, c_parser

from .cbuild import BuildError, find_cc

FAKE_LIBC = Path(__file__).resolve().parent / "fake_libc"
_STD_TYPES = {"int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "size_t"}


def cdef_from_headers(headers: Sequence[Path], include_dirs: Sequence[Path] = (), defines: Sequence[str] = ()) -> str:
    src = "".join(f'#include "{Path(h).resolve()}"\n' for h in headers)
    cmd = [find_cc(), "-E", "-P", "-std=c99", "-nostdinc", f"-I{FAKE_LIBC}"] + \
          [f"-I{d}" for d in include_dirs] + [f"-D{d}" for d in defines] + ["-"]
    r = subprocess.run(cmd, input=src, capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError(f"preprocessing headers failed:\n{r.stderr}")
    ast = c_parser.CParser().parse(r.stdout, filename="<headers>")
    gen = c_generator.CGenerator()
    out = []
    for ext in ast.ext:
        if isinstance(ext, (c_ast.FuncDef, c_ast.Pragma)):  # bodies; the headers' pragmas (nnc_types.h's
            continue                                          # fp-contract) mean nothing to cffi
        if isinstance(ext, c_ast.Typedef) and ext.name in _STD_TYPES:
            continue
        if isinstance(ext, c_ast.Decl) and isinstance(ext.type, c_ast.FuncDecl):
            ext.funcspec = [f for f in ext.funcspec if f != "inline"]
            if "static" in ext.storage:
                continue
        out.append(gen.visit(ext) + ";")
    return "\n".join(out) + "\n"
