"""Accuracy family: binary, categorical (one-hot), sparse (integer labels), top-k, and exact match.

Per-sample scores are computed on the arrays' own device (NumPy or CuPy); only sums leave it.
The class axis is the last one (Keras, and PyTorch's (N, C) logits); for (N, C, H, W) scores against
(N, H, W) labels (PyTorch segmentation) it is found from the shapes.
"""

from __future__ import annotations

from ...backend import get_array_module
from .base import MeanMetricWrapper


def class_axis(y_true, y_pred) -> int:
    """The axis of `y_pred` that holds class scores, given integer labels `y_true` of one rank less."""
    if y_pred.shape[:-1] == tuple(y_true.shape):
        return y_pred.ndim - 1
    if y_pred.ndim > 2 and (y_pred.shape[0],) + y_pred.shape[2:] == tuple(y_true.shape):
        return 1
    raise ValueError(f"labels of shape {tuple(y_true.shape)} do not match class scores of shape {y_pred.shape}")


def _per_sample(values):
    """Mean over every axis but the first: one score per sample."""
    return values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim > 1 else values


def _sparse_labels(y_true, y_pred):
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    return y_true


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """Per-sample fraction of `y_pred > threshold` that equal the 0/1 labels."""
    xp = get_array_module(y_pred)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return _per_sample((y_pred > threshold) == (y_true > 0.5)).astype(xp.float32)


def categorical_accuracy(y_true, y_pred):
    """1 where argmax of the scores equals argmax of the one-hot labels."""
    xp = get_array_module(y_pred)
    return _per_sample(xp.argmax(y_pred, axis=-1) == xp.argmax(y_true, axis=-1)).astype(xp.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where argmax of the scores equals the integer label."""
    xp = get_array_module(y_pred)
    y_true = _sparse_labels(y_true, y_pred)
    predicted = xp.argmax(y_pred, axis=class_axis(y_true, y_pred))
    return _per_sample(predicted == y_true.astype(predicted.dtype)).astype(xp.float32)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1 where the integer label is among the `k` highest scores (ties count in its favour)."""
    xp = get_array_module(y_pred)
    y_true = _sparse_labels(y_true, y_pred).astype(xp.int64)
    if y_pred.ndim != 2:
        raise ValueError(f"top-k accuracy needs (N, C) scores, got {y_pred.shape}")
    true_score = xp.take_along_axis(y_pred, y_true.reshape(-1, 1), axis=1)
    rank = (y_pred > true_score).sum(axis=1)
    return (rank < k).astype(xp.float32)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """Top-k accuracy with one-hot labels."""
    xp = get_array_module(y_pred)
    return sparse_top_k_categorical_accuracy(xp.argmax(y_true, axis=-1), y_pred, k)


def exact_accuracy(y_true, y_pred):
    """1 where prediction equals label exactly (Keras's generic `Accuracy`)."""
    xp = get_array_module(y_pred)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return _per_sample(y_true == y_pred).astype(xp.float32)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name: str = "accuracy"):
        super().__init__(exact_accuracy, name)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches 0/1 labels (sigmoid outputs)."""

    def __init__(self, name: str = "binary_accuracy", threshold: float = 0.5):
        self.threshold = threshold
        super().__init__(lambda t, p: binary_accuracy(t, p, threshold), name)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax of the scores matches argmax of one-hot labels."""

    def __init__(self, name: str = "categorical_accuracy"):
        super().__init__(categorical_accuracy, name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax of the scores matches integer labels."""

    def __init__(self, name: str = "sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the `k` highest scores."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy"):
        self.k = k
        super().__init__(lambda t, p: top_k_categorical_accuracy(t, p, k), name)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` highest scores."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy"):
        self.k = k
        super().__init__(lambda t, p: sparse_top_k_categorical_accuracy(t, p, k), name)
