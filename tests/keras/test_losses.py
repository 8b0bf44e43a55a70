"""Keras losses against PyTorch, with Keras's clipping, sample weights and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.keras import losses

rng = np.random.default_rng(0)


def _probs(n=6, c=4):
    logits = rng.normal(size=(n, c)).astype(np.float64)
    return logits, np.exp(logits) / np.exp(logits).sum(1, keepdims=True)


def test_crossentropies_match_torch(torch):
    F = torch.nn.functional
    logits, probs = _probs()
    labels = rng.integers(0, 4, 6)
    onehot = np.eye(4)[labels]
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor(labels)).item()
    assert losses.get("sparse_categorical_crossentropy")(labels, dg.tensor(probs)).item() == pytest.approx(expected)
    assert losses.get("categorical_crossentropy")(onehot, dg.tensor(probs)).item() == pytest.approx(expected)
    assert losses.CategoricalCrossentropy(from_logits=True)(onehot, dg.tensor(logits)).item() == pytest.approx(expected)
    assert losses.SparseCategoricalCrossentropy(from_logits=True)(labels, dg.tensor(logits)).item() == pytest.approx(
        expected
    )
    target = rng.integers(0, 2, (6, 1)).astype(np.float64)
    p = 1 / (1 + np.exp(-logits[:, :1]))
    expected = F.binary_cross_entropy(torch.tensor(p), torch.tensor(target)).item()
    assert losses.get("binary_crossentropy")(target, dg.tensor(p)).item() == pytest.approx(expected)
    assert losses.BinaryCrossentropy(from_logits=True)(target, dg.tensor(logits[:, :1])).item() == pytest.approx(
        expected
    )


def test_probabilities_are_clipped_like_keras():
    value = losses.get("binary_crossentropy")(np.array([[1.0]]), dg.tensor([[0.0]])).item()
    assert value == pytest.approx(-np.log(1e-7), rel=1e-3)


def test_regression_losses_and_sample_weight():
    y, p = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    w = rng.random(5)
    assert losses.get("mse")(y, dg.tensor(p), sample_weight=w).item() == pytest.approx(
        np.mean(((p - y) ** 2).mean(1) * w)
    )
    assert losses.get("mae")(y, dg.tensor(p)).item() == pytest.approx(np.abs(p - y).mean())
    d = np.abs(p - y)
    huber = np.where(d <= 1, 0.5 * d**2, d - 0.5).mean()
    assert losses.Huber()(y, dg.tensor(p)).item() == pytest.approx(huber)


def test_loss_gradients_pass_gradcheck():
    logits, probs = _probs(3, 3)
    labels = np.array([0, 2, 1])
    dg.gradcheck(
        lambda x: losses.SparseCategoricalCrossentropy(from_logits=True)(labels, x),
        dg.tensor(logits, requires_grad=True),
    )
    dg.gradcheck(
        lambda x: losses.get("categorical_crossentropy")(np.eye(3)[labels], x), dg.tensor(probs, requires_grad=True)
    )


def test_sparse_labels_shape_error_is_explained():
    with pytest.raises(ValueError, match=r"labels of shape \(6, 4\).*categorical_crossentropy"):
        losses.get("sparse_categorical_crossentropy")(np.eye(4)[[0, 1, 2, 3, 0, 1]], dg.tensor(_probs()[1]))
