"""Keras's other metrics: the docstring examples, scikit-learn over streamed batches, reset, and compile."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.keras import metrics as M

sk = pytest.importorskip("sklearn.metrics")
rng = np.random.default_rng(3)


def _stream(metric, y_true, y_pred, sample_weight=None, batches=4):
    """Feed uneven batches, as Tensors and arrays alternately."""
    cuts = np.sort(rng.choice(np.arange(1, len(y_true)), batches - 1, replace=False))
    weights = [None] * batches if sample_weight is None else np.split(sample_weight, cuts)
    for i, (t, p, w) in enumerate(zip(np.split(y_true, cuts), np.split(y_pred, cuts), weights)):
        metric.update_state(dg.tensor(t) if i % 2 else t, dg.tensor(p) if i % 2 else p, sample_weight=w)
    return metric.result()


@pytest.mark.parametrize(
    ("cls", "y_true", "y_pred"),
    [
        (M.TruePositives, [0, 1, 1, 1], [1, 0, 1, 1]),
        (M.FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1]),
        (M.TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0]),
        (M.FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0]),
    ],
)
def test_confusion_counts_keras_examples(cls, y_true, y_pred):
    m = cls()
    m.update_state(y_true, y_pred)
    assert m.result() == 2.0
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=[0, 0, 1, 0])
    assert m.result() == 1.0


def test_confusion_counts_against_sklearn_at_several_thresholds():
    y, p = rng.integers(0, 2, 200), rng.random(200)
    w = rng.random(200)
    thresholds = [0.2, 0.5, 0.8]
    metrics = {c: c(thresholds=thresholds) for c in (M.TrueNegatives, M.FalsePositives, M.FalseNegatives,
                                                     M.TruePositives)}  # fmt: skip
    for m in metrics.values():
        _stream(m, y, p, w)
    for i, th in enumerate(thresholds):
        tn, fp, fn, tp = sk.confusion_matrix(y, p > th, sample_weight=w).ravel()
        for cls, expected in zip(metrics, (tn, fp, fn, tp)):
            assert metrics[cls].result()[i] == pytest.approx(expected)
    at_threshold = M.TruePositives(thresholds=0.5)  # Keras: positive when strictly above the threshold
    at_threshold.update_state([1, 1], [0.5, 0.51])
    assert at_threshold.result() == 1.0
    assert M.get("true_positives").name == "true_positives" and isinstance(M.get("FalseNegatives"), M.FalseNegatives)


@pytest.mark.parametrize(
    ("metric", "y_true", "y_pred", "weights", "expected", "weighted_expected"),
    [  # the Keras docstring examples (exact here, 200 thresholds there: the same numbers)
        (lambda: M.PrecisionAtRecall(0.5), [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [2, 2, 2, 1, 1], 0.5, 1 / 3),
        (lambda: M.RecallAtPrecision(0.8), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1], 0.5, 1.0),
        (lambda: M.SensitivityAtSpecificity(0.5), [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [1, 1, 2, 2, 1],
         0.5, 1 / 3),
        (lambda: M.SpecificityAtSensitivity(0.5), [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [1, 1, 2, 2, 2],
         2 / 3, 0.5),
    ],
)  # fmt: skip
def test_operating_point_keras_examples(metric, y_true, y_pred, weights, expected, weighted_expected):
    m = metric()
    m.update_state(y_true, y_pred)
    assert m.result() == pytest.approx(expected)
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=weights)
    assert m.result() == pytest.approx(weighted_expected)


@pytest.mark.parametrize("target", [0.3, 0.8, 0.95])
def test_operating_points_against_sklearn_curves(target):
    y = rng.integers(0, 2, 400)
    scores = np.round(np.clip(0.3 * y + rng.normal(0.35, 0.25, 400), -1, 2), 2)  # ties, outside [0, 1] too
    w = rng.random(400) + 0.2
    fpr, tpr, _ = sk.roc_curve(y, scores, sample_weight=w, drop_intermediate=False)
    assert _stream(M.SensitivityAtSpecificity(target), y, scores, w) == pytest.approx(tpr[1 - fpr >= target].max())
    assert _stream(M.SpecificityAtSensitivity(target), y, scores, w) == pytest.approx((1 - fpr)[tpr >= target].max())
    precision, recall, _ = sk.precision_recall_curve(y, scores, sample_weight=w)
    assert _stream(M.PrecisionAtRecall(target), y, scores, w) == pytest.approx(precision[recall >= target].max())
    feasible = precision >= target
    assert _stream(M.RecallAtPrecision(target), y, scores, w) == pytest.approx(recall[feasible].max())


def test_operating_points_class_id_one_vs_rest():
    labels, scores = rng.integers(0, 3, 150), rng.random((150, 3))
    fpr, tpr, _ = sk.roc_curve(labels == 2, scores[:, 2], drop_intermediate=False)
    expected = tpr[1 - fpr >= 0.9].max()
    assert _stream(M.SensitivityAtSpecificity(0.9, class_id=2), labels, scores) == pytest.approx(expected)
    assert _stream(M.SensitivityAtSpecificity(0.9, class_id=2), np.eye(3)[labels], scores) == pytest.approx(expected)
    with pytest.raises(ValueError, match="class_id"):
        M.SensitivityAtSpecificity(0.9).update_state(labels, scores)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        M.PrecisionAtRecall(1.5)


def test_fbeta_keras_example_per_class_and_sklearn():
    y_true = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]])
    y_pred = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    keras_f2 = [0.3846154, 0.90909094, 0.8333334]  # FBetaScore(beta=2.0, threshold=0.5) docstring
    keras_f1 = [0.5, 0.8, 0.6666667]  # F1Score(threshold=0.5) docstring
    for column in range(3):
        assert M.FBetaScore(beta=2.0)(y_true[:, column], y_pred[:, column]) == pytest.approx(keras_f2[column])
        assert M.F1Score()(y_true[:, column], y_pred[:, column]) == pytest.approx(keras_f1[column])
    y, p = rng.integers(0, 2, 300), rng.random(300)
    assert _stream(M.FBetaScore(beta=2.0), y, p) == pytest.approx(sk.fbeta_score(y, p > 0.5, beta=2.0))
    assert _stream(M.FBetaScore(beta=0.5, threshold=0.3), y, p) == pytest.approx(sk.fbeta_score(y, p > 0.3, beta=0.5))
    labels, scores = rng.integers(0, 4, 300), rng.random((300, 4))
    for average in ("macro", "micro", "weighted"):
        expected = sk.fbeta_score(labels, scores.argmax(1), beta=2.0, average=average)
        assert _stream(M.FBetaScore(average=average, beta=2.0), labels, scores) == pytest.approx(expected)
    assert _stream(M.FBetaScore(beta=1.0, average="macro"), labels, scores) == pytest.approx(
        _stream(M.F1Score(average="macro"), labels, scores)
    )
    with pytest.raises(ValueError, match="beta"):
        M.FBetaScore(beta=0)


def test_iou_family_keras_examples():
    m = M.IoU(num_classes=2, target_class_ids=[0])
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    assert m.result() == pytest.approx(1 / 3)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    assert m.result() == pytest.approx(0.33333334)
    mean = M.MeanIoU(num_classes=2)
    mean.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    assert mean.result() == pytest.approx(1 / 3)
    mean.reset_state()
    mean.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    assert mean.result() == pytest.approx(0.23809525)
    binary = M.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    binary.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    assert binary.result() == pytest.approx(1 / 3)
    binary.reset_state()
    binary.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], sample_weight=[0.2, 0.3, 0.4, 0.1])
    assert binary.result() == pytest.approx(0.17361112)
    at_threshold = M.BinaryIoU(target_class_ids=[1], threshold=0.5)  # Keras: >= threshold is foreground
    at_threshold.update_state([1, 0], [0.5, 0.2])
    assert at_threshold.result() == 1.0


def test_iou_against_sklearn_with_ignore_class():
    labels = rng.integers(0, 3, (5, 6, 6))
    labels[:, 0, :] = 255  # a void border
    scores = rng.random((5, 3, 6, 6))
    pred = scores.argmax(1)
    keep = labels != 255
    per_class = sk.jaccard_score(labels[keep], pred[keep], average=None, labels=[0, 1, 2])
    iou = M.IoU(num_classes=3, target_class_ids=[1, 2], ignore_class=255)
    assert _stream(iou, labels, scores) == pytest.approx(per_class[[1, 2]].mean())
    assert _stream(M.MeanIoU(num_classes=3, ignore_class=255), labels, scores) == pytest.approx(per_class.mean())
    masks, probs = rng.integers(0, 2, (4, 1, 5, 5)), rng.random((4, 1, 5, 5))
    assert _stream(M.get("binary_iou"), masks, probs) == pytest.approx(
        sk.jaccard_score(masks.ravel(), probs.ravel() >= 0.5, average="macro")
    )
    assert _stream(M.BinaryIoU(target_class_ids=[1]), masks, probs) == pytest.approx(
        sk.jaccard_score(masks.ravel(), probs.ravel() >= 0.5)
    )


def test_regression_metrics_keras_examples_and_sklearn():
    rmse = M.RootMeanSquaredError()
    rmse.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    assert rmse.result() == pytest.approx(0.5)
    rmse.reset_state()
    rmse.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    assert rmse.result() == pytest.approx(0.70710677)
    cos = M.CosineSimilarity(axis=1)
    cos.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    assert cos.result() == pytest.approx(0.5)
    cos.reset_state()
    cos.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]], sample_weight=[0.3, 0.7])
    assert cos.result() == pytest.approx(0.7)
    total = M.Sum()
    total.update_state([1, 3, 5, 7])
    assert total.result() == 16.0
    total.update_state([1, 1], sample_weight=[0.5, 2])
    assert total.result() == 18.5
    total.reset_state()
    assert total.result() == 0.0
    r2 = M.R2Score()
    r2.update_state(np.array([[1], [4], [3]], dtype=np.float32), np.array([[2], [4], [4]], dtype=np.float32))
    assert r2.result() == pytest.approx(0.57142854)

    y, p = rng.normal(size=(120, 3)) * [1, 2, 5], rng.normal(size=(120, 3))
    w = rng.random(120)
    assert _stream(M.RootMeanSquaredError(), y, p, w) == pytest.approx(
        np.sqrt(sk.mean_squared_error(y, p, sample_weight=w))
    )
    for aggregation, multioutput in ((None, "raw_values"), ("uniform_average", "uniform_average"),
                                     ("variance_weighted_average", "variance_weighted")):  # fmt: skip
        expected = sk.r2_score(y, p, sample_weight=w, multioutput=multioutput)
        np.testing.assert_allclose(_stream(M.R2Score(class_aggregation=aggregation), y, p, w), expected)
    plain = sk.r2_score(y[:, 0], p[:, 0])
    adjusted = 1 - (1 - plain) * (120 - 1) / (120 - 4 - 1)
    assert _stream(M.R2Score(num_regressors=4), y[:, :1], p[:, :1]) == pytest.approx(adjusted)
    dots = (y * p).sum(1) / np.linalg.norm(y, axis=1) / np.linalg.norm(p, axis=1)
    assert _stream(M.get("cosine_similarity"), y, p) == pytest.approx(dots.mean())


def test_compile_fit_evaluate_with_new_metric_names():
    x = rng.normal(size=(96, 4)).astype(np.float32)
    y = (x[:, :1] - x[:, 1:2] > 0).astype(np.float32)
    model = dg.keras.Sequential([dg.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(
        optimizer=dg.keras.optimizers.Adam(0.05),
        loss="binary_focal_crossentropy",
        metrics=["fbeta_score", "binary_iou", "true_positives", "FalseNegatives", "root_mean_squared_error",
                 "r2_score", M.SensitivityAtSpecificity(0.8), M.PrecisionAtRecall(0.5), M.FBetaScore(beta=2.0,
                 name="f2")],
    )  # fmt: skip
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    for name in ("fbeta_score", "binary_iou", "true_positives", "false_negatives", "root_mean_squared_error",
                 "r2_score", "sensitivity_at_specificity", "precision_at_recall", "f2"):  # fmt: skip
        assert name in history.history, name
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0).reshape(-1)
    assert logs["true_positives"] == pytest.approx(float(((p > 0.5) & (y[:, 0] == 1)).sum()))
    assert logs["false_negatives"] == pytest.approx(float(((p <= 0.5) & (y[:, 0] == 1)).sum()))
    assert logs["fbeta_score"] == pytest.approx(sk.f1_score(y[:, 0], p > 0.5), abs=1e-6)
    fpr, tpr, _ = sk.roc_curve(y[:, 0], p, drop_intermediate=False)
    assert logs["sensitivity_at_specificity"] == pytest.approx(tpr[1 - fpr >= 0.8].max())
