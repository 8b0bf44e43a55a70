"""Training on the GPU (CuPy): Keras-style fit/evaluate/predict, the model zoo and the diagnostics give the CPU's
results; skipped where no GPU is available."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras, nn
from deepglass.diagnostics import LayerMonitor, grad_cam

pytestmark = pytest.mark.skipif(not dg.is_available("cuda"), reason="needs CuPy and an NVIDIA GPU")


def _twins(make):
    """Two copies of `make()` with the same weights, the second moved to the GPU."""
    cpu, gpu = make(), make()
    gpu.load_state_dict(cpu.state_dict())
    return cpu, gpu.to("cuda")


def _small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))


def _keras_cnn():
    return keras.Sequential([keras.layers.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.BatchNormalization(), keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                             keras.layers.Dense(3)])


def test_keras_fit_evaluate_predict_on_cuda_match_cpu():
    """A dg.nn loss with class weights, compiled on the CPU, follows the model to the GPU."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((48, 12, 12, 1)).astype(np.float32), rng.integers(0, 3, 48)
    results = {}
    for device in ("cpu", "cuda"):
        dg.manual_seed(0)
        model = _keras_cnn()
        model.compile(optimizer="adam", loss=nn.CrossEntropyLoss(weight=[1.0, 2.0, 0.5]), metrics=["accuracy"])
        model.to(device)
        monitor = LayerMonitor(every=1)
        history = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[monitor])
        assert monitor.nonfinite is None and len(monitor.steps) == 6
        predictions = model.predict(x, verbose=0)
        assert type(predictions) is np.ndarray
        results[device] = history.history["loss"], model.evaluate(x, y, verbose=0), predictions
    np.testing.assert_allclose(results["cuda"][0], results["cpu"][0], rtol=1e-4)
    np.testing.assert_allclose(results["cuda"][1], results["cpu"][1], rtol=1e-4)
    np.testing.assert_allclose(results["cuda"][2], results["cpu"][2], rtol=1e-3, atol=1e-4)


def test_layer_monitor_names_the_nonfinite_layer_on_cuda():
    model = dg.Model(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))).to("cuda")
    model.compile(optimizer=dg.optim.SGD(model.parameters(), lr=1e30), loss=nn.CrossEntropyLoss())
    monitor = LayerMonitor(every=1)
    x = np.random.default_rng(0).standard_normal((32, 4)).astype(np.float32) * 1e3
    model.fit(x, np.zeros(32, dtype=np.int64), epochs=3, batch_size=8, verbose=0, callbacks=[monitor])
    assert monitor.nonfinite is not None and monitor.nonfinite.step < 12


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "unet"])
def test_model_zoo_on_cuda_matches_cpu(name):
    """Forward and backward through every block, in eval mode: BatchNorm's batch statistics over a few values
    (1×1 maps at MobileNet's end) make training-mode gradients ill-conditioned even between float32 and float64
    on one CPU, while the layer tests above check BatchNorm in training mode."""
    make = {"resnet18": lambda: dg.models.resnet18(num_classes=3, in_channels=1, small_input=True),
            "mobilenet_v2": lambda: dg.models.mobilenet_v2(num_classes=3, in_channels=1, width_mult=0.5),
            "unet": lambda: dg.models.unet(in_channels=1, num_classes=2, depth=2, base_channels=8)}[name]
    x = np.random.default_rng(0).standard_normal((2, 1, 32, 32)).astype(np.float32)
    cpu, gpu = (model.eval() for model in _twins(make))
    outputs, grads = [], []
    for model, device in ((cpu, "cpu"), (gpu, "cuda")):
        out = model(dg.tensor(x, device=device))
        (out * out).mean().backward()
        outputs.append(out.numpy())
        grads.append({n: p.grad.numpy() for n, p in model.named_parameters()})
    np.testing.assert_allclose(outputs[1], outputs[0], rtol=1e-4, atol=1e-5 * np.abs(outputs[0]).max())
    for key, value in grads[0].items():
        np.testing.assert_allclose(grads[1][key], value, rtol=1e-4, atol=1e-4 * np.abs(value).max(),
                                   err_msg=f"{name}: {key}")


def test_grad_cam_on_cuda_matches_cpu():
    cpu, gpu = _twins(_small_cnn)
    x = np.random.default_rng(0).standard_normal((3, 1, 10, 10)).astype(np.float32)
    maps = [grad_cam(model, x, class_idx=1) for model in (cpu, gpu)]
    assert type(maps[1]) is np.ndarray and maps[1].shape == (3, 10, 10)
    np.testing.assert_allclose(maps[1], maps[0], rtol=1e-3, atol=1e-4)


def test_unbuilt_keras_model_builds_on_the_device_of_its_input():
    model = keras.Sequential([keras.layers.Conv2D(4, 3), keras.layers.Flatten(), keras.layers.Dense(2)])
    out = model(dg.randn(2, 8, 8, 1, device="cuda"))
    assert out.device == "cuda" and model.built
    assert {p.device for p in model.parameters()} == {"cuda"} and len(list(model.parameters())) == 4
    # moved before it has weights: fit builds it, and trains it, on the GPU
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]).to("cuda")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    history = model.fit(rng.standard_normal((32, 5)).astype(np.float32), rng.integers(0, 2, 32), epochs=2,
                        verbose=0)
    assert {p.device for p in model.parameters()} == {"cuda"} and len(history.history["loss"]) == 2


@pytest.mark.parametrize("make", [
    lambda: nn.Linear(3, 4, device="cuda"), lambda: nn.Conv2d(2, 4, 3, device="cuda"),
    lambda: nn.ConvTranspose2d(2, 4, 3, device="cuda"), lambda: nn.BatchNorm2d(2, device="cuda"),
    lambda: nn.LayerNorm(2, device="cuda"), lambda: nn.GroupNorm(1, 2, device="cuda"),
    lambda: nn.PReLU(2, device="cuda"), lambda: nn.Embedding(5, 2, device="cuda"),
], ids=["linear", "conv2d", "conv_transpose2d", "batchnorm2d", "layernorm", "groupnorm", "prelu", "embedding"])
def test_layers_made_with_device_cuda(make):
    layer = make()
    assert {t.device for t in [*layer.parameters(), *layer.buffers()]} == {"cuda"}
    assert float(abs(layer.weight.numpy()).sum()) > 0  # initialized on the GPU


def test_diagnostics_on_a_cuda_model_match_cpu():
    from deepglass.diagnostics import (
        effective_receptive_field,
        feature_maps,
        first_layer_filters,
        layer_features,
        lr_find,
    )

    cpu, gpu = _twins(_small_cnn)
    x = np.random.default_rng(0).standard_normal((8, 1, 10, 10)).astype(np.float32)
    for fn in (lambda m: feature_maps(m, x, m[2]), lambda m: layer_features(m, x, m[5]),
               lambda m: first_layer_filters(m),
               lambda m: effective_receptive_field(m[:4], (1, 10, 10), inputs=x[:2]).map):
        expected, got = fn(cpu), fn(gpu)
        assert type(got) is np.ndarray
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())
    result = lr_find(gpu, x, np.arange(8) % 2, loss_fn=nn.CrossEntropyLoss(), optimizer=dg.optim.SGD(gpu.parameters()),
                     num_steps=10, batch_size=4)
    assert len(result.lrs) == len(result.losses) > 0 and all(p.device == "cuda" for p in gpu.parameters())


def test_keras_augmentation_layers_on_cuda_match_cpu():
    x = np.random.default_rng(0).random((6, 10, 10, 3)).astype(np.float32)
    outputs = []
    for device in ("cpu", "cuda"):
        L = keras.layers  # noqa: N806
        model = keras.Sequential([L.Rescaling(2.0), L.RandomFlip(), L.RandomRotation(0.1), L.RandomZoom(0.2),
                                  L.RandomTranslation(0.1, 0.1), L.RandomContrast(0.3, value_range=(0, 2)),
                                  L.Resizing(8, 8), L.ZeroPadding2D(1), L.GaussianNoise(0.0)])
        model.train()
        dg.manual_seed(5)
        out = model(dg.tensor(x, device=device))
        assert out.device == device
        outputs.append(out.numpy())
    np.testing.assert_allclose(outputs[1], outputs[0], atol=1e-5)


_L = keras.layers
KERAS_LAYERS = {  # name: (layer factory, input shape without the batch axis, integer input)
    "conv1d_causal": (lambda: _L.Conv1D(4, 3, padding="causal", dilation_rate=2), (10, 3), False),
    "depthwise_conv2d": (lambda: _L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (7, 7, 3), False),
    "separable_conv2d": (lambda: _L.SeparableConv2D(5, 3, strides=2), (9, 9, 3), False),
    "conv2d_transpose": (lambda: _L.Conv2DTranspose(4, 3, strides=2, padding="same"), (5, 5, 3), False),
    "max_pool1d": (lambda: _L.MaxPooling1D(2), (10, 3), False),
    "avg_pool1d": (lambda: _L.AveragePooling1D(3, strides=2, padding="same"), (10, 3), False),
    "global_avg_pool1d": (lambda: _L.GlobalAveragePooling1D(), (10, 3), False),
    "cropping2d": (lambda: _L.Cropping2D(((1, 2), (0, 1))), (8, 8, 2), False),
    "zero_padding2d": (lambda: _L.ZeroPadding2D((1, 2)), (5, 5, 2), False),
    "layer_norm": (lambda: _L.LayerNormalization(), (6, 4), False),
    "group_norm": (lambda: _L.GroupNormalization(groups=2), (5, 5, 4), False),
    "batch_norm": (lambda: _L.BatchNormalization(), (5, 5, 4), False),
    "embedding": (lambda: _L.Embedding(11, 4), (6,), True),
    "elu": (lambda: _L.ELU(0.5), (7,), False),
    "prelu": (lambda: _L.PReLU(), (3, 3, 2), False),
    "permute": (lambda: _L.Permute((2, 1)), (4, 5), False),
    "center_crop": (lambda: _L.CenterCrop(4, 4), (7, 7, 2), False),
    "random_crop_inference": (lambda: _L.RandomCrop(4, 4), (7, 7, 2), False),
    "lstm": (lambda: _L.LSTM(6, return_sequences=True), (5, 4), False),
    "gru": (lambda: _L.GRU(6), (5, 4), False),
    "bidirectional_lstm": (lambda: _L.Bidirectional(_L.LSTM(6, return_sequences=True)), (5, 4), False),
    "time_distributed": (lambda: _L.TimeDistributed(_L.Dense(3)), (5, 4), False),
    "conv3d": (lambda: _L.Conv3D(5, 3, strides=2, padding="same"), (7, 8, 9, 3), False),
    "conv3d_transpose": (lambda: _L.Conv3DTranspose(4, 3, strides=2, padding="same"), (3, 4, 5, 3), False),
    "pooling3d": (lambda: _L.MaxPooling3D(2, padding="same"), (5, 4, 7, 3), False),
    "global_avg_pool3d": (lambda: _L.GlobalAveragePooling3D(), (5, 4, 7, 3), False),
}


@pytest.mark.parametrize("name", sorted(KERAS_LAYERS))
def test_keras_layers_on_cuda_match_cpu(name):
    from nn.layercheck import check_device_parity

    make_layer, shape, integer = KERAS_LAYERS[name]
    rng = np.random.default_rng(0)
    x = rng.integers(0, 11, (3, *shape)) if integer else rng.standard_normal((3, *shape)).astype(np.float32)

    def make():
        model = keras.Sequential([_L.Input(shape), make_layer()])
        model.build()  # weights exist before they are copied to the GPU twin
        assert name in ("center_crop", "cropping2d", "elu", "global_avg_pool1d", "max_pool1d", "avg_pool1d",
                        "permute", "random_crop_inference", "zero_padding2d", "pooling3d",
                        "global_avg_pool3d") or list(model.parameters())
        return model

    check_device_parity(make, [x], "cuda", train=name != "random_crop_inference")
