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
