"""Regression metrics: mean squared / absolute error (Keras 'mse', 'mae'), its root, cosine similarity, R²."""

from __future__ import annotations

import math

import numpy as np

from ...backend import get_array_module
from .accuracy import _per_sample
from .base import MeanMetricWrapper, Metric, to_numpy


def _aligned(y_true, y_pred):
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return y_true.astype(y_pred.dtype)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of (y_pred − y_true)²."""

    def __init__(self, name: str = "mean_squared_error"):
        super().__init__(lambda t, p: _per_sample((p - _aligned(t, p)) ** 2), name)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of |y_pred − y_true|."""

    def __init__(self, name: str = "mean_absolute_error"):
        super().__init__(lambda t, p: _per_sample(abs(p - _aligned(t, p))), name)


class RootMeanSquaredError(MeanSquaredError):
    """√(mean of (y_pred − y_true)²) over everything seen (the root of the running mean, not a mean of roots)."""

    def __init__(self, name: str = "root_mean_squared_error"):
        super().__init__(name)

    def result(self) -> float:
        return math.sqrt(super().result())


def cosine_similarity(y_true, y_pred, axis: int = -1):
    """Σ y/‖y‖ · ŷ/‖ŷ‖ over `axis` (0 where either vector is zero)."""
    xp = get_array_module(y_pred)
    y_pred = y_pred.astype(xp.float64) if y_pred.dtype.kind != "f" else y_pred
    y_true = _aligned(y_true, y_pred)

    def unit(x):
        return x / xp.sqrt(xp.maximum((x * x).sum(axis=axis, keepdims=True), 1e-12))

    return (unit(y_true) * unit(y_pred)).sum(axis=axis)


class CosineSimilarity(MeanMetricWrapper):
    """The mean over samples of the cosine similarity of labels and predictions along `axis`."""

    def __init__(self, name: str = "cosine_similarity", axis: int = -1):
        self.axis = axis
        super().__init__(lambda t, p: _per_sample(cosine_similarity(t, p, axis)), name)


class R2Score(Metric):
    """Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)² per output column (the last axis), over all
    batches, with sample weights; `class_aggregation` None (one per output), 'uniform_average' or
    'variance_weighted_average' (scikit-learn's 'raw_values' / 'uniform_average' / 'variance_weighted');
    `num_regressors` p > 0 gives the adjusted R², 1 − (1 − R²)(n − 1)/(n − p − 1), n the samples seen.
    A constant target scores 1 if predicted exactly, else 0 (scikit-learn's convention)."""

    _AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(self, class_aggregation: str | None = "uniform_average", num_regressors: int = 0,
                 name: str = "r2_score"):  # fmt: skip
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError(f"class_aggregation must be one of {self._AGGREGATIONS}, got {class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"num_regressors must be >= 0, got {num_regressors!r}")
        super().__init__(name)
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.reset_state()

    def reset_state(self) -> None:
        self.sum = self.squared_sum = self.residual = self.count = None
        self.num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        p = to_numpy(y_pred).astype(np.float64)
        p = p.reshape(-1, 1) if p.ndim == 1 else p.reshape(p.shape[0], -1) if p.ndim > 2 else p
        t = to_numpy(y_true).astype(np.float64)
        if t.size != p.size:
            raise ValueError(f"{self.name}: labels of shape {t.shape} do not match predictions {p.shape}")
        t = t.reshape(p.shape)
        w = np.ones(p.shape) if sample_weight is None else to_numpy(sample_weight).astype(np.float64)
        w = np.broadcast_to(w.reshape(p.shape) if w.size == p.size else w.reshape(-1, 1), p.shape)
        if self.sum is None:
            self.sum, self.squared_sum, self.residual, self.count = (np.zeros(p.shape[1]) for _ in range(4))
        elif p.shape[1] != self.sum.size:
            raise ValueError(f"{self.name}: {p.shape[1]} outputs after {self.sum.size} in earlier batches")
        self.sum += (w * t).sum(axis=0)
        self.squared_sum += (w * t * t).sum(axis=0)
        self.residual += (w * (t - p) ** 2).sum(axis=0)
        self.count += w.sum(axis=0)
        self.num_samples += p.shape[0]

    def result(self):
        if self.sum is None:
            return 0.0
        total = self.squared_sum - self.sum * np.divide(self.sum, self.count, out=np.zeros_like(self.sum),
                                                        where=self.count > 0)  # fmt: skip
        total = np.maximum(total, 0.0)
        constant = total <= 1e-12 * np.maximum(self.squared_sum, 1e-300)
        explained = 1.0 - self.residual / np.where(constant, 1.0, total)
        raw = np.where(constant, np.where(self.residual <= 0, 1.0, 0.0), explained)
        if self.class_aggregation is None:
            score = raw
        elif self.class_aggregation == "variance_weighted_average" and total.sum() > 0:
            score = float(np.sum(total * raw) / total.sum())
        else:
            score = float(raw.mean())
        n, p = self.num_samples, self.num_regressors
        if p and n - p - 1 > 0:
            score = 1.0 - (1.0 - score) * (n - 1) / (n - p - 1)
        return score if self.class_aggregation is not None else np.asarray(score)
