"""The metric protocol: plain floats, reset, names, and 'accuracy' chosen from the loss."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.training import metrics as M


def test_results_are_python_floats_and_reset():
    m = M.SparseCategoricalAccuracy()
    scores = dg.tensor([[0.1, 0.9], [0.8, 0.2]], requires_grad=True)
    value = m(dg.tensor([1, 1]), scores)
    assert type(value) is float and value == 0.5
    assert type(m.total) is float
    m.reset_state()
    assert m.result() == 0.0


def test_sample_weight_weighs_the_mean():
    m = M.BinaryAccuracy()
    m.update_state([1, 0, 1, 0], [0.9, 0.9, 0.9, 0.9], sample_weight=[3, 1, 0, 0])
    assert m.result() == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("kind", "y_true", "y_pred", "expected_cls"),
    [
        ("binary", [[1], [0]], [[0.7], [0.2]], M.BinaryAccuracy),
        ("categorical", [[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]], M.CategoricalAccuracy),
        ("sparse", [1, 1], [[0.2, 0.8], [0.3, 0.7]], M.SparseCategoricalAccuracy),
    ],
)
def test_accuracy_follows_the_loss(kind, y_true, y_pred, expected_cls):
    metric = M.get("accuracy", loss_kind=kind)
    assert isinstance(metric, expected_cls) and metric.name == "accuracy"
    assert M.get("acc", loss_kind=kind).name == "acc"
    auto = M.get("accuracy")
    y_true, y_pred = np.array(y_true), np.array(y_pred, dtype=np.float32)
    assert auto(y_true, y_pred) == metric(y_true, y_pred)


def test_logits_accuracy_thresholds_at_zero():
    m = M.get("accuracy", loss_kind="binary_logits")
    assert m([1, 0], np.array([0.1, -0.1], dtype=np.float32)) == 1.0


def test_unknown_metric_lists_known_names():
    with pytest.raises(ValueError, match="unknown metric 'acuracy'.*sparse_categorical_accuracy"):
        M.get("acuracy")


def test_shape_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 4\)"):
        M.SparseCategoricalAccuracy().update_state(np.array([1, 2, 3]), np.zeros((2, 4)))
