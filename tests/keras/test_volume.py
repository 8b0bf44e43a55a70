"""Keras volumetric layers (channels_last (N, D, H, W, C)): output shapes as Keras, values against the dg.nn ops
with the same weights and against PyTorch, Keras weight layouts, configs, and a small 3-D model that trains."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepglass as dg
from deepglass.keras import layers as L
from deepglass.nn import functional as F


def _ndhwc(*shape, seed=0):
    return dg.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def _keras_same(size, k, s, d=1):
    total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
    return total // 2, total - total // 2


@pytest.mark.parametrize("kernel, strides, padding, dilation", [
    (3, 1, "valid", 1), (3, 1, "same", 1), ((2, 3, 4), 1, "same", 1), (3, 2, "same", 1),
    ((3, 2, 3), (2, 1, 3), "valid", 1), (3, 1, "same", 2), (4, 2, "same", 1),
])
def test_conv3d_matches_torch_with_keras_padding(torch, kernel, strides, padding, dilation):
    size = (7, 8, 9)
    layer = L.Conv3D(5, kernel, strides=strides, padding=padding, dilation_rate=dilation)
    x = _ndhwc(2, *size, 3)
    out = layer(x).numpy()
    k, s = np.broadcast_to(kernel, 3), np.broadcast_to(strides, 3)
    expected_shape = [-(-n // si) if padding == "same" else (n - dilation * (ki - 1) - 1) // si + 1
                      for n, ki, si in zip(size, k, s)]
    assert out.shape == (2, *expected_shape, 5)
    xt = torch.tensor(x.numpy()).permute(0, 4, 1, 2, 3)
    if padding == "same":
        pads = [_keras_same(n, ki, si, dilation) for n, ki, si in zip(size, k, s)]
        xt = torch.nn.functional.pad(xt, [p for pair in reversed(pads) for p in pair])
    ref = torch.nn.functional.conv3d(xt, torch.tensor(layer.op.weight.numpy()), torch.tensor(layer.op.bias.numpy()),
                                     stride=tuple(int(v) for v in s), dilation=dilation)
    np.testing.assert_allclose(out, ref.permute(0, 2, 3, 4, 1).numpy(), rtol=1e-5, atol=1e-5)


def test_conv3d_keras_weight_layout_and_nn_op():
    x = _ndhwc(2, 4, 5, 6, 3, seed=1)
    conv = L.Conv3D(4, (2, 3, 2), activation="relu")
    y = conv(x).numpy()
    kernel, bias = conv.get_weights()
    assert kernel.shape == (2, 3, 2, 3, 4)  # (kd, kh, kw, in, out), as Keras
    windows = np.lib.stride_tricks.sliding_window_view(x.numpy(), (2, 3, 2), axis=(1, 2, 3))  # (N, D', H', W', C, kd..)
    expected = np.maximum(np.einsum("nijkcabe,abeco->nijko", windows, kernel) + bias, 0)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    nn_out = F.conv3d(x.permute(0, 4, 1, 2, 3), conv.op.weight, conv.op.bias).permute(0, 2, 3, 4, 1)
    np.testing.assert_allclose(y, np.maximum(nn_out.numpy(), 0), rtol=1e-6, atol=1e-6)
    twin = L.Conv3D(4, (2, 3, 2), activation="relu")
    twin(x)
    twin.set_weights([kernel, bias])
    np.testing.assert_array_equal(twin(x).numpy(), y)
    transpose = L.Conv3DTranspose(2, 3)
    transpose(x)
    assert transpose.get_weights()[0].shape == (3, 3, 3, 2, 3)  # Keras: (kd, kh, kw, out, in)


@pytest.mark.parametrize("kernel, strides, padding", [(3, 2, "same"), (4, 2, "same"), (3, 2, "valid"), (2, 2, "valid"),
                                                       (1, 2, "valid"), ((3, 2, 1), (1, 2, 3), "same")])
def test_conv3d_transpose_sizes_follow_keras_and_values_the_nn_op(kernel, strides, padding):
    x = _ndhwc(2, 3, 4, 5, 3, seed=2)
    layer = L.Conv3DTranspose(4, kernel, strides=strides, padding=padding)
    out = layer(x)
    k, s = np.broadcast_to(kernel, 3), np.broadcast_to(strides, 3)
    sizes = [n * si if padding == "same" else n * si + max(ki - si, 0) for n, ki, si in zip((3, 4, 5), k, s)]
    assert out.shape == (2, *sizes, 4)
    op = layer.op
    expected = F.conv_transpose3d(x.permute(0, 4, 1, 2, 3), op.weight, op.bias, op.stride, op.padding,
                                  op.output_padding)
    np.testing.assert_allclose(out.numpy(), expected.permute(0, 2, 3, 4, 1).numpy(), rtol=1e-6, atol=1e-6)


def test_pooling3d_layers():
    x = _ndhwc(2, 5, 4, 7, 3, seed=3)
    a = x.numpy()
    assert L.MaxPooling3D()(x).shape == (2, 2, 2, 3, 3)
    np.testing.assert_array_equal(L.MaxPooling3D(2)(x).numpy()[0, 1, 1, 2], a[0, 2:4, 2:4, 4:6].max((0, 1, 2)))
    same = L.MaxPooling3D(2, padding="same")(x).numpy()
    assert same.shape == (2, 3, 2, 4, 3)
    np.testing.assert_array_equal(same[0, 2, 0, 3], a[0, 4, 0:2, 6].max(0))
    avg = L.AveragePooling3D((2, 2, 3), strides=(2, 1, 2), padding="same")(x).numpy()
    assert avg.shape == (2, 3, 4, 4, 3)
    np.testing.assert_allclose(avg[0, 2, 3, 0], a[0, 4, 3, 0:2].mean(0), rtol=1e-5)  # padding is not averaged in
    np.testing.assert_allclose(avg[1, 0, 0, 1], a[1, 0:2, 0:2, 1:4].mean((0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(L.AveragePooling3D(2)(x).numpy(),
                               F.avg_pool3d(x.permute(0, 4, 1, 2, 3), 2).permute(0, 2, 3, 4, 1).numpy())
    np.testing.assert_allclose(L.GlobalAveragePooling3D()(x).numpy(), a.mean((1, 2, 3)), rtol=1e-5)
    np.testing.assert_array_equal(L.GlobalMaxPooling3D(keepdims=True)(x).numpy(), a.max((1, 2, 3), keepdims=True))


def test_upsampling_and_zero_padding3d():
    x = _ndhwc(1, 2, 3, 2, 2, seed=4)
    up = L.UpSampling3D((2, 1, 3))(x).numpy()
    np.testing.assert_array_equal(up, x.numpy().repeat(2, 1).repeat(3, 3))
    padded = L.ZeroPadding3D(((1, 0), 2, (0, 3)))(x).numpy()
    assert padded.shape == (1, 3, 7, 5, 2)
    np.testing.assert_array_equal(padded[:, 1:, 2:5, :2], x.numpy())
    assert np.abs(padded).sum() == pytest.approx(np.abs(x.numpy()).sum(), rel=1e-6)
    assert L.ZeroPadding3D(1)(x).shape == (1, 4, 5, 4, 2)


@pytest.mark.parametrize("layer", [
    lambda: L.Conv3D(4, (3, 2, 1), strides=2, padding="same", kernel_initializer="he_uniform"),
    lambda: L.Conv3DTranspose(2, 3, strides=2, padding="same"),
    lambda: L.MaxPooling3D((2, 2, 1), strides=1), lambda: L.AveragePooling3D(),
    lambda: L.GlobalAveragePooling3D(), lambda: L.GlobalMaxPooling3D(), lambda: L.UpSampling3D(2),
    lambda: L.ZeroPadding3D(((1, 2), (0, 1), (3, 0))),
])
def test_volume_layer_config_round_trip(layer):
    original = layer()
    config = json.loads(json.dumps(original.get_config()))
    assert type(original).from_config(config).get_config() == original.get_config()


def test_small_3d_model_trains_and_counts_params():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((24, 8, 8, 8, 1)).astype(np.float32)
    y = 8 * x.mean(axis=(1, 2, 3, 4), keepdims=True)[:, :, 0, 0, 0] + 1  # the volume's mean intensity
    model = dg.keras.Sequential([L.Input((8, 8, 8, 1)), L.Conv3D(4, 3, padding="same", activation="relu"),
                                 L.MaxPooling3D(2), L.Conv3D(8, 3, activation="relu"), L.GlobalAveragePooling3D(),
                                 L.Dense(1)])
    assert model.count_params() == (27 * 4 + 4) + (27 * 4 * 8 + 8) + (8 + 1)
    model.compile(optimizer=dg.keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=20, batch_size=24, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0], history.history["loss"]
