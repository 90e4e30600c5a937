"""Run generated C on ARM targets: cross gcc, then qemu (user mode for Linux, MPS2 boards for Cortex-M).

Targets (``RUN_TARGETS``):

* ``aarch64-linux``  aarch64-linux-gnu-gcc -static, run by ``qemu-aarch64 -cpu cortex-a53``;
* ``cortex-a55-linux`` the same with -mcpu=cortex-a55 (ARMv8.2-A, SDOT), ``qemu-aarch64 -cpu cortex-a55``
  (``cortex-a76``, the same instructions and more, on a QEMU that has no cortex-a55);
* ``armv7-linux``    arm-linux-gnueabihf-gcc (ARMv7-A, NEON, hard float) -static, ``qemu-arm -cpu cortex-a8``;
* ``cortex-m4``      arm-none-eabi-gcc (FPv4-SP, hard float), bare-metal image for ``qemu-system-arm
  -M mps2-an386``; ``cortex-m4-softfloat`` the same without the FPU;
* ``cortex-m7``      arm-none-eabi-gcc (FPv5-D16, hard float), image for ``qemu-system-arm -M mps2-an500``.

Compiler, flags and emulator come from the CMake toolchain files in cmake/ (their ``NNC_*``
variables), so the harness and a user's CMake build use the same settings.  qemu always gets
``-cpu`` for the oldest core the flags allow: its default CPU accepts every instruction.

Inputs and outputs cross as files: the generated example program (main.c) reads N raw inputs
from in.bin and writes N raw outputs to out.bin; its exit status reports success.  Bare-metal
images do the same through ARM semihosting (templates_c/targets/cortex-m), under a timeout,
since a core that traps without semihosting just stops.

Every build uses the project's strict flags (-std=c99 -Wall -Wextra -Werror -pedantic ...), so a
warning on any target fails the build.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..ir.graph import GraphError
from ..paths import targets_dir, toolchains_dir
from .cbuild import STRICT_FLAGS, BuildError, cache_root
from .cmodel import NP_TYPES, read_manifest


class CrossToolMissing(GraphError):
    """A cross compiler, C library or emulator is not installed; the message names the Debian packages."""


class CrossRunError(RuntimeError):
    """The program failed, crashed or timed out on the emulated target."""


@dataclass(frozen=True)
class RunTarget:
    name: str
    toolchain: str                    # cmake/<toolchain>.cmake
    kind: str                         # "linux" (qemu user mode) or "baremetal" (qemu-system-arm + semihosting)
    packages: Tuple[str, ...]         # Debian packages that provide the tools
    codegen_targets: Tuple[str, ...]  # `compile --target` names whose flags apply to this target


LINUX_A64 = ("gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross", "qemu-user")
LINUX_A32 = ("gcc-arm-linux-gnueabihf", "libc6-dev-armhf-cross", "qemu-user")
BARE = ("gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "qemu-system-arm")

RUN_TARGETS: Dict[str, RunTarget] = {t.name: t for t in [
    RunTarget("aarch64-linux", "aarch64-linux-gnu", "linux", LINUX_A64, ("cortex-a53", "cortex-a72", "cortex-a55")),
    RunTarget("cortex-a55-linux", "aarch64-linux-gnu-cortex-a55", "linux", LINUX_A64, ("cortex-a55",)),
    RunTarget("armv7-linux", "arm-linux-gnueabihf", "linux", LINUX_A32, ("armv7-a",)),
    RunTarget("cortex-m4", "arm-none-eabi-cortex-m4", "baremetal", BARE, ("cortex-m4",)),
    RunTarget("cortex-m4-softfloat", "arm-none-eabi-cortex-m4-softfloat", "baremetal", BARE, ("cortex-m4",)),
    RunTarget("cortex-m7", "arm-none-eabi-cortex-m7", "baremetal", BARE, ("cortex-m7",)),
]}
ALL_PACKAGES = tuple(dict.fromkeys(LINUX_A64 + LINUX_A32 + BARE))
FEATURE_MACROS = ("__ARM_NEON", "__ARM_FEATURE_DSP", "__ARM_FEATURE_SIMD32", "__ARM_FP", "__ARM_FEATURE_FMA",
                  "__ARM_FEATURE_DOTPROD")
# A core that an older QEMU does not model, and the models that implement at least its instructions, oldest first
# (QEMU 7.2 has no cortex-a55; its ARMv8.2-A + dot product is in the cortex-a76 model).
QEMU_CPU_STANDINS = {"cortex-a55": ("cortex-a76", "neoverse-n1")}


@functools.lru_cache(maxsize=None)
def qemu_cpus(qemu: str) -> Tuple[str, ...]:
    """The -cpu names this qemu binary accepts (empty when it cannot be asked)."""
    try:
        out = subprocess.run([qemu, "-cpu", "help"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(w for w in out.split() if re.fullmatch(r"[a-z][a-z0-9-]*", w))


def qemu_cpu_for(qemu: str, cpu: str) -> str:
    """``cpu`` if this qemu models it, else the first stand-in it models (``cpu`` when none is known)."""
    known = qemu_cpus(qemu)
    if not known or cpu in known:
        return cpu
    return next((c for c in QEMU_CPU_STANDINS.get(cpu, ()) if c in known), cpu)


def run_target(name: str) -> RunTarget:
    try:
        return RUN_TARGETS[name]
    except KeyError:
        raise GraphError(f"--target {name}: unknown run target (choose host, "
                         f"{', '.join(RUN_TARGETS)})") from None


def parse_toolchain(path: Path) -> Dict[str, str]:
    """The ``set(NNC_NAME "value")`` lines of a toolchain file (and of the files it includes)."""
    text = Path(path).read_text()
    vals: Dict[str, str] = {}
    for inc in re.findall(r"include\(\$\{CMAKE_CURRENT_LIST_DIR\}/([^)\s]+)\)", text):
        vals.update(parse_toolchain(Path(path).parent / inc))
    for k, v in re.findall(r'^\s*set\((NNC_\w+)\s+"([^"]*)"\)', text, re.M):
        vals[k] = v
    return vals


@dataclass
class TargetConfig:
    """Everything needed to build for and run on one target."""
    target: RunTarget
    cc: str
    cflags: List[str]
    ldflags: List[str]
    qemu: List[str]
    board: str = ""

    @property
    def prefix(self) -> str:
        return self.cc[:-3]

    def tool(self, name: str) -> str:
        return self.prefix + name


def target_config(target: str, codegen_target: str = "generic") -> TargetConfig:
    """Compiler, flags and emulator command for ``target``; a model compiled for one of the
    target's ``compile --target`` names adds that target's flags (and its core for qemu)."""
    from ..codegen.targets import TARGETS
    rt = run_target(target)
    tc = parse_toolchain(toolchains_dir() / f"{rt.toolchain}.cmake")
    cflags = tc["NNC_CPU_FLAGS"].split()
    qemu = tc["NNC_QEMU"].split()
    if codegen_target in rt.codegen_targets:
        cflags += list(TARGETS[codegen_target].flags)
        if rt.kind == "linux" and codegen_target.startswith("cortex-a"):
            qemu[qemu.index("-cpu") + 1] = codegen_target
    if "-cpu" in qemu:
        i = qemu.index("-cpu") + 1
        qemu[i] = qemu_cpu_for(qemu[0], qemu[i])
    cflags = list(dict.fromkeys(cflags))  # exact repeats only; a later -mcpu still overrides
    ldflags = tc.get("NNC_LINK_FLAGS", "").split()
    board = tc.get("NNC_BOARD", "")
    if rt.kind == "baremetal":
        tdir = targets_dir() / "cortex-m"
        cflags += ["-ffunction-sections", "-fdata-sections"]
        ldflags += ["-nostartfiles", f"-L{tdir}", "-T", f"{board}.ld", "-Wl,--gc-sections"]
    return TargetConfig(rt, tc["NNC_CROSS_PREFIX"] + "gcc", cflags, ldflags, qemu, board)


def missing_tools(target: str) -> List[str]:
    """Names of the tools ``target`` needs that are not installed (empty when all are there)."""
    cfg = target_config(target)
    missing = [t for t in (cfg.cc, cfg.qemu[0]) if shutil.which(t) is None]
    if not missing:
        lib = "rdimon.specs" if cfg.target.kind == "baremetal" else "libc.a"
        try:
            r = subprocess.run([cfg.cc, *cfg.cflags, f"-print-file-name={lib}"], capture_output=True, text=True,
                               timeout=30)
            if not os.path.isabs(r.stdout.strip()):
                missing.append(f"{lib} (the target's C library)")
        except (OSError, subprocess.SubprocessError):
            missing.append(f"{lib} (the target's C library)")
    return missing


def require_tools(target: str) -> TargetConfig:
    missing = missing_tools(target)
    if missing:
        pk = " ".join(run_target(target).packages)
        raise CrossToolMissing(f"--target {target}: {', '.join(missing)} not found; install the Debian packages "
                               f"with: apt-get install --no-install-recommends {pk}")
    return target_config(target)


# ---------------------------------------------------------------- build
@dataclass
class CrossBuild:
    """One executable for a target, with what it was built from."""
    target: str
    config: TargetConfig
    exe: Path
    command: List[str]
    features: Dict[str, bool] = field(default_factory=dict)
    simd_path: str = "portable"

    @property
    def kind(self) -> str:
        return self.config.target.kind

    def command_for(self, args: Sequence[str]) -> List[str]:
        """The emulator command line that runs the program with ``args`` (files relative to the cwd)."""
        if self.kind == "linux":
            return [*self.config.qemu, str(self.exe), *args]
        sh = ",".join(["enable=on", "target=native", "arg=nnc"] + [f"arg={a.replace(',', ',,')}" for a in args])
        return [*self.config.qemu, "-nographic", "-monitor", "none", "-semihosting-config", sh,
                "-kernel", str(self.exe)]

    def execute(self, args: Sequence[str], cwd: Path, timeout: float, extra_qemu: Sequence[str] = ()):
        cmd = self.command_for(args)
        cmd = cmd[:1] + list(extra_qemu) + cmd[1:]
        try:
            r = subprocess.run(cmd, cwd=str(cwd), capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CrossRunError(f"{self.target}: {Path(self.exe).name} did not finish within {timeout:.0f} s under "
                                f"{cmd[0]} (a bare-metal core stops on a fault or without semihosting)") from None
        return r


def _digest(paths: Sequence[Path], extra: Sequence[str]) -> str:
    h = hashlib.sha256()
    for p in sorted(set(Path(x) for x in paths)):
        h.update(str(p.name).encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    for e in extra:
        h.update(e.encode() + b"\0")
    return h.hexdigest()[:20]


def _cc_version(cc: str) -> str:
    try:
        return subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30).stdout.split("\n")[0]
    except (OSError, subprocess.SubprocessError):
        return cc


def compiler_features(cc: str, cflags: Sequence[str], include_dirs: Sequence[Path] = ()) -> Tuple[Dict[str, bool], str]:
    """Which feature macros the flags turn on, and the SIMD path nnc_simd.h selects with them."""
    probe = ["-dM", "-E", "-x", "c", "-"]
    inc = [f"-I{d}" for d in include_dirs]
    simd_h = next((Path(d) / "nnc_simd.h" for d in include_dirs if (Path(d) / "nnc_simd.h").exists()), None)
    src = '#include "nnc_simd.h"\n' if simd_h else ""
    r = subprocess.run([cc, *cflags, *inc, *probe], input=src, capture_output=True, text=True, timeout=60)
    macros = dict(re.findall(r"^#define (\S+) ?(.*)$", r.stdout, re.M))
    feats = {m: m in macros for m in FEATURE_MACROS}
    path = macros.get("NNC_SIMD_PATH", '"portable"').strip('"') if simd_h else "portable"
    return feats, path


def build_program(outdir, target: str, sources: Sequence[Path] = (), defines: Sequence[str] = (),
                  opt: str = "-O2", label: str = "main", extra_flags: Sequence[str] = (),
                  semihosted_main: bool = True) -> CrossBuild:
    """Cross-compile the model of ``outdir`` with ``sources`` (default: its main.c) for ``target``.

    Bare-metal builds add the startup code and semihosting primitives; with ``semihosted_main``
    also main(argc, argv) with newlib's stdio over semihosting (rdimon), otherwise the sources
    define nnc_bare_main() themselves and only the plain C library is linked.
    Builds are cached under the nncodegen cache by a hash of every input."""
    outdir = Path(outdir)
    m = read_manifest(outdir)
    srcs = [Path(s) for s in sources] or [outdir / "main.c"]
    srcs += [outdir / s for s in m["sources"]]
    return compile_for_target(target, srcs, [outdir, outdir / "runtime"], defines, opt, label, extra_flags,
                              semihosted_main, bool(m.get("needs_libm")), m.get("target", "generic"))


def compile_for_target(target: str, sources: Sequence[Path], include_dirs: Sequence[Path],
                       defines: Sequence[str] = (), opt: str = "-O2", label: str = "prog",
                       extra_flags: Sequence[str] = (), semihosted_main: bool = True, libm: bool = False,
                       codegen_target: str = "generic") -> CrossBuild:
    """Compile and link C ``sources`` into one program for ``target`` (see build_program)."""
    require_tools(target)
    cfg = target_config(target, codegen_target)
    inc = [Path(d).resolve() for d in include_dirs]
    srcs = [Path(s).resolve() for s in sources]
    tdir = targets_dir() / "cortex-m"
    if cfg.target.kind == "baremetal":
        inc.append(tdir)
        srcs += [tdir / "startup_cortexm.c", tdir / "semihost.c"]
        if semihosted_main:
            srcs.append(tdir / "semihost_main.c")
    flags = [opt, *STRICT_FLAGS, *cfg.cflags, *[f"-D{d}" for d in defines], *extra_flags]
    deps = list(srcs) + [p for d in inc for p in Path(d).glob("*") if p.is_file() and p.suffix in (".h", ".inc", ".ld")]
    key = _digest(deps, [cfg.cc, _cc_version(cfg.cc), *flags, *cfg.ldflags, label, str(semihosted_main), str(libm)])
    bdir = cache_root() / "cross" / f"{target}-{label}-{key}"
    exe = bdir / ("prog.elf" if cfg.target.kind == "baremetal" else "prog")
    ldflags = list(cfg.ldflags)
    if cfg.target.kind == "baremetal" and semihosted_main:
        ldflags.append("--specs=rdimon.specs")
    if cfg.target.kind == "baremetal" or libm:
        ldflags.append("-lm")
    if len({Path(x).stem for x in srcs}) != len(srcs):
        raise BuildError(f"two sources of the {target} build share a file name: {[Path(x).name for x in srcs]}")
    # objects keep their sources' names (the map file and -fstack-usage output name them)
    compile_cmd = [cfg.cc, *flags, *[f"-I{d}" for d in inc], "-c", *map(str, srcs)]
    objs = [f"{Path(x).stem}.o" for x in srcs]
    link_cmd = [cfg.cc, *flags, *objs, *ldflags, "-Wl,-Map=prog.map", "-o", exe.name]
    if not exe.exists():
        bdir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=bdir.name + ".", dir=str(bdir.parent)))
        for cmd in (compile_cmd, link_cmd):
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=str(tmp))
            if r.returncode != 0:
                shutil.rmtree(tmp, ignore_errors=True)
                raise BuildError(f"{cfg.cc} failed for target {target}:\n{r.stderr.strip()}")
        (tmp / "build.cmd").write_text(" ".join(compile_cmd) + "\n" + " ".join(link_cmd) + "\n")
        if bdir.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, bdir)
    cmd = compile_cmd + ["&&"] + link_cmd
    feats, path = compiler_features(cfg.cc, [*cfg.cflags, *[f"-D{d}" for d in defines], *extra_flags], inc)
    return CrossBuild(target, cfg, exe, cmd, feats, path)


# ---------------------------------------------------------------- run
def run_built(build: CrossBuild, outdir, xq: np.ndarray, timeout: Optional[float] = None) -> np.ndarray:
    """Run ``build`` (a main.c build) on raw inputs (N, ...); raw outputs (N, ...)."""
    m = read_manifest(outdir)
    in_t, out_t = NP_TYPES[m["ctype"]], NP_TYPES[m.get("out_ctype", m["ctype"])]
    in_shape, out_shape = m["input"]["shape"], m["output"]["shape"]
    xq = np.ascontiguousarray(np.asarray(xq), dtype=in_t)
    if xq.shape == tuple(in_shape[1:]):
        xq = xq[None]
    if tuple(xq.shape[1:]) != tuple(in_shape[1:]):
        raise GraphError(f"input: expected raw shape (N, {', '.join(map(str, in_shape[1:]))}), got {xq.shape}")
    n = len(xq)
    if n == 0:
        return np.zeros((0,) + tuple(out_shape[1:]), dtype=out_t)
    work = cache_root() / "cross" / "runs"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{build.target}.", dir=str(work)) as d:
        d = Path(d)
        (d / "in.bin").write_bytes(xq.tobytes())
        limit = timeout if timeout is not None else 120.0 + 0.5 * n
        r = build.execute(["in.bin", "out.bin", str(n)], d, limit)
        if r.returncode != 0:
            err = (r.stderr or b"").decode(errors="replace").strip()[-2000:]
            raise CrossRunError(f"{build.target}: the program exited with status {r.returncode}"
                                + (f":\n{err}" if err else ""))
        raw = (d / "out.bin").read_bytes() if (d / "out.bin").exists() else b""
    per = int(np.prod(out_shape[1:])) * np.dtype(out_t).itemsize
    if len(raw) != n * per:
        raise CrossRunError(f"{build.target}: expected {n * per} bytes of output, got {len(raw)}")
    return np.frombuffer(raw, dtype=out_t).reshape((n,) + tuple(out_shape[1:])).copy()


def run_on_target(outdir, xq: np.ndarray, target: str) -> np.ndarray:
    """Raw model outputs (N, ...) from the generated C run on ``target`` for raw inputs (N, ...)
    (integers for Q-format models, float32 for float ones)."""
    return run_built(build_program(outdir, target), outdir, xq)


def run_trace_on_target(outdir, xq_one: np.ndarray, target: str) -> List[np.ndarray]:
    """Every layer's raw output on ``target`` for one raw input (a -DNNC_TRACE build)."""
    m = read_manifest(outdir)
    src = render_driver("trace_main.c.j2", outdir)
    b = build_program(outdir, target, sources=[src], defines=["NNC_TRACE"], label="trace")
    in_t = NP_TYPES[m["ctype"]]
    xq = np.ascontiguousarray(np.asarray(xq_one), dtype=in_t).reshape(-1)
    work = cache_root() / "cross" / "runs"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{target}.trace.", dir=str(work)) as d:
        d = Path(d)
        (d / "in.bin").write_bytes(xq.tobytes())
        r = b.execute(["in.bin", "trace.bin"], d, 120.0)
        if r.returncode != 0:
            raise CrossRunError(f"{target}: the trace program exited with status {r.returncode}")
        raw = (d / "trace.bin").read_bytes()
    outs, pos = [], 0
    for layer in m["layers"]:
        nbytes = int(layer["bytes"])
        dt = NP_TYPES[layer.get("ctype", m["ctype"])]
        outs.append(np.frombuffer(raw[pos:pos + nbytes], dtype=dt).reshape(layer.get("stored_shape", layer["shape"])))
        pos += nbytes
    return outs


def render_driver(template: str, outdir, **extra) -> Path:
    """Render a driver template of templates_c/targets for the model in ``outdir``; returns the file."""
    import jinja2
    m = read_manifest(outdir)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(targets_dir())), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    text = env.get_template(template).render(name=m["name"], quant=m["quantized"], **extra)
    d = cache_root() / "cross" / "drivers"
    d.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    p = d / f"{m['name']}_{template.replace('.c.j2', '')}_{digest}.c"
    if not p.exists():
        tmp = p.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, p)
    return p
