"""Confusion matrix and ROC curve against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from deepglass.diagnostics import auc, confusion_matrix, roc_curve


def test_confusion_matrix_counts_and_accepts_scores():
    y_true = [0, 1, 2, 2, 1, 0]
    y_pred = [0, 2, 2, 2, 1, 1]
    expected = np.array([[1, 1, 0], [0, 1, 1], [0, 0, 2]])
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), expected)
    scores = np.eye(3)[y_pred] * 5.0
    np.testing.assert_array_equal(confusion_matrix(y_true, scores), expected)
    assert confusion_matrix([0], [0], num_classes=4).shape == (4, 4)


def test_roc_curve_and_auc_match_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = y * 0.8 + rng.standard_normal(200)
    s[:20] = np.round(s[:20])  # ties
    fpr, tpr, thresholds = roc_curve(y, s)
    ref_fpr, ref_tpr, _ = metrics.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr)
    np.testing.assert_allclose(tpr, ref_tpr)
    assert auc(fpr, tpr) == pytest.approx(metrics.roc_auc_score(y, s))
    assert thresholds[0] == np.inf


def test_roc_needs_both_classes():
    with pytest.raises(ValueError, match="both"):
        roc_curve([1, 1], [0.2, 0.3])
