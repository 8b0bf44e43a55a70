"""Every metric equals scikit-learn's on random predictions, also when streamed over several batches."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.training import metrics as M

sk = pytest.importorskip("sklearn.metrics")
rng = np.random.default_rng(0)


def _stream(metric, y_true, y_pred, batches=4):
    """Feed the data in uneven batches, as Tensors and arrays alternately."""
    cuts = np.sort(rng.choice(np.arange(1, len(y_true)), batches - 1, replace=False))
    for i, (t, p) in enumerate(zip(np.split(y_true, cuts), np.split(y_pred, cuts))):
        metric.update_state(dg.tensor(t) if i % 2 else t, dg.tensor(p) if i % 2 else p)
    return metric.result()


def _multiclass(n=300, c=5):
    scores = rng.random((n, c)).astype(np.float32)
    return rng.integers(0, c, n), scores


def _binary(n=300):
    return rng.integers(0, 2, n), rng.random(n).astype(np.float32)


def test_sparse_categorical_and_topk_accuracy():
    y, scores = _multiclass()
    assert _stream(M.SparseCategoricalAccuracy(), y, scores) == pytest.approx(sk.accuracy_score(y, scores.argmax(1)))
    for k in (1, 2, 3):
        expected = sk.top_k_accuracy_score(y, scores, k=k, labels=np.arange(5))
        assert _stream(M.SparseTopKCategoricalAccuracy(k=k), y, scores) == pytest.approx(expected)
        assert _stream(M.TopKCategoricalAccuracy(k=k), np.eye(5)[y], scores) == pytest.approx(expected)


def test_categorical_and_binary_accuracy():
    y, scores = _multiclass()
    assert _stream(M.CategoricalAccuracy(), np.eye(5)[y], scores) == pytest.approx(
        sk.accuracy_score(y, scores.argmax(1))
    )
    yb, p = _binary()
    assert _stream(M.BinaryAccuracy(), yb.reshape(-1, 1), p.reshape(-1, 1)) == pytest.approx(
        sk.accuracy_score(yb, p > 0.5)
    )


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_precision_recall_f1_multiclass(average):
    y, scores = _multiclass()
    pred = scores.argmax(1)
    assert _stream(M.Precision(average=average), y, scores) == pytest.approx(
        sk.precision_score(y, pred, average=average)
    )
    assert _stream(M.Recall(average=average), y, scores) == pytest.approx(sk.recall_score(y, pred, average=average))
    assert _stream(M.F1Score(average=average), y, scores) == pytest.approx(sk.f1_score(y, pred, average=average))


def test_precision_recall_f1_binary_and_class_id():
    y, p = _binary()
    assert _stream(M.Precision(), y, p) == pytest.approx(sk.precision_score(y, p > 0.5))
    assert _stream(M.Recall(), y, p) == pytest.approx(sk.recall_score(y, p > 0.5))
    assert _stream(M.F1Score(), y, p) == pytest.approx(sk.f1_score(y, p > 0.5))
    assert _stream(M.Precision(thresholds=0.7), y, p) == pytest.approx(sk.precision_score(y, p > 0.7))
    yc, scores = _multiclass()
    per_class = sk.recall_score(yc, scores.argmax(1), average=None)
    assert _stream(M.Recall(class_id=2), yc, scores) == pytest.approx(per_class[2])


def test_confusion_matrix_with_sample_weight():
    y, scores = _multiclass()
    w = rng.random(len(y))
    m = M.ConfusionMatrix(num_classes=5)
    m.update_state(y[:100], scores[:100], sample_weight=w[:100])
    m.update_state(y[100:], scores[100:], sample_weight=w[100:])
    np.testing.assert_allclose(m.result(), sk.confusion_matrix(y, scores.argmax(1), sample_weight=w))
    m.reset_state()
    assert m.result().sum() == 0


def test_auc_roc_and_pr_with_ties():
    y, p = _binary()
    p = np.round(p, 1)  # many ties
    assert _stream(M.AUC(), y, p) == pytest.approx(sk.roc_auc_score(y, p))
    assert _stream(M.AUC(curve="PR"), y, p) == pytest.approx(sk.average_precision_score(y, p))
    yc, scores = _multiclass()
    probs = scores / scores.sum(1, keepdims=True)
    assert _stream(M.AUC(), yc, probs) == pytest.approx(sk.roc_auc_score(yc, probs, multi_class="ovr"))


def test_mean_iou_and_dice_for_segmentation_layouts():
    labels = rng.integers(0, 3, (6, 8, 8))
    scores_nchw = rng.random((6, 3, 8, 8)).astype(np.float32)
    pred = scores_nchw.argmax(1)
    expected_iou = sk.jaccard_score(labels.ravel(), pred.ravel(), average="macro")
    expected_dice = sk.f1_score(labels.ravel(), pred.ravel(), average="macro")
    assert _stream(M.MeanIoU(num_classes=3), labels, scores_nchw) == pytest.approx(expected_iou)
    assert _stream(M.MeanIoU(num_classes=3), labels, scores_nchw.transpose(0, 2, 3, 1)) == pytest.approx(expected_iou)
    assert _stream(M.Dice(), labels, pred) == pytest.approx(expected_dice)
    masks, probs = rng.integers(0, 2, (6, 1, 8, 8)), rng.random((6, 1, 8, 8)).astype(np.float32)
    assert _stream(M.Dice(), masks, probs) == pytest.approx(sk.f1_score(masks.ravel(), probs.ravel() > 0.5))
    assert _stream(M.MeanIoU(), masks, probs) == pytest.approx(
        sk.jaccard_score(masks.ravel(), probs.ravel() > 0.5, average="macro")
    )


def test_regression_metrics():
    y, p = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    assert _stream(M.MeanSquaredError(), y, p) == pytest.approx(sk.mean_squared_error(y, p))
    assert _stream(M.MeanAbsoluteError(), y, p) == pytest.approx(sk.mean_absolute_error(y, p))
