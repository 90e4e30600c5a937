"""Small helpers shared by every front end (ONNX, QDQ, QONNX, TFLite)."""
from __future__ import annotations


def one_line(e: BaseException) -> str:
    msg = str(e).strip() or type(e).__name__
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    msg = lines[0] if lines else type(e).__name__
    if len(lines) > 1 and len(msg) < 40:
        msg = " ".join(lines[:3])
    return msg[:300]



def fmt_list(v) -> str:
    return "[" + ", ".join(str(x) for x in v) + "]" if isinstance(v, (list, tuple)) else repr(v)


class FreshNames:
    """Fresh value names for a rewritten ONNX graph: ``{base}__{TAG}{k}`` with a counter k, skipping names in
    ``self.names`` (the graph's values; each new name is added).  A subclass sets ``names`` and ``k = 0``."""
    TAG = "q"
    names: set
    k: int

    def fresh(self, base: str) -> str:
        while True:
            self.k += 1
            n = f"{base}__{self.TAG}{self.k}"
            if n not in self.names:
                self.names.add(n)
                return n
