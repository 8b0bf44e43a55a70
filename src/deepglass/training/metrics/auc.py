"""Area under the ROC curve (or the precision-recall curve), computed exactly over all batches.

Scores and labels are kept (one float each, on the host) and the area is computed at `result()`:
exact like scikit-learn's `roc_auc_score` / `average_precision_score`, ties included, instead of
Keras's 200-threshold approximation.
"""

from __future__ import annotations

import numpy as np

from .base import Metric, to_numpy


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """P(score of a random positive > score of a random negative), ties counting one half."""
    labels = labels.astype(bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return 0.0
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # average rank of each group of tied scores
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(scores)]
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Σ (Rₙ − Rₙ₋₁)·Pₙ over decreasing score thresholds (the PR-curve area scikit-learn reports)."""
    labels = labels.astype(bool)
    if labels.sum() == 0:
        return 0.0
    order = np.argsort(-scores, kind="mergesort")
    scores, labels = scores[order], labels[order]
    last = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]  # last index of each distinct threshold
    tps = np.cumsum(labels)[last]
    precision = tps / (last + 1)
    recall = tps / labels.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


class AUC(Metric):
    """ROC AUC (`curve='ROC'`) or average precision (`curve='PR'`) of 0/1 labels vs. scores.

    Binary: (N,) or (N, 1) scores. Same-shape (N, C) labels and scores are flattened (Keras's default).
    Integer labels (N,) against (N, C) scores: one-vs-rest, macro-averaged over classes.
    """

    def __init__(self, curve: str = "ROC", name: str = "auc"):
        super().__init__(name)
        if curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"AUC curve must be 'ROC' or 'PR', got {curve!r}")
        self.curve = curve.upper()
        self.reset_state()

    def reset_state(self) -> None:
        self._labels: list[np.ndarray] = []
        self._scores: list[np.ndarray] = []

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if sample_weight is not None:
            raise NotImplementedError("AUC does not support sample_weight")
        y_true, y_pred = to_numpy(y_true), to_numpy(y_pred).astype(np.float64)
        if y_pred.ndim == 2 and y_pred.shape[1] > 1 and y_true.size == y_pred.shape[0]:
            y_true = np.eye(y_pred.shape[1])[y_true.reshape(-1).astype(np.int64)]
        elif y_true.size != y_pred.size:
            raise ValueError(f"{self.name}: labels of shape {y_true.shape} do not match scores {y_pred.shape}")
        else:
            y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        self._labels.append(y_true)
        self._scores.append(y_pred)

    def result(self) -> float:
        if not self._labels:
            return 0.0
        labels, scores = np.concatenate(self._labels), np.concatenate(self._scores)
        area = roc_auc if self.curve == "ROC" else average_precision
        if labels.ndim == 2:
            return float(np.mean([area(labels[:, c], scores[:, c]) for c in range(labels.shape[1])]))
        return area(labels, scores)
