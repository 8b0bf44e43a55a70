"""Keras loss names and classes (the implementations live in deepglass.training.losses)."""

from ..training.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Hinge,
    Huber,
    KLDivergence,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    get,
    hinge,
    huber,
    kl_divergence,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_crossentropy,
)

mse, mae = mean_squared_error, mean_absolute_error
__all__ = [
    "BinaryCrossentropy", "CategoricalCrossentropy", "Hinge", "Huber", "KLDivergence", "Loss", "MeanAbsoluteError",
    "MeanSquaredError", "SparseCategoricalCrossentropy", "binary_crossentropy", "categorical_crossentropy", "get",
    "hinge", "huber", "kl_divergence", "mae", "mean_absolute_error", "mean_squared_error", "mse",
    "sparse_categorical_crossentropy",
]  # fmt: skip
