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


# ---- the rest of Keras's losses: docstring examples, formulas, torch, reductions, gradients, stability ----
FOCAL_TRUE = np.array([[0, 1], [0, 0]])
FOCAL_LOGITS = np.array([[-18.6, 0.51], [2.94, -12.8]])


@pytest.mark.parametrize(
    ("kwargs", "sample_weight", "expected"),
    [  # keras.losses.BinaryFocalCrossentropy docstring, example 2
        ({"gamma": 3}, None, 0.647),
        ({"gamma": 3, "apply_class_balancing": True}, None, 0.482),
        ({"gamma": 3}, [0.8, 0.2], 0.133),
        ({"gamma": 3, "apply_class_balancing": True}, [0.8, 0.2], 0.097),
        ({"gamma": 4, "reduction": "sum"}, None, 1.222),
        ({"gamma": 4, "apply_class_balancing": True, "reduction": "sum"}, None, 0.914),
        ({"gamma": 5, "reduction": None}, None, [0.0017, 1.1561]),
        ({"gamma": 5, "apply_class_balancing": True, "reduction": None}, None, [0.0004, 0.8670]),
    ],
)
def test_binary_focal_crossentropy_keras_examples(kwargs, sample_weight, expected):
    loss = losses.BinaryFocalCrossentropy(from_logits=True, **kwargs)
    value = loss(FOCAL_TRUE, dg.tensor(FOCAL_LOGITS), sample_weight=sample_weight).numpy()
    np.testing.assert_allclose(value, expected, atol=6e-4)


def test_binary_focal_crossentropy_formula_probabilities_and_smoothing():
    y = rng.integers(0, 2, (5, 3)).astype(np.float64)
    logits = rng.normal(size=(5, 3)) * 3
    p = 1 / (1 + np.exp(-logits))
    for smoothing in (0.0, 0.2):
        ys = y * (1 - smoothing) + 0.5 * smoothing
        bce = -(ys * np.log(p) + (1 - ys) * np.log(1 - p))
        p_t = ys * p + (1 - ys) * (1 - p)
        weight = ys * 0.3 + (1 - ys) * 0.7
        expected = (weight * (1 - p_t) ** 1.5 * bce).mean(1)
        kw = {"gamma": 1.5, "alpha": 0.3, "apply_class_balancing": True, "label_smoothing": smoothing}
        np.testing.assert_allclose(losses.binary_focal_crossentropy(dg.tensor(y), dg.tensor(p), **kw).numpy(),
                                   expected, rtol=1e-6)  # fmt: skip
        np.testing.assert_allclose(
            losses.binary_focal_crossentropy(dg.tensor(y), dg.tensor(logits), from_logits=True, **kw).numpy(),
            expected, rtol=1e-6,
        )  # fmt: skip
    # gamma = 0 without balancing is the binary cross-entropy
    plain = losses.BinaryFocalCrossentropy(gamma=0.0)(y, dg.tensor(p)).item()
    assert plain == pytest.approx(losses.BinaryCrossentropy()(y, dg.tensor(p)).item())


def test_categorical_focal_crossentropy_keras_examples_and_logits():
    y_true = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    y_pred = dg.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    assert losses.CategoricalFocalCrossentropy()(y_true, y_pred).item() == pytest.approx(0.23315276, rel=1e-5)
    weighted = losses.CategoricalFocalCrossentropy()(y_true, y_pred, sample_weight=np.array([0.3, 0.7]))
    assert weighted.item() == pytest.approx(0.1632, abs=1e-4)
    assert losses.CategoricalFocalCrossentropy(reduction="sum")(y_true, y_pred).item() == pytest.approx(0.46631, 1e-4)
    np.testing.assert_allclose(
        losses.CategoricalFocalCrossentropy(reduction=None)(y_true, y_pred).numpy(), [3.2058331e-05, 4.6627346e-01],
        rtol=1e-5,
    )  # fmt: skip
    other = dg.tensor([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])  # keras.losses.categorical_focal_crossentropy docstring
    np.testing.assert_allclose(losses.categorical_focal_crossentropy(dg.tensor(y_true), other).numpy(),
                               [2.63401289e-04, 6.75912094e-01], rtol=1e-5)  # fmt: skip
    logits, probs = _probs(5, 4)
    onehot = np.eye(4)[rng.integers(0, 4, 5)]
    alpha = [0.1, 0.2, 0.3, 0.4]
    expected = (np.array(alpha) * (1 - probs) ** 2 * -onehot * np.log(probs)).sum(1).mean()
    for x, from_logits in ((logits, True), (probs, False)):
        value = losses.CategoricalFocalCrossentropy(alpha=alpha, from_logits=from_logits)(onehot, dg.tensor(x))
        assert value.item() == pytest.approx(expected)


def test_dice_and_tversky_keras_example_and_formula():
    y_true = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    y_pred = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    np.testing.assert_allclose(losses.dice(dg.tensor(y_true), dg.tensor(y_pred), axis=(1, 2, 3)).numpy(),
                               [0.5, 0.75757575], rtol=1e-6)  # fmt: skip
    assert losses.Dice()(y_true, dg.tensor(y_pred)).item() == pytest.approx(0.6164384, rel=1e-6)
    per_image = losses.Dice(axis=(1, 2, 3), reduction=None)(y_true, dg.tensor(y_pred))
    np.testing.assert_allclose(per_image.numpy(), [0.5, 0.75757575], rtol=1e-6)
    assert losses.Dice(axis=(1, 2, 3))(y_true, dg.tensor(y_pred), sample_weight=[1.0, 3.0]).item() == pytest.approx(
        (0.5 + 3 * 0.75757575) / 2
    )
    # alpha = beta = 1/2 is Dice; alpha weighs false positives, beta false negatives (Salehi et al. 2017)
    assert losses.Tversky()(y_true, dg.tensor(y_pred)).item() == pytest.approx(0.6164384, rel=1e-6)
    t, p = y_true.ravel(), y_pred.ravel()
    tp, fp, fn = (t * p).sum(), ((1 - t) * p).sum(), (t * (1 - p)).sum()
    expected = 1 - tp / (tp + 0.3 * fp + 0.7 * fn + 1e-7)
    assert losses.get("tversky").__class__(alpha=0.3, beta=0.7)(y_true, dg.tensor(y_pred)).item() == pytest.approx(
        expected
    )
    all_positive = np.ones_like(y_pred)  # only false positives: alpha matters, beta does not
    fp_heavy = losses.Tversky(alpha=0.9, beta=0.1)(y_true, dg.tensor(all_positive)).item()
    fn_heavy = losses.Tversky(alpha=0.1, beta=0.9)(y_true, dg.tensor(all_positive)).item()
    assert fp_heavy > fn_heavy


def test_regression_style_losses_against_formulas_and_torch(torch):
    F = torch.nn.functional
    y, p = rng.random((6, 4)) + 0.1, rng.random((6, 4)) + 0.1
    w = rng.random(6)
    T = torch.tensor
    assert losses.get("mape")(y, dg.tensor(p)).item() == pytest.approx(100 * np.mean(np.abs(y - p) / y))
    assert losses.get("msle")(y, dg.tensor(p), sample_weight=w).item() == pytest.approx(
        np.mean(((np.log1p(p) - np.log1p(y)) ** 2).mean(1) * w)
    )
    d = p - y
    assert losses.get("log_cosh")(y, dg.tensor(p)).item() == pytest.approx(np.log(np.cosh(d)).mean())
    assert losses.LogCosh()([[0.0, 1.0], [0.0, 0.0]], dg.tensor([[1.0, 1.0], [0.0, 0.0]])).item() == pytest.approx(
        0.10844523, rel=1e-6
    )  # keras.losses.log_cosh docstring
    torch_poisson = F.poisson_nll_loss(T(p), T(y), log_input=False, eps=1e-7).item()
    assert losses.get("poisson")(y, dg.tensor(p)).item() == pytest.approx(torch_poisson, rel=1e-6)
    torch_cos = F.cosine_similarity(T(y), T(p), dim=-1)
    assert losses.get("cosine_similarity")(y, dg.tensor(p)).item() == pytest.approx(-torch_cos.mean().item())
    a, b = dg.tensor([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]]), dg.tensor([[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]])
    np.testing.assert_allclose(losses.cosine_similarity(a, b).numpy(), [0.0, -1.0, 1.0], atol=1e-6)  # Keras docstring
    assert losses.CosineSimilarity(axis=0)(y, dg.tensor(p)).item() == pytest.approx(
        -F.cosine_similarity(T(y), T(p), dim=0).mean().item()
    )


def test_hinge_family():
    labels01 = rng.integers(0, 2, (5, 3))
    scores = rng.normal(size=(5, 3))
    signs = 2 * labels01 - 1
    assert losses.get("squared_hinge")(labels01, dg.tensor(scores)).item() == pytest.approx(
        (np.maximum(1 - signs * scores, 0) ** 2).mean()
    )
    assert losses.SquaredHinge()(signs, dg.tensor(scores)).item() == pytest.approx(
        (np.maximum(1 - signs * scores, 0) ** 2).mean()
    )
    onehot = np.eye(3)[rng.integers(0, 3, 5)]
    pos, neg = (onehot * scores).sum(1), ((1 - onehot) * scores).max(1)
    assert losses.get("categorical_hinge")(onehot, dg.tensor(scores)).item() == pytest.approx(
        np.maximum(neg - pos + 1, 0).mean()
    )


def test_reductions_and_bad_arguments():
    y, p = rng.random((4, 3)), rng.random((4, 3))
    w = np.array([1.0, 0.0, 2.0, 0.5])
    per_sample = np.abs((y - p) / y).mean(1) * 100
    mape = losses.MeanAbsolutePercentageError
    np.testing.assert_allclose(mape(reduction=None)(y, dg.tensor(p), sample_weight=w).numpy(), per_sample * w)
    assert mape(reduction="sum")(y, dg.tensor(p), sample_weight=w).item() == pytest.approx((per_sample * w).sum())
    assert mape(reduction="mean_with_sample_weight")(y, dg.tensor(p), sample_weight=w).item() == pytest.approx(
        (per_sample * w).sum() / w.sum()
    )
    assert mape()(y, dg.tensor(p), sample_weight=w).item() == pytest.approx((per_sample * w).mean())
    with pytest.raises(ValueError, match="reduction"):
        losses.Poisson(reduction="average")
    with pytest.raises(TypeError, match="unexpected arguments.*gama"):
        losses.BinaryFocalCrossentropy(gama=2)
    assert losses.Dice(name="my_dice").name == "my_dice"


@pytest.mark.parametrize(
    "make",
    [
        lambda: losses.BinaryFocalCrossentropy(from_logits=True, apply_class_balancing=True, label_smoothing=0.1),
        lambda: losses.CategoricalFocalCrossentropy(from_logits=True, alpha=[0.2, 0.3, 0.5]),
        lambda: losses.LogCosh(),
        lambda: losses.CosineSimilarity(),
        lambda: losses.CategoricalHinge(),
        lambda: losses.SquaredHinge(),
        lambda: losses.MeanSquaredLogarithmicError(),
    ],
)
def test_new_losses_pass_gradcheck_and_survive_huge_logits(make):
    loss = make()
    onehot = np.eye(3)[[0, 2, 1, 1]]
    x = rng.normal(size=(4, 3)) + 0.3 * np.arange(3)  # no ties for the categorical hinge max
    dg.gradcheck(lambda t: loss(onehot, t), dg.tensor(x, requires_grad=True))
    huge = dg.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [1e4, 1e4, -1e4], [0.0, -1e4, 1e4]]),
                     requires_grad=True)  # fmt: skip
    value = loss(onehot, huge)
    value.backward()
    assert np.isfinite(value.item()) and np.isfinite(huge.grad.numpy()).all()


def test_overlap_losses_gradcheck_on_probabilities():
    masks = rng.integers(0, 2, (2, 3, 3, 1)).astype(np.float64)
    probs = rng.uniform(0.05, 0.95, (2, 3, 3, 1))
    for loss in (losses.Dice(axis=(1, 2, 3)), losses.Tversky(alpha=0.3, beta=0.7), losses.Poisson(),
                 losses.BinaryFocalCrossentropy(gamma=2.0)):  # fmt: skip
        dg.gradcheck(lambda t, loss=loss: loss(masks, t), dg.tensor(probs, requires_grad=True))
    targets = masks + 0.5  # MAPE divides by the targets
    dg.gradcheck(lambda t: losses.get("mape")(targets, t), dg.tensor(probs, requires_grad=True))


def test_compile_fit_evaluate_with_new_loss_names():
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32)
    for name in ("binary_focal_crossentropy", "dice", "tversky", "squared_hinge", "log_cosh", "poisson"):
        model = dg.keras.Sequential([dg.keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss=name, metrics=["accuracy"])
        history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        assert np.isfinite(model.evaluate(x, y, verbose=0, return_dict=True)["loss"])
