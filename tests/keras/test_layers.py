"""Keras layers: channels_last shapes and values against PyTorch, 'same' padding, configs, weights."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.keras import layers as L

rng = np.random.default_rng(0)


def _nhwc(*shape):
    return dg.tensor(rng.normal(size=shape).astype(np.float32))


def _tf_same_pad(size, k, s):
    total = max((-(-size // s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


@pytest.mark.parametrize(
    ("kernel", "strides", "padding", "size"),
    [(3, 1, "valid", 9), (3, 1, "same", 9), (3, 2, "same", 9), (4, 2, "same", 10), (5, 3, "valid", 11)],
)
def test_conv2d_matches_torch(torch, kernel, strides, padding, size):
    layer = L.Conv2D(5, kernel, strides=strides, padding=padding)
    x = _nhwc(2, size, size, 3)
    out = layer(x).numpy()
    xt = torch.tensor(x.numpy()).permute(0, 3, 1, 2)
    if padding == "same":
        (top, bottom), (left, right) = _tf_same_pad(size, kernel, strides), _tf_same_pad(size, kernel, strides)
        xt = torch.nn.functional.pad(xt, (left, right, top, bottom))
    ref = torch.nn.functional.conv2d(
        xt, torch.tensor(layer.op.weight.numpy()), torch.tensor(layer.op.bias.numpy()), stride=strides
    )
    np.testing.assert_allclose(out, ref.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-5)
    assert out.shape[1] == (-(-size // strides) if padding == "same" else (size - kernel) // strides + 1)


@pytest.mark.parametrize(
    ("kernel", "strides", "padding", "expected"),
    [(3, 2, "same", 14), (4, 2, "same", 14), (3, 2, "valid", 15), (2, 2, "valid", 14), (1, 2, "valid", 14)],
)
def test_conv2d_transpose_output_sizes_follow_keras(kernel, strides, padding, expected):
    out = L.Conv2DTranspose(4, kernel, strides=strides, padding=padding)(_nhwc(2, 7, 7, 3))
    assert out.shape == (2, expected, expected, 4)


def test_pooling_same_padding():
    x = _nhwc(1, 5, 5, 2)
    a = x.numpy()
    out = L.MaxPooling2D(2, padding="same")(x).numpy()
    assert out.shape == (1, 3, 3, 2)
    np.testing.assert_allclose(out[0, 2, 2], a[0, 4, 4])
    avg = L.AveragePooling2D(2, padding="same")(x).numpy()
    np.testing.assert_allclose(avg[0, 2, 1], a[0, 4, 2:4].mean(0), rtol=1e-5)  # padding is not averaged in
    np.testing.assert_allclose(avg[0, 0, 0], a[0, :2, :2].mean((0, 1)), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(x).numpy(), a.mean((1, 2)), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling2D(keepdims=True)(x).numpy(), a.max((1, 2), keepdims=True))


def test_batch_normalization_uses_keras_momentum_and_epsilon():
    layer = L.BatchNormalization(momentum=0.9)
    x = _nhwc(8, 4, 4, 3)
    layer(x)
    assert layer.op.eps == 1e-3
    np.testing.assert_allclose(layer.op.running_mean.numpy(), 0.1 * x.numpy().mean((0, 1, 2)), rtol=1e-4, atol=1e-6)
    layer.eval()
    out = layer(x).numpy()
    expected = (x.numpy() - layer.op.running_mean.numpy()) / np.sqrt(layer.op.running_var.numpy() + 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_dense_initializers_activation_and_input_dim():
    layer = L.Dense(300, activation="relu", input_dim=200)
    assert layer.built and layer.op.weight.shape == (300, 200) and np.all(layer.op.bias.numpy() == 0)
    limit = np.sqrt(6 / 500)
    w = layer.op.weight.numpy()
    assert w.max() <= limit and w.min() >= -limit and w.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
    he = L.Dense(300, kernel_initializer="he_normal", input_dim=200).op.weight.numpy()
    assert he.std() == pytest.approx(np.sqrt(2 / 200), rel=0.05) and np.abs(he).max() <= 2 * np.sqrt(2 / 200) / 0.8796
    assert np.all(layer(dg.ones(2, 200)).numpy() >= 0)


def test_regularizer_is_added_to_the_loss():
    model = dg.keras.Sequential([L.Dense(3, input_shape=(4,), kernel_regularizer=dg.keras.regularizers.l2(0.1))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((2, 4), np.float32), np.zeros((2, 3), np.float32)
    w = model.layers[0].op.weight.numpy()
    plain = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(plain + 0.1 * float((w**2).sum()), rel=1e-5)


def test_trainable_false_freezes_weights():
    model = dg.keras.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = [layer.get_weights() for layer in model.layers]
    model.fit(np.ones((8, 3), np.float32), np.ones((8, 2), np.float32), epochs=1, verbose=0)
    after = [layer.get_weights() for layer in model.layers]
    np.testing.assert_array_equal(before[0][0], after[0][0])
    assert not np.array_equal(before[1][0], after[1][0])


@pytest.mark.parametrize(
    "layer",
    [
        lambda: L.Dense(3, activation="tanh", kernel_regularizer="l1", input_shape=(5,)),
        lambda: L.Conv2D(4, (3, 2), strides=2, padding="same", kernel_initializer="he_uniform"),
        lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same"),
        lambda: L.MaxPooling2D((2, 2), strides=1),
        lambda: L.AveragePooling2D(),
        lambda: L.BatchNormalization(momentum=0.95),
        lambda: L.Dropout(0.25),
        lambda: L.Activation("softmax"),
        lambda: L.LeakyReLU(alpha=0.1),
        lambda: L.ReLU(max_value=6.0),
        lambda: L.Reshape((4, -1)),
        lambda: L.Flatten(),
        lambda: L.UpSampling2D((2, 3)),
        lambda: L.GlobalAveragePooling2D(),
        lambda: L.GlobalMaxPooling2D(),
        lambda: L.Concatenate(axis=1),
        lambda: L.Add(),
    ],
)
def test_config_round_trip(layer):
    import json

    original = layer()
    config = json.loads(json.dumps(original.get_config()))  # JSON-safe
    clone = type(original).from_config(config)
    assert clone.get_config() == original.get_config()


def test_functional_model_with_branches_and_two_inputs():
    a, b = dg.keras.Input((6, 6, 2)), dg.keras.Input((6, 6, 2))
    left = L.Conv2D(3, 3, padding="same", activation="relu")(a)
    right = L.Conv2D(3, 3, padding="same")(b)
    merged = L.Concatenate()([left, right])
    out = L.Dense(1, activation="sigmoid")(L.GlobalAveragePooling2D()(L.Add()([merged, merged])))
    model = dg.keras.Model([a, b], out)
    assert [type(layer).__name__ for layer in model.layers][-1] == "Dense" and len(model.layers) == 6
    x1, x2 = rng.random((16, 6, 6, 2)).astype(np.float32), rng.random((16, 6, 6, 2)).astype(np.float32)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit([x1, x2], (x1.mean((1, 2, 3)) > 0.5).astype(np.float32), epochs=2, verbose=0)
    assert len(history.history["accuracy"]) == 2
    assert model.predict([x1, x2], verbose=0).shape == (16, 1)
    clone = dg.keras.Model.from_config(model.get_config())
    clone.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(clone.predict([x1, x2], verbose=0), model.predict([x1, x2], verbose=0))


def test_sequential_errors_name_the_layer():
    model = dg.keras.Sequential([L.Dense(8, input_shape=(4,)), L.Dense(2)])
    expected = r"Sequential layer 0 'dense' \(Dense\) failed on input of shape \(3, 5\); it expects \(None, 4\)"
    with pytest.raises(ValueError, match=expected):
        model.predict(np.zeros((3, 5), np.float32), verbose=0)


def test_sequential_built_lazily_from_data():
    model = dg.keras.Sequential()
    model.add(L.Dense(4, activation="relu"))
    model.add(L.Dense(1))
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="not been built"):
        model.summary()
    model.fit(np.ones((8, 3), np.float32), np.ones(8, np.float32), epochs=1, verbose=0)
    assert model.count_params() == 3 * 4 + 4 + 4 + 1


def test_subclassed_model_trains_with_the_same_engine():
    class TwoLayer(dg.keras.Model):
        def __init__(self, hidden: int = 8):
            super().__init__()
            self.hidden = L.Dense(hidden, activation="relu")
            self.out = L.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayer()
    model.compile(optimizer=dg.keras.optimizers.Adam(0.05), loss="mse")
    x = np.random.default_rng(0).random((64, 3)).astype(np.float32)
    history = model.fit(x, x.sum(1, keepdims=True), epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert model.count_params() == 3 * 8 + 8 + 8 + 1
    with pytest.raises(ValueError, match="subclassed model TwoLayer has no architecture"):
        model.get_config()
