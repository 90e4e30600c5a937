import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# keep compiled test builds inside the checkout's ignored build dir unless told otherwise
os.environ.setdefault("NNCODEGEN_CACHE", str(ROOT / "build" / "cache"))

EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples_dir():
    return EXAMPLES


def missing_tool(reason: str):
    """Skip a test whose tool is missing on a developer's machine; on CI (CI=true, where .ci/run installs
    gcc, clang and the rest) a missing tool is a failure, not a silent skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)
