"""Classification summaries for plots and reports: confusion matrix and ROC curve (NumPy only)."""

from __future__ import annotations

import numpy as np


def _labels(y, name: str) -> np.ndarray:
    array = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    if array.ndim == 2 and array.shape[1] > 1:  # scores or one-hot: take the arg-max
        array = array.argmax(axis=1)
    return array.reshape(-1).astype(np.int64) if array.ndim <= 2 else _bad(name, array)


def _bad(name, array):
    raise ValueError(f"{name}: expected labels (N,) or scores (N, classes), got shape {array.shape}")


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """(classes, classes) counts: row = true class, column = predicted class. `y_pred` may be scores."""
    t, p = _labels(y_true, "confusion_matrix y_true"), _labels(y_pred, "confusion_matrix y_pred")
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: {t.shape[0]} true labels but {p.shape[0]} predictions")
    n = num_classes or int(max(t.max(initial=0), p.max(initial=0)) + 1)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (t, p), 1)
    return matrix


def roc_curve(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate, thresholds) of a binary score, highest threshold first."""
    t = np.asarray(y_true.numpy() if hasattr(y_true, "numpy") else y_true).reshape(-1).astype(bool)
    s = np.asarray(scores.numpy() if hasattr(scores, "numpy") else scores, dtype=np.float64).reshape(-1)
    if t.shape != s.shape:
        raise ValueError(f"roc_curve: {t.size} labels but {s.size} scores")
    if t.all() or not t.any():
        raise ValueError("roc_curve: needs both positive and negative examples")
    order = np.argsort(-s, kind="mergesort")
    s, t = s[order], t[order]
    distinct = np.r_[np.nonzero(np.diff(s))[0], s.size - 1]  # last index of each distinct score
    tps = np.cumsum(t)[distinct]
    fps = (distinct + 1) - tps
    tpr = np.r_[0.0, tps / t.sum()]
    fpr = np.r_[0.0, fps / (~t).sum()]
    return fpr, tpr, np.r_[np.inf, s[distinct]]


def auc(fpr, tpr) -> float:
    """Area under a curve by the trapezoid rule (the ROC AUC for `roc_curve`'s output)."""
    fpr, tpr = np.asarray(fpr, dtype=np.float64), np.asarray(tpr, dtype=np.float64)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
