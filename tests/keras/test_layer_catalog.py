"""The rest of the Keras layer catalog: depthwise/separable convolutions, padding and cropping, merging,
LayerNormalization, Embedding, PReLU/ELU, the noise layers, Permute, Identity and Lambda."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras
from deepglass.keras import layers as L
from deepglass.nn import functional as F


def _nhwc(*shape, seed=0):
    return dg.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("strides, padding", [(1, "same"), (2, "same"), (1, "valid"), (2, "valid")])
def test_depthwise_and_separable_convolutions(strides, padding):
    x = _nhwc(2, 9, 9, 4)
    depthwise = L.DepthwiseConv2D(3, strides=strides, padding=padding, depth_multiplier=2)
    out = depthwise(x)
    assert sum(p.numel() for p in depthwise.parameters()) == 3 * 3 * 4 * 2 + 8  # Keras's count
    nchw = x.permute(0, 3, 1, 2)
    if depthwise._explicit_pad:
        nchw = depthwise._pad_same(nchw)
    expected = F.conv2d(nchw, depthwise.op.weight, depthwise.op.bias, stride=strides, padding=depthwise.op.padding,
                        groups=4)
    np.testing.assert_allclose(out.numpy(), expected.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-6)
    assert out.shape[1] == (-(-9 // strides) if padding == "same" else (9 - 3) // strides + 1)
    separable = L.SeparableConv2D(8, 3, strides=strides, padding=padding, activation="relu")
    y = separable(x)
    assert y.shape == out.shape[:3] + (8,) and float(y.numpy().min()) >= 0
    assert sum(p.numel() for p in separable.parameters()) == 3 * 3 * 4 + 4 * 8 + 8


def test_zero_padding_and_cropping():
    x = _nhwc(1, 4, 5, 2)
    padded = L.ZeroPadding2D(((1, 2), (0, 3)))(x).numpy()
    assert padded.shape == (1, 7, 8, 2) and (padded[:, 0] == 0).all() and (padded[:, :, 5:] == 0).all()
    np.testing.assert_array_equal(padded[:, 1:5, :5], x.numpy())
    assert L.ZeroPadding2D(2)(x).shape == (1, 8, 9, 2) and L.ZeroPadding2D((1, 2))(x).shape == (1, 6, 9, 2)
    np.testing.assert_array_equal(L.Cropping2D(((1, 0), (2, 1)))(x).numpy(), x.numpy()[:, 1:, 2:4])
    with pytest.raises(ValueError, match=r"cropping \(\(2, 2\), \(0, 0\)\) leaves nothing of 4×5 images"):
        L.Cropping2D(((2, 2), (0, 0)))(x)


def test_merging_layers():
    a, b, c = _nhwc(2, 3, seed=1), _nhwc(2, 3, seed=2), _nhwc(2, 3, seed=3)
    na, nb, nc = a.numpy(), b.numpy(), c.numpy()
    np.testing.assert_allclose(L.Multiply()([a, b, c]).numpy(), na * nb * nc, rtol=1e-6)
    np.testing.assert_allclose(L.Subtract()([a, b]).numpy(), na - nb)
    np.testing.assert_allclose(L.Average()([a, b, c]).numpy(), (na + nb + nc) / 3, rtol=1e-6)
    np.testing.assert_array_equal(L.Maximum()([a, b, c]).numpy(), np.maximum(np.maximum(na, nb), nc))
    np.testing.assert_array_equal(L.Minimum()([a, b]).numpy(), np.minimum(na, nb))
    with pytest.raises(ValueError, match="Subtract takes exactly 2 inputs"):
        L.Subtract()([a, b, c])


def test_layer_normalization_prelu_elu_embedding(torch):
    x = _nhwc(2, 3, 5)
    norm = L.LayerNormalization(epsilon=1e-3)
    expected = torch.nn.functional.layer_norm(torch.tensor(x.numpy()), (5,), eps=1e-3).numpy()
    np.testing.assert_allclose(norm(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    frozen = L.LayerNormalization(center=False)
    frozen(x)
    assert not frozen.op.bias.requires_grad and frozen.op.weight.requires_grad
    prelu = L.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1])
    np.testing.assert_allclose(prelu(x).numpy(), np.where(x.numpy() > 0, x.numpy(), 0.25 * x.numpy()), rtol=1e-6)
    assert prelu.alpha.shape == (1, 5)
    assert L.PReLU()(x).shape == x.shape and L.PReLU().count_params() == 0  # built on first call
    np.testing.assert_allclose(L.ELU(0.5)(x).numpy(), np.where(x.numpy() > 0, x.numpy(), 0.5 * np.expm1(x.numpy())),
                               rtol=1e-5, atol=1e-6)
    embedding = L.Embedding(10, 4)
    table = embedding.op.weight.numpy()
    assert np.abs(table).max() <= 0.05  # Keras's 'uniform' initializer: U(-0.05, 0.05)
    np.testing.assert_array_equal(embedding(dg.tensor([[3, 3, 9]])).numpy(), table[[[3, 3, 9]]])


def test_noise_layers_act_only_while_training():
    x = dg.ones(64, 6, 6, 8)
    for layer in (L.GaussianNoise(0.5), L.GaussianDropout(0.3), L.SpatialDropout2D(0.5)):
        layer.eval()
        np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
        layer.train()
        assert not np.array_equal(layer(x).numpy(), x.numpy())
    noisy = L.GaussianNoise(0.5)(x).numpy()
    assert abs(noisy.std() - 0.5) < 0.02 and abs(noisy.mean() - 1.0) < 0.02
    dropped = L.SpatialDropout2D(0.5)(x).numpy()
    per_map = dropped.reshape(64, 36, 8)
    assert (per_map == per_map[:, :1]).all()  # whole feature maps kept or dropped
    assert set(np.unique(dropped)) <= {0.0, 2.0}


def test_permute_identity_and_lambda(tmp_path):
    x = _nhwc(2, 3, 4, 5)
    assert L.Permute((3, 1, 2))(x).shape == (2, 5, 3, 4) and L.Identity()(x) is x
    with pytest.raises(ValueError, match=r"Permute: dims must be a permutation of 1..2"):
        L.Permute((0, 1))
    model = keras.Sequential([L.Input((4,)), L.Lambda(lambda t: t * 2), L.Dense(1)])
    assert model(dg.ones(1, 4)).shape == (1, 1)
    with pytest.raises(ValueError, match="Lambda layer holds code"):
        L.Lambda(abs).get_config()


@pytest.mark.parametrize("layer", [
    lambda: L.DepthwiseConv2D(3, padding="same", depth_multiplier=2), lambda: L.SeparableConv2D(4, 3, strides=2),
    lambda: L.ZeroPadding2D(((1, 0), (2, 3))), lambda: L.Cropping2D(1), lambda: L.Multiply(), lambda: L.Average(),
    lambda: L.LayerNormalization(epsilon=1e-5), lambda: L.PReLU(shared_axes=[1, 2]), lambda: L.ELU(0.3),
    lambda: L.Embedding(7, 3), lambda: L.GaussianNoise(0.1), lambda: L.GaussianDropout(0.2),
    lambda: L.SpatialDropout2D(0.3), lambda: L.Permute((2, 1)), lambda: L.Identity(),
])
def test_config_round_trip(layer):
    original = layer()
    config = json.loads(json.dumps(original.get_config()))
    assert type(original).from_config(config).get_config() == original.get_config()


def test_a_mobilenet_style_model_trains_saves_and_loads(tmp_path):
    dg.manual_seed(0)
    x, y = np.random.default_rng(0).random((16, 12, 12, 3)).astype(np.float32), np.arange(16) % 2
    model = keras.Sequential([L.Input((12, 12, 3)), L.ZeroPadding2D(1), L.Conv2D(8, 3, strides=2),
                              L.BatchNormalization(), L.ReLU(6.0), L.DepthwiseConv2D(3, padding="same"),
                              L.SeparableConv2D(8, 3, padding="same", activation="relu"), L.SpatialDropout2D(0.1),
                              L.GlobalAveragePooling2D(), L.LayerNormalization(), L.GaussianNoise(0.05), L.Dense(2)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "m.safetensors")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "m.safetensors").predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("padding, strides, dilation", [("valid", 1, 1), ("same", 2, 1), ("same", 1, 2),
                                                         ("causal", 1, 2), ("causal", 1, 1)])
def test_conv1d_matches_a_padded_torch_convolution(torch, padding, strides, dilation):
    x = _nhwc(2, 11, 3)
    layer = L.Conv1D(4, 3, strides=strides, padding=padding, dilation_rate=dilation)
    out = layer(x).numpy()
    total = dilation * 2
    pads = {"valid": (0, 0), "causal": (total, 0)}.get(padding)
    if padding == "same":  # TensorFlow's: the odd pixel at the end
        whole = max((-(-11 // strides) - 1) * strides + total + 1 - 11, 0)
        pads = (whole // 2, whole - whole // 2)
    xt = torch.nn.functional.pad(torch.tensor(x.numpy()).permute(0, 2, 1), pads)
    weight, bias = torch.tensor(layer.op.weight.numpy()), torch.tensor(layer.op.bias.numpy())
    expected = torch.nn.functional.conv1d(xt, weight, bias, stride=strides, dilation=dilation).permute(0, 2, 1).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    if padding == "causal":  # step t sees only steps <= t
        changed = x.numpy().copy()
        changed[:, 6:] += 1.0
        np.testing.assert_array_equal(layer(dg.tensor(changed)).numpy()[:, :6], out[:, :6])


def test_pooling_1d():
    x = _nhwc(2, 7, 3)
    data = x.numpy()
    np.testing.assert_array_equal(L.MaxPooling1D(2)(x).numpy(), np.maximum(data[:, 0:6:2], data[:, 1:6:2]))
    same = L.AveragePooling1D(3, strides=3, padding="same")(x).numpy()  # windows (pad, 0, 1) (2, 3, 4) (5, 6, pad)
    np.testing.assert_allclose(same[:, [0, 2]], np.stack([data[:, :2].mean(1), data[:, 5:].mean(1)], 1), rtol=1e-6)
    np.testing.assert_allclose(L.GlobalAveragePooling1D()(x).numpy(), data.mean(1), rtol=1e-6)
    np.testing.assert_array_equal(L.GlobalMaxPooling1D()(x).numpy(), data.max(1))
    model = keras.Sequential([L.Input((7, 3)), L.Conv1D(4, 3, padding="causal"), L.MaxPooling1D(2),
                              L.GlobalAveragePooling1D(), L.Dense(1)])
    assert [layer.name for layer in model.layers] == ["conv1d", "max_pooling1d_1", "global_average_pooling1d_1",
                                                      "dense"]
    assert L.MaxPooling2D().name == "max_pooling2d"  # the 1-D layers' inner 2-D pools took no automatic name


def test_group_normalization_matches_torch_group_norm(torch):
    x = _nhwc(2, 4, 5, 6)
    for groups in (3, -1):
        layer = L.GroupNormalization(groups=groups, epsilon=1e-5)
        out = layer(x).numpy()
        g = 6 if groups == -1 else groups
        expected = torch.nn.functional.group_norm(torch.tensor(x.numpy()).permute(0, 3, 1, 2), g, eps=1e-5)
        np.testing.assert_allclose(out, expected.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-5)
    assert L.GroupNormalization(groups=2, center=False).count_params() == 0  # built on first call
    with pytest.raises(ValueError, match="6 channels cannot be split into 4 groups"):
        L.GroupNormalization(groups=4)(x)
