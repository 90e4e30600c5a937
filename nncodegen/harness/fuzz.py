"""Fuzzing the importers: mutated model files must import or be refused in one line, never crash.

    python -m nncodegen.harness.fuzz --importer tflite --runs 100000 --seed 1 [--out DIR]

For each run a seed model (tests/fuzz/seeds/<importer>/) is mutated (nncodegen.harness.mutate,
seeded: a run is reproduced by --seed and its index) and handed to ``nncodegen.load`` in a worker
process; a model that imports is lowered, and one in eight is also generated into C.  Outcomes:

* ``accepted`` / ``refused`` (a ``GraphError`` with a one-line message): fine;
* ``traceback``: any other exception, or a multi-line message;
* ``oom``: an allocation past the worker's limit (2 GiB over its size at start, RLIMIT_AS);
* ``hang``: no answer within --timeout seconds (the worker is killed and restarted);
* ``crash``: the worker died (a signal, e.g. from a C extension).

Every failing input, and every input refused through a last-resort guard ("wrapped": an internal exception
caught and put in one line, i.e. a check that is missing), is written to --out (default
tests/fuzz/crashes/<importer>/) under the hash of its bytes, with the message; tests/test_fuzz.py replays that folder in the test suite and runs a short
deterministic campaign per importer.  The summary is printed as a table and written as JSON (--json).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import random
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Dict, List, Optional, Tuple

IMPORTERS = {"onnx": ".onnx", "qdq": ".onnx", "qonnx": ".onnx", "tflite": ".tflite"}
MEM_LIMIT = 2 << 30
FAIL = ("traceback", "oom", "hang", "crash")
# a refusal that is an internal exception caught by an importer's last-resort guard (one line, names the
# node, but no check saw it coming): counted apart, as a place where validation is missing
WRAPPED = re.compile(r"cannot import( at node .*)?: [A-Za-z]*(Error|Exception)\b")


def _signature(e: BaseException) -> str:
    """Exception type and the innermost nncodegen frame: one failure kind, however often it is hit."""
    where = "?"
    for fr in traceback.extract_tb(e.__traceback__):
        if "nncodegen" in fr.filename.replace("\\", "/"):
            where = f"{Path(fr.filename).name} {fr.name}()"
    return f"{type(e).__name__} in {where}"


def _worker(conn, kind: str) -> None:
    """Child loop: receive (bytes, generate?), answer (outcome, message)."""
    try:
        import resource
        with open("/proc/self/statm") as f:
            base = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (base + MEM_LIMIT, base + MEM_LIMIT))
    except (ImportError, OSError, ValueError):
        pass
    import warnings
    warnings.simplefilter("ignore")       # numpy's overflow warnings on mutated constants: noise here
    import nncodegen
    from nncodegen.ir.graph import GraphError
    from nncodegen.lower.lower import lower
    tmp = Path(tempfile.mkdtemp(prefix="nnc_fuzz_"))
    path = tmp / ("m" + IMPORTERS[kind])
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        data, gen = msg
        path.write_bytes(data)
        # messages name the worker's temporary file: keep only its name (they are stored in the repository)
        clean = lambda s: s.replace(str(path), path.name)
        try:
            g = nncodegen.load(path)
            lower(g)
            if gen:
                nncodegen.generate(g, tmp / "out", name="m")
            conn.send(("accepted", ""))
        except GraphError as e:
            text = str(e)
            if not text.strip() or "\n" in text.strip() or "Traceback" in text:
                conn.send(("traceback", f"multi-line or empty GraphError: {clean(text)[:500]!r}"))
            elif WRAPPED.search(text):
                conn.send(("wrapped", clean(text)[:300]))
            else:
                conn.send(("refused", clean(text)[:300]))
        except MemoryError as e:
            conn.send(("oom", _signature(e)))
        except RecursionError as e:
            conn.send(("traceback", _signature(e)))
        except Exception as e:  # noqa: BLE001 -- this is what the fuzzer looks for
            conn.send(("traceback", _signature(e) + ": " + clean(str(e).splitlines()[0])[:200] if str(e) else _signature(e)))


def _short(outcome: str, msg: str) -> str:
    if outcome == "traceback":
        return msg.split(": ")[0]
    if outcome == "wrapped":
        m = WRAPPED.search(msg)
        return re.sub(r"'[^']*'", "'…'", msg[m.start():])[:120]
    return msg


class _Runner:
    def __init__(self, kind: str, timeout: float):
        self.kind, self.timeout = kind, timeout
        self.ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.proc = None
        self._start()

    def _start(self):
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_worker, args=(child, self.kind), daemon=True)
        self.proc.start()
        child.close()

    def run(self, data: bytes, gen: bool) -> Tuple[str, str]:
        self.conn.send((data, gen))
        if not self.conn.poll(self.timeout):
            self.proc.kill()
            self.proc.join()
            self._start()
            return "hang", f"no answer within {self.timeout:g} s"
        try:
            return self.conn.recv()
        except EOFError:
            self.proc.join()
            code = self.proc.exitcode
            self._start()
            return "crash", f"worker died (exit code {code})"

    def close(self):
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()


def seeds_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "tests" / "fuzz" / "seeds"


def load_seeds(kind: str, folder: Optional[Path] = None) -> List[bytes]:
    d = (folder or seeds_dir()) / kind
    files = sorted(p for p in d.glob("*") if p.suffix in (".onnx", ".tflite"))
    if not files:
        raise SystemExit(f"fuzz: no seed models in {d}")
    return [p.read_bytes() for p in files]


def campaign(kind: str, runs: int, seed: int = 0, timeout: float = 20.0, out: Optional[Path] = None,
             seeds: Optional[List[bytes]] = None, progress: bool = True, gen_every: int = 8) -> Dict:
    """Run ``runs`` mutants of the seeds through the importer; returns the summary dict."""
    from .mutate import mutate
    seeds = seeds if seeds is not None else load_seeds(kind)
    r = random.Random(seed)
    counts = {k: 0 for k in ("accepted", "refused", "wrapped") + FAIL}
    failures: Dict[str, Dict] = {}
    runner = _Runner(kind, timeout)
    t0 = time.time()
    last = t0
    slowest = 0.0
    try:
        for i in range(runs):
            s = r.choice(seeds)
            data = mutate(r, s, "tflite" if kind == "tflite" else "onnx", seeds)
            t1 = time.time()
            outcome, msg = runner.run(data, gen=(i % gen_every == 0))
            slowest = max(slowest, time.time() - t1)
            counts[outcome] += 1
            if outcome in FAIL or outcome == "wrapped":
                sig = f"{outcome}: {_short(outcome, msg)}"
                h = hashlib.sha256(data).hexdigest()[:16]
                f = failures.setdefault(sig, {"count": 0, "example": h, "message": msg})
                f["count"] += 1
                if out is not None and f["count"] == 1:
                    out.mkdir(parents=True, exist_ok=True)
                    (out / f"{h}{IMPORTERS[kind]}").write_bytes(data)
                    (out / f"{h}.txt").write_text(f"{outcome}: {msg}\n")
            now = time.time()
            if progress and (now - last > 2 or i == runs - 1):
                last = now
                bad = sum(counts[k] for k in FAIL)
                print(f"\r{kind}: {i + 1}/{runs} runs, {(i + 1) / (now - t0):.0f}/s, "
                      f"{counts['accepted']} accepted, {counts['refused']} refused, {bad} failures",
                      end="", file=sys.stderr, flush=True)
    finally:
        runner.close()
        if progress:
            print(file=sys.stderr)
    return {"importer": kind, "runs": runs, "seed": seed, "seconds": round(time.time() - t0, 1),
            "slowest_seconds": round(slowest, 2), "counts": counts, "failures": failures}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m nncodegen.harness.fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--importer", action="append", choices=sorted(IMPORTERS),
                   help="importer to fuzz (repeatable; default: all)")
    p.add_argument("--runs", type=int, default=10000, help="mutants per importer")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds before a run counts as a hang")
    p.add_argument("--out", type=Path, default=None, help="folder for failing inputs (default tests/fuzz/crashes)")
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    results = []
    for kind in a.importer or sorted(IMPORTERS):
        out = (a.out or seeds_dir().parent / "crashes") / kind
        results.append(campaign(kind, a.runs, a.seed, a.timeout, out))
    print(f"{'importer':<8} {'runs':>8} {'accepted':>9} {'refused':>9} {'(wrapped)':>9} {'traceback':>9} {'oom':>4} "
          f"{'hang':>4} {'crash':>5} {'runs/s':>7}")
    for res in results:
        c = res["counts"]
        print(f"{res['importer']:<8} {res['runs']:>8} {c['accepted']:>9} {c['refused'] + c['wrapped']:>9} "
              f"{c['wrapped']:>9} {c['traceback']:>9} "
              f"{c['oom']:>4} {c['hang']:>4} {c['crash']:>5} {res['runs'] / max(res['seconds'], 1e-9):>7.0f}")
        for sig, f in sorted(res["failures"].items(), key=lambda kv: -kv[1]["count"]):
            print(f"  {f['count']:>6} x {sig}  (e.g. {f['example']})")
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    return 1 if any(sum(r["counts"][k] for k in FAIL) for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
