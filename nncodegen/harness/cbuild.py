"""Compile C sources with strict flags and load them into Python through cffi.

The project's own C is compiled alone with ``-std=c99 -Wall -Wextra -Werror
-pedantic`` (cffi's generated wrapper is not pedantic C, so it is compiled
apart and linked with our objects).  Builds are cached by a hash of every
input: sources, headers, cdef, flags and compiler.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

STRICT_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wvla", "-Wshadow"]


class BuildError(RuntimeError):
    """The C compiler rejected the sources; the message holds its output."""


def cache_root() -> Path:
    env = os.environ.get("NNCODEGEN_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nncodegen"


def find_cc(preferred: Optional[str] = None) -> str:
    for cc in [preferred, os.environ.get("CC"), "cc", "gcc", "clang"]:
        if cc and shutil.which(cc):
            return cc
    raise BuildError("no C compiler found: install gcc (Debian package 'gcc') or set CC")


def _hash(parts: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()[:20]


def compile_objects(sources: Sequence[Path], include_dirs: Sequence[Path], outdir: Path, cc: str,
                    flags: Sequence[str], jobs: Optional[int] = None) -> List[Path]:
    """Compile each source to an object in ``outdir`` (``jobs`` compilers at a time, default: CPU count)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(src):
        obj = outdir / (Path(src).stem + ".o")
        cmd = [cc, *flags, "-fPIC", "-c", str(src), "-o", str(obj)] + [f"-I{d}" for d in include_dirs]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise BuildError(f"{cc} failed on {Path(src).name}:\n{r.stderr.strip()}")
        return obj

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(sources)))
    if jobs == 1:
        return [one(s) for s in sources]
    with ThreadPoolExecutor(jobs) as ex:
        return list(ex.map(one, sources))


def build_cffi(name: str, sources: Sequence[Path], cdef: str, include_dirs: Sequence[Path] = (),
               header: str = "", opt: str = "-O2", defines: Sequence[str] = (), cc: Optional[str] = None,
               extra_flags: Sequence[str] = (), libraries: Sequence[str] = (), jobs: Optional[int] = None):
    """Build ``sources`` into a cffi extension exposing ``cdef``; returns (ffi, lib).

    ``libraries`` are linked into the extension (e.g. ``["m"]`` for kernels using <math.h>)."""
    import cffi  # imported here: only the harness needs it

    cc = find_cc(cc)
    flags = STRICT_FLAGS + [opt] + [f"-D{d}" for d in defines] + list(extra_flags)
    sources = [Path(s).resolve() for s in sources]  # cffi compiles in its own directory
    inc = [Path(d).resolve() for d in include_dirs]
    headers = sorted({h for d in inc for pat in ("*.h", "*.inc") for h in Path(d).glob(pat)})
    libs = [("libraries: " + " ".join(libraries)).encode()] if libraries else []  # keeps old keys stable
    key = _hash([name.encode(), cdef.encode(), header.encode(), " ".join(flags).encode(), cc.encode(),
                 sys.version.encode()] + libs + [s.read_bytes() for s in sources] + [h.read_bytes() for h in headers])
    modname = f"_nnc_{name}_{key}"
    bdir = cache_root() / "builds" / modname
    so = next(bdir.glob(f"{modname}*.so"), None) if bdir.exists() else None
    if so is None:
        bdir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=modname + ".", dir=bdir.parent))
        try:
            objs = compile_objects(sources, inc, tmp, cc, flags, jobs)
            ffi = cffi.FFI()
            ffi.cdef(cdef)
            ffi.set_source(modname, header, extra_objects=[str(o) for o in objs],
                           include_dirs=[str(d) for d in inc], extra_compile_args=[opt, "-w"],
                           libraries=list(libraries))
            os.environ.setdefault("CC", cc)
            ffi.compile(tmpdir=str(tmp), verbose=False)
            if bdir.exists():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                os.replace(tmp, bdir)
        except BuildError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        except Exception as e:  # cffi / distutils errors
            shutil.rmtree(tmp, ignore_errors=True)
            raise BuildError(f"building the cffi module {modname} failed: {e}") from None
        so = next(bdir.glob(f"{modname}*.so"))
    loader = importlib.machinery.ExtensionFileLoader(modname, str(so))
    spec = importlib.util.spec_from_file_location(modname, str(so), loader=loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod.ffi, mod.lib
