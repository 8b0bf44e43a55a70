"""Metric names → metric objects, choosing the accuracy that matches the loss like Keras does."""

from __future__ import annotations

from .accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    class_axis,
    sparse_categorical_accuracy,
)
from .auc import AUC
from .base import MeanMetricWrapper, Metric, _snake
from .confusion import F1Score, FBetaScore, Precision, Recall
from .regression import CosineSimilarity, MeanAbsoluteError, MeanSquaredError, R2Score, RootMeanSquaredError
from .segmentation import BinaryIoU, Dice, MeanIoU
from .thresholds import FalseNegatives, FalsePositives, TrueNegatives, TruePositives

_BY_NAME = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "precision": Precision,
    "recall": Recall,
    "f1_score": F1Score,
    "auc": AUC,
    "mean_iou": MeanIoU,
    "dice": Dice,
    "mean_squared_error": MeanSquaredError,
    "mse": lambda: MeanSquaredError(name="mse"),
    "mean_absolute_error": MeanAbsoluteError,
    "mae": lambda: MeanAbsoluteError(name="mae"),
    "fbeta_score": FBetaScore,
    "root_mean_squared_error": RootMeanSquaredError,
    "binary_iou": BinaryIoU,
    "binary_io_u": BinaryIoU,  # Keras's snake_case of the class name
    "true_positives": TruePositives,
    "false_positives": FalsePositives,
    "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives,
    "cosine_similarity": CosineSimilarity,
    "r2_score": R2Score,
}


def auto_accuracy(y_true, y_pred):
    """Sparse, categorical or binary accuracy, whichever the shapes imply."""
    if y_pred.ndim == y_true.ndim + 1 or (y_pred.ndim == y_true.ndim and y_true.shape[-1] == 1 < y_pred.shape[-1]):
        try:
            class_axis(y_true.reshape(y_true.shape[: y_pred.ndim - 1]), y_pred)
            return sparse_categorical_accuracy(y_true, y_pred)
        except ValueError:
            pass
    if y_pred.shape == y_true.shape and y_pred.ndim > 1 and y_pred.shape[-1] > 1 and y_true.dtype.kind == "f":
        return categorical_accuracy(y_true, y_pred)
    return binary_accuracy(y_true, y_pred)


def accuracy_for_loss(loss_kind: str | None, name: str = "accuracy") -> Metric:
    """The accuracy Keras picks for a loss: binary for (binary) cross-entropy on sigmoid outputs
    (threshold 0 for logits), categorical for one-hot, sparse for integer labels, else from the shapes."""
    if loss_kind == "binary":
        return BinaryAccuracy(name=name)
    if loss_kind == "binary_logits":
        return BinaryAccuracy(name=name, threshold=0.0)
    if loss_kind == "categorical":
        return CategoricalAccuracy(name=name)
    if loss_kind == "sparse":
        return SparseCategoricalAccuracy(name=name)
    return MeanMetricWrapper(auto_accuracy, name)


def get(identifier, loss_kind: str | None = None) -> Metric:
    """A Metric from a name ('accuracy', 'auc', 'mae', ...), a Metric, a class, or a per-sample function.

    `loss_kind` ('binary', 'binary_logits', 'categorical', 'sparse' or None) chooses what 'accuracy' means.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME and _snake(identifier) in _BY_NAME:  # Keras's class names: 'TruePositives'
            key = _snake(identifier)
        if key in ("accuracy", "acc"):
            return accuracy_for_loss(loss_kind, name=identifier)
        if key not in _BY_NAME:
            raise ValueError(f"unknown metric {identifier!r}; known: accuracy, acc, {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[key]()
    if callable(identifier):
        return MeanMetricWrapper(identifier, getattr(identifier, "__name__", "metric"))
    raise TypeError(f"cannot interpret {identifier!r} as a metric")


__all__ = [
    "AUC", "Accuracy", "BinaryIoU", "CosineSimilarity", "Dice", "F1Score", "FBetaScore", "FalseNegatives",
    "FalsePositives", "MeanIoU", "Precision", "R2Score", "Recall", "RootMeanSquaredError", "TrueNegatives",
    "TruePositives", "accuracy_for_loss", "get",
]  # fmt: skip
