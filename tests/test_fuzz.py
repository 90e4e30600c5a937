"""The importers against mutated model files (nncodegen.harness.fuzz): import or a one-line refusal,
never a traceback, a hang or an allocation past 2 GiB.

* every input a fuzzing run ever found failing (tests/fuzz/crashes/<importer>/) is replayed;
* a short seeded campaign per importer (a few hundred to a few thousand mutants) runs in the suite;
  the long runs are `python -m nncodegen.harness.fuzz --runs 100000` (README, "Hostile model files").
"""
from pathlib import Path

import pytest

from nncodegen.harness.fuzz import FAIL, IMPORTERS, _Runner, campaign

CRASHES = Path(__file__).resolve().parent / "fuzz" / "crashes"
# mutants per importer: about 10-15 s each on the 2-core CI machine
RUNS = {"onnx": 500, "qdq": 600, "qonnx": 400, "tflite": 1500}


def _regressions():
    return sorted((p.parent.name, p) for p in CRASHES.glob("*/*") if p.suffix in (".onnx", ".tflite"))


@pytest.fixture(scope="module")
def runners():
    rs = {}
    yield rs
    for r in rs.values():
        r.close()


@pytest.mark.parametrize("kind,path", _regressions(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_found_inputs_are_refused_cleanly(runners, kind, path):
    """Each input that once crashed an importer, or was refused only by a last-resort guard (kept with its
    message in a .txt beside it), is now imported or refused with one line by a check of its own."""
    r = runners.setdefault(kind, _Runner(kind, timeout=60))
    outcome, msg = r.run(path.read_bytes(), gen=True)
    assert outcome not in FAIL and outcome != "wrapped", f"{path.name} (was: {path.with_suffix('.txt').read_text().strip()}): {outcome}: {msg}"


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_short_fuzz_campaign(kind):
    res = campaign(kind, RUNS[kind], seed=1, timeout=60, out=None, progress=False)
    c = res["counts"]
    assert sum(c[k] for k in FAIL) == 0, f"{kind}: {c}; {res['failures']}"
    # the campaign reaches past the parsers: some mutants import, most are refused
    assert c["accepted"] > 0 and c["refused"] > 0, c
