"""Agreement figures between a model's outputs and a reference."""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np


def compare(y: np.ndarray, ref: np.ndarray) -> Dict[str, float]:
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    ref = np.asarray(ref, dtype=np.float64).reshape(len(ref), -1)
    d = y - ref
    denom = np.linalg.norm(y) * np.linalg.norm(ref)
    return {
        "max_abs_err": float(np.max(np.abs(d))) if d.size else 0.0,
        "rmse": float(np.sqrt(np.mean(d ** 2))) if d.size else 0.0,
        "cosine": float(np.sum(y * ref) / denom) if denom > 0 else (1.0 if not d.any() else 0.0),
        "top1_agreement": float(np.mean(np.argmax(y, axis=1) == np.argmax(ref, axis=1))) if y.shape[1] > 1 else 1.0,
    }


def accuracy(y: np.ndarray, labels: Optional[np.ndarray]) -> Optional[float]:
    if labels is None:
        return None
    y = np.asarray(y).reshape(len(y), -1)
    return float(np.mean(np.argmax(y, axis=1) == np.asarray(labels).reshape(-1)))


def index_agreement(y: np.ndarray, ref: np.ndarray) -> Dict[str, Optional[float]]:
    """Index outputs (argmax / TopK): the fraction of equal labels; the float metrics are None (meaningless)."""
    y = np.asarray(y).reshape(len(y), -1)
    ref = np.asarray(ref).reshape(len(ref), -1)
    a = float(np.mean(np.all(y == ref, axis=1))) if len(y) else 1.0
    return {"max_abs_err": None, "rmse": None, "cosine": None, "top1_agreement": a, "label_agreement": a}


def index_accuracy(y: np.ndarray, labels: Optional[np.ndarray]) -> Optional[float]:
    if labels is None:
        return None
    return float(np.mean(np.asarray(y).reshape(len(y)) == np.asarray(labels).reshape(-1)))
