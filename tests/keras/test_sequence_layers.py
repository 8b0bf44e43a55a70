"""Sequence and utility layers: ZeroPadding1D, Cropping1D, UpSampling1D, RepeatVector, SpatialDropout1D,
AlphaDropout, UnitNormalization, Dot and ActivityRegularization (values from Keras's definitions)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras
from deepglass.keras import layers as L


def _seq(*shape, seed=0):
    return dg.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def test_padding_cropping_and_upsampling_1d():
    x = _seq(2, 4, 3)
    nx = x.numpy()
    padded = L.ZeroPadding1D((1, 2))(x).numpy()
    assert padded.shape == (2, 7, 3) and (padded[:, 0] == 0).all() and (padded[:, 5:] == 0).all()
    np.testing.assert_array_equal(padded[:, 1:5], nx)
    assert L.ZeroPadding1D(2)(x).shape == (2, 8, 3)
    assert L.ZeroPadding1D(1, data_format="channels_first")(x).shape == (2, 4, 5)
    np.testing.assert_array_equal(L.Cropping1D((1, 2))(x).numpy(), nx[:, 1:2])
    np.testing.assert_array_equal(L.Cropping1D(1)(x).numpy(), nx[:, 1:3])
    with pytest.raises(ValueError, match="leaves nothing of 4 steps"):
        L.Cropping1D((2, 2))(x)
    np.testing.assert_array_equal(L.UpSampling1D(3)(x).numpy(), np.repeat(nx, 3, axis=1))
    v = _seq(2, 5)
    repeated = L.RepeatVector(3)(v).numpy()
    assert repeated.shape == (2, 3, 5)
    np.testing.assert_array_equal(repeated, np.repeat(v.numpy()[:, None], 3, axis=1))


def test_gradients_flow_through_the_reshaping_layers():
    x = dg.tensor(np.ones((1, 3, 2), dtype=np.float32), requires_grad=True)
    (L.UpSampling1D(2)(L.Cropping1D((1, 0))(L.ZeroPadding1D(1)(x))).sum() * 1.0).backward()
    # each of the 3 steps survives padding and the crop of the (zero) first step, then is repeated twice
    np.testing.assert_array_equal(x.grad.numpy(), np.full((1, 3, 2), 2.0))
    v = dg.tensor(np.ones((2, 4), dtype=np.float32), requires_grad=True)
    L.RepeatVector(5)(v).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), np.full((2, 4), 5.0))


def test_spatial_dropout_1d_drops_whole_channels_while_training():
    layer = L.SpatialDropout1D(0.5)
    x = dg.tensor(np.ones((64, 5, 8), dtype=np.float32))
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    layer.train()
    dg.manual_seed(0)
    out = layer(x).numpy()
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert (out == out[:, :1]).all()  # the same channels dropped at every step
    assert 0.35 < (out[:, 0] == 0).mean() < 0.65


def test_alpha_dropout_keeps_mean_and_variance_of_standard_inputs():
    layer = L.AlphaDropout(0.2)
    x = _seq(20000, 10, seed=3)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    layer.train()
    dg.manual_seed(0)
    out = layer(x).numpy()
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p**2)) ** -0.5
    b = -a * alpha_p * 0.2
    dropped = np.isclose(out, a * alpha_p + b)
    assert 0.18 < dropped.mean() < 0.22
    np.testing.assert_allclose(out[~dropped], a * x.numpy()[~dropped] + b, rtol=1e-5, atol=1e-6)
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    shared = L.AlphaDropout(0.5, noise_shape=(None, 1))
    shared.train()
    out = shared(x).numpy()
    a = ((1 - 0.5) * (1 + 0.5 * alpha_p**2)) ** -0.5
    dropped = np.isclose(out, a * alpha_p - a * alpha_p * 0.5)
    assert (dropped == dropped[:, :1]).all() and 0.4 < dropped[:, 0].mean() < 0.6  # whole rows drop together


def test_unit_normalization():
    x = _seq(3, 4, 5)
    out = L.UnitNormalization()(x).numpy()
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), 1.0, rtol=1e-5)
    both = L.UnitNormalization(axis=[1, 2])(x).numpy()
    np.testing.assert_allclose(np.sqrt((both**2).sum(axis=(1, 2))), 1.0, rtol=1e-5)
    assert np.isfinite(L.UnitNormalization()(dg.zeros(2, 3)).numpy()).all()


def test_dot_layer_matches_keras_batch_dot():
    a, b = _seq(4, 6, seed=1), _seq(4, 6, seed=2)
    out = L.Dot(axes=1)([a, b]).numpy()
    assert out.shape == (4, 1)
    np.testing.assert_allclose(out[:, 0], (a.numpy() * b.numpy()).sum(axis=1), rtol=1e-5)
    cos = L.Dot(axes=-1, normalize=True)([a, b]).numpy()[:, 0]
    na, nb = a.numpy(), b.numpy()
    expected = (na * nb).sum(1) / np.linalg.norm(na, axis=1) / np.linalg.norm(nb, axis=1)
    np.testing.assert_allclose(cos, expected, rtol=1e-5)
    q, k = _seq(2, 3, 5, seed=3), _seq(2, 4, 5, seed=4)
    scores = L.Dot(axes=(2, 2))([q, k]).numpy()
    np.testing.assert_allclose(scores, np.einsum("bsd,btd->bst", q.numpy(), k.numpy()), rtol=1e-5, atol=1e-6)
    mixed = L.Dot(axes=(1, 2))([_seq(2, 5, 3, seed=5), k]).numpy()  # x: (2, 5, 3) · k: (2, 4, 5)
    np.testing.assert_allclose(
        mixed, np.einsum("bdx,btd->bxt", _seq(2, 5, 3, seed=5).numpy(), k.numpy()), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="incompatible shapes"):
        L.Dot(axes=1)([a, _seq(4, 5)])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        L.Dot(axes=1)([a, b, a])


def test_dot_in_a_functional_model():
    left, right = keras.Input((6,)), keras.Input((6,))
    score = L.Dot(axes=1, normalize=True)([L.Dense(4)(left), L.Dense(4)(right)])
    model = keras.Model([left, right], score)
    assert tuple(score.shape) == (None, 1)
    out = model([_seq(3, 6, seed=1), _seq(3, 6, seed=2)]).numpy()
    assert out.shape == (3, 1) and (np.abs(out) <= 1 + 1e-5).all()


def test_activity_regularization_adds_its_penalty_to_the_loss():
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    y = np.zeros((8, 2), dtype=np.float32)
    dg.manual_seed(0)
    dense = L.Dense(2, input_shape=(3,))
    model = keras.Sequential([dense, L.ActivityRegularization(l1=0.01, l2=0.1)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    h = dense(dg.tensor(x)).numpy()
    penalty = 0.01 * np.abs(h).sum() + 0.1 * (h**2).sum()
    mse = ((h - y) ** 2).mean()
    assert model.evaluate(x, y, batch_size=8, verbose=0) == pytest.approx(mse + penalty, rel=1e-5)
    loss = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"][0]
    assert loss == pytest.approx(mse + penalty, rel=1e-5)
    layer = L.ActivityRegularization(l2=1.0)
    layer(dg.ones(2, 2))
    assert float(layer.losses[0].item()) == 4.0
    assert float(layer.regularization_loss().item()) == 4.0 and layer.regularization_loss() is None


def test_activity_regularization_shrinks_activations_when_training():
    x = np.random.default_rng(1).standard_normal((32, 4)).astype(np.float32)
    y = np.zeros((32, 4), dtype=np.float32)

    def activation_norm(l2):
        dg.manual_seed(0)
        first = L.Dense(4, input_shape=(4,))
        model = keras.Sequential([first, L.ActivityRegularization(l2=l2), L.Dense(4)])
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
        model.fit(x, y, batch_size=32, epochs=30, verbose=0)
        return float(np.abs(first(dg.tensor(x)).numpy()).mean())

    assert activation_norm(0.05) < 0.5 * activation_norm(0.0)


@pytest.mark.parametrize(
    "layer",
    [
        L.ZeroPadding1D((1, 2)),
        L.Cropping1D((0, 1)),
        L.UpSampling1D(2),
        L.RepeatVector(3),
        L.SpatialDropout1D(0.3),
        L.AlphaDropout(0.1),
        L.UnitNormalization(axis=[1, 2]),
        L.Dot(axes=(1, 2), normalize=True),
        L.ActivityRegularization(l1=0.1),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = json.loads(json.dumps(layer.get_config()))
    again = type(layer).from_config(config)
    assert {k: v for k, v in again.get_config().items() if k != "name"} == {
        k: v for k, v in config.items() if k != "name"
    }


def test_a_sequence_model_with_the_new_layers_trains():
    dg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((32, 6)).astype(np.float32)
    y = x[:, :1] * 2
    model = keras.Sequential(
        [
            L.Dense(4, input_shape=(6,)),
            L.RepeatVector(5),
            L.ZeroPadding1D(1),
            L.Cropping1D((1, 1)),
            L.UpSampling1D(2),
            L.SpatialDropout1D(0.1),
            L.GlobalAveragePooling1D(),
            L.UnitNormalization(),
            L.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    losses = model.fit(x, y, batch_size=8, epochs=8, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    assert model.predict(x[:3], verbose=0).shape == (3, 1)
