"""Regression metrics: mean squared / absolute error (Keras 'mse', 'mae')."""

from __future__ import annotations

from .accuracy import _per_sample
from .base import MeanMetricWrapper


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
