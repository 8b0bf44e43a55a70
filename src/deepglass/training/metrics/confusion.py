"""Metrics read off a streaming confusion matrix: ConfusionMatrix, Precision, Recall, F1Score, FBetaScore.

Inputs are understood like Keras and scikit-learn:
- scores with one more axis than integer labels, (N, C) vs (N,): multi-class, prediction = argmax;
- floats of the same shape as 0/1 labels (sigmoid outputs): binary, prediction = score > threshold,
  every element one decision (so multi-label outputs are pooled, as Keras does);
- integers of the same shape: the predicted classes themselves.
Rows of the matrix are true classes, columns predicted classes (scikit-learn's convention).
"""

from __future__ import annotations

import numpy as np

from .accuracy import class_axis
from .base import Metric, to_numpy

_AVERAGES = (None, "binary", "macro", "micro", "weighted")


class ConfusionMatrix(Metric):
    """Counts of (true class, predicted class) pairs over all batches; `result()` is the matrix.

    `num_classes` fixes its size; without it the matrix grows as new classes appear.
    """

    def __init__(self, num_classes: int | None = None, threshold: float = 0.5, name: str = "confusion_matrix"):
        super().__init__(name)
        self.num_classes, self.threshold = num_classes, threshold
        self.reset_state()

    def reset_state(self) -> None:
        n = self.num_classes or 0
        self.matrix = np.zeros((n, n), dtype=np.float64)
        self.binary = None  # set on the first update: thresholded scores or class labels

    def _labels(self, y_true, y_pred) -> tuple[np.ndarray, np.ndarray, bool]:
        y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
        if y_true.ndim == y_pred.ndim and y_true.ndim > 1 and y_true.shape[-1] == 1 and y_pred.shape[-1] != 1:
            y_true = y_true.reshape(y_true.shape[:-1])
        if y_pred.ndim == y_true.ndim + 1:
            return y_true.astype(np.int64), np.argmax(y_pred, axis=class_axis(y_true, y_pred)), False
        if y_pred.size != y_true.size:
            raise ValueError(f"{self.name}: labels of shape {y_true.shape} do not match predictions {y_pred.shape}")
        y_true = y_true.reshape(y_pred.shape)
        if y_pred.dtype.kind == "f":
            return (y_true > 0.5).astype(np.int64), (y_pred > self.threshold).astype(np.int64), True
        return y_true.astype(np.int64), y_pred.astype(np.int64), False

    def _keep(self, t: np.ndarray) -> np.ndarray | None:
        """Which (flattened) elements to count; None: all. Subclasses drop an ignored class here."""
        return None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        t, p, binary = self._labels(y_true, y_pred)
        self.binary = binary if self.binary is None else self.binary
        weight = None
        if sample_weight is not None:
            w = to_numpy(sample_weight).astype(np.float64)
            w = w.reshape(t.shape) if w.size == t.size else w.reshape((-1,) + (1,) * (t.ndim - 1))
            weight = np.broadcast_to(w, t.shape).reshape(-1)
        t, p = t.reshape(-1), p.reshape(-1)
        keep = self._keep(t)
        if keep is not None:
            t, p, weight = t[keep], p[keep], None if weight is None else weight[keep]
        n = max(self.matrix.shape[0], 2 if binary else 0, int(t.max(initial=-1)) + 1, int(p.max(initial=-1)) + 1)
        if self.num_classes is not None and n > self.num_classes:
            raise ValueError(f"{self.name}: class {n - 1} seen but num_classes={self.num_classes}")
        if n > self.matrix.shape[0]:
            grown = np.zeros((n, n))
            grown[: self.matrix.shape[0], : self.matrix.shape[0]] = self.matrix
            self.matrix = grown
        self.matrix += np.bincount(t * n + p, weights=weight, minlength=n * n).reshape(n, n)

    def result(self) -> np.ndarray:
        return self.matrix.copy()

    # per-class counts used by the subclasses
    def _counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tp = np.diag(self.matrix)
        return tp, self.matrix.sum(axis=0), self.matrix.sum(axis=1)  # tp, predicted, actual


class _ClassScore(ConfusionMatrix):
    """A per-class score averaged like scikit-learn: binary (class 1), macro, micro or weighted."""

    def __init__(
        self,
        thresholds: float = 0.5,
        class_id: int | None = None,
        average: str | None = None,
        num_classes: int | None = None,
        name: str | None = None,
    ):
        if average not in _AVERAGES:
            raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
        self.class_id, self.average = class_id, average
        super().__init__(num_classes, thresholds, name or self.default_name)

    default_name = ""

    @staticmethod
    def _score(tp, predicted, actual) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def result(self) -> float:
        tp, predicted, actual = self._counts()
        if tp.size == 0:
            return 0.0
        if self.class_id is not None:
            return float(self._score(tp, predicted, actual)[self.class_id]) if self.class_id < tp.size else 0.0
        average = self.average or ("binary" if self.binary else "macro")
        if average == "binary":
            return float(self._score(tp, predicted, actual)[1]) if tp.size > 1 else 0.0
        if average == "micro":
            return float(self._score(tp.sum(keepdims=True), predicted.sum(keepdims=True), actual.sum(keepdims=True))[0])
        present = (predicted + actual) > 0
        scores = self._score(tp, predicted, actual)[present]
        if average == "weighted":
            return float(np.sum(scores * actual[present]) / max(actual.sum(), 1e-300))
        return float(scores.mean()) if scores.size else 0.0


def _ratio(a, b) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b > 0)


class Precision(_ClassScore):
    """tp / (tp + fp): of the predicted positives, how many are right. Binary by default for sigmoid
    outputs; for class scores `average='macro'` (default), 'micro', 'weighted', or one `class_id`."""

    default_name = "precision"

    @staticmethod
    def _score(tp, predicted, actual):
        return _ratio(tp, predicted)


class Recall(_ClassScore):
    """tp / (tp + fn): of the true positives, how many were found (same averaging as Precision)."""

    default_name = "recall"

    @staticmethod
    def _score(tp, predicted, actual):
        return _ratio(tp, actual)


class F1Score(_ClassScore):
    """2·precision·recall / (precision + recall) = 2tp / (2tp + fp + fn), per class then averaged."""

    default_name = "f1_score"

    @staticmethod
    def _score(tp, predicted, actual):
        return _ratio(2 * tp, predicted + actual)


class FBetaScore(_ClassScore):
    """(1 + β²)·precision·recall / (β²·precision + recall) = (1 + β²)tp / ((1 + β²)tp + β²fn + fp), per class
    then averaged like Precision/Recall; β > 1 weighs recall more (β = 2: missing a positive costs more).

    Keras's argument order (average, beta, threshold). Inputs as for `ConfusionMatrix`: sigmoid scores are
    one binary decision per element (`threshold`, 0.5 by default), pooled over all elements, which is
    Keras's `average='micro'` for multi-label outputs (Keras's per-class vector, `average=None`, is this
    metric on each column); class scores (N, C) against integer labels use argmax.
    """

    default_name = "fbeta_score"

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float = 0.5,
        class_id: int | None = None,
        num_classes: int | None = None,
        name: str | None = None,
    ):
        if not beta > 0:
            raise ValueError(f"beta must be > 0, got {beta!r}")
        self.beta = float(beta)
        super().__init__(threshold, class_id, average, num_classes, name)

    def _score(self, tp, predicted, actual):
        b2 = self.beta**2
        return _ratio((1 + b2) * tp, predicted + b2 * actual)
