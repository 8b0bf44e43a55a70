"""Binary-decision metrics on 0/1 labels and scores: confusion counts at thresholds (TruePositives, ...) and
one operating point chosen under a constraint (SensitivityAtSpecificity, PrecisionAtRecall, ...).

Every element of `y_pred` is one decision against the matching label (labels are true where nonzero), as in
Keras; `class_id` picks one column of (N, C) outputs (or one class of integer labels against (N, C) scores).

The operating-point metrics are exact: they keep every score (on the host) and search all thresholds at
`result()`, like scikit-learn's `roc_curve` / `precision_recall_curve`, where Keras evaluates
`num_thresholds=200` evenly spaced thresholds in [0, 1] (that argument is accepted and ignored). The exact
value is the best over all thresholds, so it is at least Keras's on the same data, often equal, and it
works for any score range (logits too). A chest X-ray screen read "sensitivity at 95% specificity"
gets the number its ROC curve shows.
"""

from __future__ import annotations

import numpy as np

from .base import Metric, to_numpy


def _binary_inputs(name: str, y_true, y_pred, sample_weight, class_id: int | None):
    """Flat float64 scores, bool labels and weights from (N,), (N, 1), (N, C) or (N,) vs (N, C) inputs."""
    t, p = to_numpy(y_true), to_numpy(y_pred).astype(np.float64)
    if (p.ndim == t.ndim + 1 and p.shape[-1] > 1) or (p.ndim == t.ndim > 1 and t.shape[-1] == 1 < p.shape[-1]):
        if class_id is None:
            raise ValueError(f"{name}: integer labels against class scores {p.shape} need a class_id")
        t = t.reshape(p.shape[:-1]) == class_id
        p = p[..., class_id]
    else:
        if t.size != p.size:
            raise ValueError(f"{name}: labels of shape {t.shape} do not match predictions {p.shape}")
        t = t.reshape(p.shape) != 0
        if class_id is not None:
            t, p = t[..., class_id], p[..., class_id]
    if sample_weight is None:
        w = np.ones(p.shape)
    else:
        w = to_numpy(sample_weight).astype(np.float64)
        w = w.reshape(p.shape) if w.size == p.size else w.reshape((-1,) + (1,) * (p.ndim - 1))
        w = np.broadcast_to(w, p.shape)
    return t.reshape(-1), p.reshape(-1), w.reshape(-1)


class _ThresholdCount(Metric):
    """One confusion count per threshold: a float for one threshold, an array for a list."""

    counts_positive_predictions = True
    counts_positive_labels = True

    def __init__(self, thresholds=None, name: str | None = None):
        super().__init__(name)
        self.single = thresholds is None or np.ndim(thresholds) == 0
        self.thresholds = np.atleast_1d(np.asarray(0.5 if thresholds is None else thresholds, dtype=np.float64))
        self.reset_state()

    def reset_state(self) -> None:
        self.accumulator = np.zeros(len(self.thresholds))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        t, p, w = _binary_inputs(self.name, y_true, y_pred, sample_weight, None)
        predicted = p[None, :] > self.thresholds[:, None]  # Keras: positive when the score is above
        if not self.counts_positive_predictions:
            predicted = ~predicted
        labels = t if self.counts_positive_labels else ~t
        self.accumulator += (predicted & labels[None, :]) @ w

    def result(self):
        return float(self.accumulator[0]) if self.single else self.accumulator.copy()


class TruePositives(_ThresholdCount):
    """The (weighted) number of positive labels whose score is above `thresholds` (0.5 by default)."""


class FalsePositives(_ThresholdCount):
    """The (weighted) number of negative labels whose score is above `thresholds`."""

    counts_positive_labels = False


class TrueNegatives(_ThresholdCount):
    """The (weighted) number of negative labels whose score is not above `thresholds`."""

    counts_positive_predictions = False
    counts_positive_labels = False


class FalseNegatives(_ThresholdCount):
    """The (weighted) number of positive labels whose score is not above `thresholds`."""

    counts_positive_predictions = False


def operating_points(labels: np.ndarray, scores: np.ndarray, weights: np.ndarray):
    """Weighted (tp, fp, positives, negatives) for every distinct threshold, from 'nothing positive' down to
    'everything positive' (an element is predicted positive when its score is >= the threshold)."""
    order = np.argsort(-scores, kind="mergesort")
    scores, labels, weights = scores[order], labels[order], weights[order]
    last = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]  # last index of each distinct score
    tp = np.r_[0.0, np.cumsum(weights * labels)[last]]
    fp = np.r_[0.0, np.cumsum(weights * ~labels)[last]]
    return tp, fp, float(np.sum(weights * labels)), float(np.sum(weights * ~labels))


def _div(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.broadcast_to(np.asarray(b, dtype=np.float64), np.shape(a))
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


class _OperatingPoint(Metric):
    """The largest `dependent` rate over thresholds where the `constrained` rate is >= `value` (0 if none)."""

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None, name: str | None = None):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{type(self).__name__}: the target must be in [0, 1], got {value!r}")
        super().__init__(name)
        self.value, self.num_thresholds, self.class_id = float(value), num_thresholds, class_id
        self.reset_state()

    def reset_state(self) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        self._parts.append(_binary_inputs(self.name, y_true, y_pred, sample_weight, self.class_id))

    def _rates(self, tp, fp, positives, negatives) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def result(self) -> float:
        if not self._parts:
            return 0.0
        labels, scores, weights = (np.concatenate(part) for part in zip(*self._parts))
        constrained, dependent = self._rates(*operating_points(labels, scores, weights))
        feasible = constrained >= self.value
        return float(dependent[feasible].max()) if feasible.any() else 0.0


class SensitivityAtSpecificity(_OperatingPoint):
    """The best sensitivity (recall, tp / (tp + fn)) among thresholds with specificity >= `specificity`."""

    def __init__(self, specificity: float, num_thresholds: int = 200, class_id=None, name=None):
        super().__init__(specificity, num_thresholds, class_id, name)
        self.specificity = specificity

    def _rates(self, tp, fp, positives, negatives):
        return _div(negatives - fp, negatives), _div(tp, positives)


class SpecificityAtSensitivity(_OperatingPoint):
    """The best specificity (tn / (tn + fp)) among thresholds with sensitivity >= `sensitivity`."""

    def __init__(self, sensitivity: float, num_thresholds: int = 200, class_id=None, name=None):
        super().__init__(sensitivity, num_thresholds, class_id, name)
        self.sensitivity = sensitivity

    def _rates(self, tp, fp, positives, negatives):
        return _div(tp, positives), _div(negatives - fp, negatives)


class PrecisionAtRecall(_OperatingPoint):
    """The best precision (tp / (tp + fp)) among thresholds with recall >= `recall`."""

    def __init__(self, recall: float, num_thresholds: int = 200, class_id=None, name=None):
        super().__init__(recall, num_thresholds, class_id, name)
        self.recall = recall

    def _rates(self, tp, fp, positives, negatives):
        return _div(tp, positives), _div(tp, tp + fp)


class RecallAtPrecision(_OperatingPoint):
    """The best recall among thresholds with precision >= `precision`."""

    def __init__(self, precision: float, num_thresholds: int = 200, class_id=None, name=None):
        super().__init__(precision, num_thresholds, class_id, name)
        self.precision = precision

    def _rates(self, tp, fp, positives, negatives):
        return _div(tp, tp + fp), _div(tp, positives)
