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


def test_sequential_with_an_input_is_built_at_once():
    model = dg.keras.Sequential([L.Input((16,)), L.Dense(8)])
    assert model.built and len(model.weights) == 2 and model.count_params() == 16 * 8 + 8
    model.add(L.Dense(3))  # a layer added to a built model gets its weights on the spot, as in Keras
    assert len(model.weights) == 4 and model.layers[-1].get_weights()[0].shape == (8, 3)  # Keras: kernel (in, units)
    empty = dg.keras.Sequential()
    empty.add(L.Input((4, 4, 1)))
    empty.add(L.Conv2D(2, 3))
    assert empty.count_params() == 9 * 2 + 2


def test_unadapted_normalization_builds_and_fails_only_on_data():
    norm = L.Normalization()
    model = dg.keras.Sequential([L.Input((3,)), norm, L.Dense(2)])  # Keras order: build first, adapt later
    inputs = L.Input((3,))
    functional = dg.keras.Model(inputs, L.Dense(2)(L.Normalization()(inputs)))
    assert model.count_params() == functional.count_params() == 3 * 2 + 2
    with pytest.raises(RuntimeError, match="no statistics yet; call adapt"):
        model.predict(np.ones((2, 3), np.float32), verbose=0)
    norm.adapt(np.arange(12, dtype=np.float32).reshape(4, 3))
    assert model.predict(np.ones((2, 3), np.float32), verbose=0).shape == (2, 2)


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


def _windows(x, k):
    """(N, H, W, C) → (N, H-k+1, W-k+1, C, k, k): every k×k window, for convolutions written out by hand."""
    return np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))


def test_get_weights_uses_keras_layouts():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    dense = L.Dense(4)
    dense(dg.tensor(x[:, 0, 0]))
    kernel, bias = dense.get_weights()
    assert kernel.shape == (3, 4)
    np.testing.assert_allclose(dense(dg.tensor(x[:, 0, 0])).numpy(), x[:, 0, 0] @ kernel + bias, rtol=1e-5, atol=1e-6)

    conv = L.Conv2D(5, 3)
    y = conv(dg.tensor(x)).numpy()
    kernel, bias = conv.get_weights()
    assert kernel.shape == (3, 3, 3, 5)  # (kh, kw, in, out)
    np.testing.assert_allclose(y, np.einsum("nijcab,abco->nijo", _windows(x, 3), kernel) + bias, rtol=1e-4, atol=1e-5)

    depthwise = L.DepthwiseConv2D(3, depth_multiplier=2)
    y = depthwise(dg.tensor(x)).numpy()
    kernel, bias = depthwise.get_weights()
    assert kernel.shape == (3, 3, 3, 2)  # (kh, kw, channels, multiplier); output channel c·m + k
    expected = np.einsum("nijcab,abck->nijck", _windows(x, 3), kernel).reshape(2, 4, 4, 6) + bias
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)

    separable = L.SeparableConv2D(4, 3, depth_multiplier=2)
    y = separable(dg.tensor(x)).numpy()
    depth_kernel, point_kernel, bias = separable.get_weights()
    assert depth_kernel.shape == (3, 3, 3, 2) and point_kernel.shape == (1, 1, 6, 4)
    mid = np.einsum("nijcab,abck->nijck", _windows(x, 3), depth_kernel).reshape(2, 4, 4, 6)
    np.testing.assert_allclose(y, mid @ point_kernel[0, 0] + bias, rtol=1e-4, atol=1e-5)

    transpose = L.Conv2DTranspose(2, 3)
    transpose(dg.tensor(x))
    assert transpose.get_weights()[0].shape == (3, 3, 2, 3)  # Keras: (kh, kw, out, in)
    assert L.Conv1D(4, 5)(dg.tensor(x[:, 0])).shape == (2, 2, 4)
    assert [w.shape for w in L.Conv1D(4, 3, input_shape=(6, 3)).get_weights()] == [(3, 3, 4), (4,)]
    norm = L.BatchNormalization(input_shape=(3,))  # gamma, beta, moving mean, moving variance; no counter
    assert [w.shape for w in norm.get_weights()] == [(3,)] * 4


def test_set_weights_round_trips_through_models_and_checks_shapes():
    model = dg.keras.Sequential([L.Input((8, 8, 1)), L.Conv2D(4, 3), L.DepthwiseConv2D(3, depth_multiplier=2),
                                 L.BatchNormalization(), L.Flatten(), L.Dense(3)])
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 3, 1, 4), (4,), (3, 3, 4, 2), (8,), (8,), (8,), (8,), (8,),
                                          (128, 3), (3,)]
    twin = dg.keras.Sequential([L.Input((8, 8, 1)), L.Conv2D(4, 3), L.DepthwiseConv2D(3, depth_multiplier=2),
                                L.BatchNormalization(), L.Flatten(), L.Dense(3)])
    twin.set_weights(weights)
    x = np.random.default_rng(1).standard_normal((2, 8, 8, 1)).astype(np.float32)
    np.testing.assert_array_equal(twin.predict(x, verbose=0), model.predict(x, verbose=0))
    for got, expected in zip(twin.get_weights(), weights):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match=r"array 0 \(0.op.weight\) has shape \(4, 1, 3, 3\), expected \(3, 3, 1, 4\)"):
        twin.set_weights([np.zeros((4, 1, 3, 3))] + weights[1:])
    with pytest.raises(ValueError, match="got 2 arrays for 10 weights"):
        twin.set_weights(weights[:2])


def test_a_layer_takes_a_numpy_batch():
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    layer = L.Dense(3)
    out = layer(x)
    assert isinstance(out, dg.Tensor) and out.shape == (2, 3)
    np.testing.assert_allclose(out.numpy(), layer(dg.tensor(x)).numpy())
