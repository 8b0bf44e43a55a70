"""Keras's preprocessing and augmentation layers: exact geometry, training-only randomness, seeds, configs."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras
from deepglass.keras import layers as L


def _images(n=2, h=5, w=5, c=2, seed=0):
    return np.random.default_rng(seed).random((n, h, w, c)).astype(np.float32)


def _train(layer, x):
    """The layer's output in training mode (where the random layers act)."""
    layer.train()
    return layer(dg.tensor(x)).numpy()


def test_rescaling_resizing_and_center_crop(torch):
    x = _images(h=6, w=8) * 255
    np.testing.assert_allclose(L.Rescaling(1 / 255, offset=-0.5)(dg.tensor(x)).numpy(), x / 255 - 0.5, atol=1e-6)
    resized = L.Resizing(9, 4)(dg.tensor(x)).numpy()
    expected = torch.nn.functional.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=(9, 4), mode="bilinear",
                                               align_corners=False).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(resized, expected, rtol=1e-5, atol=1e-4)  # TF's half-pixel bilinear, no antialias
    np.testing.assert_array_equal(L.CenterCrop(4, 5)(dg.tensor(x)).numpy(), x[:, 1:5, 1:6])
    with pytest.raises(ValueError, match=r"CenterCrop: images of 6×8 are smaller than the crop 7×8"):
        L.CenterCrop(7, 8)(dg.tensor(x))


def test_random_layers_are_the_identity_at_inference():
    x = _images()
    for layer in (L.RandomFlip(), L.RandomRotation(0.2), L.RandomZoom(0.3), L.RandomTranslation(0.2, 0.2),
                  L.RandomContrast(0.5, value_range=(0, 1))):
        layer.eval()
        np.testing.assert_array_equal(layer(dg.tensor(x)).numpy(), x)


def test_random_flip_flips_some_samples_and_repeats_under_a_seed():
    x = _images(n=64)
    dg.manual_seed(1)
    out = _train(L.RandomFlip("horizontal"), x)
    flipped = np.array([np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, x)])
    assert (flipped | kept).all() and 10 < flipped.sum() < 54
    dg.manual_seed(1)
    np.testing.assert_array_equal(_train(L.RandomFlip("horizontal"), x), out)
    np.testing.assert_array_equal(_train(L.RandomFlip(seed=3), x), _train(L.RandomFlip(seed=3), x))
    both = _train(L.RandomFlip("horizontal_and_vertical", seed=0), x)
    assert any(np.array_equal(o, i[::-1, ::-1]) for o, i in zip(both, x))


def test_rotation_by_a_quarter_turn_is_rot90():
    x = _images(h=5, w=5)
    out = _train(L.RandomRotation((0.25, 0.25), interpolation="nearest"), x)
    np.testing.assert_array_equal(out, np.rot90(x, 1, axes=(1, 2)))  # counter-clockwise, as Keras


def test_translation_fill_modes():
    x = _images(n=1, h=8, w=8)
    down = {mode: _train(L.RandomTranslation((0.25, 0.25), 0.0, fill_mode=mode, interpolation="nearest",
                                             fill_value=-1.0), x)[0] for mode in ("reflect", "wrap", "nearest",
                                                                                    "constant")}
    for out in down.values():
        np.testing.assert_array_equal(out[2:], x[0, :-2])  # two rows down
    np.testing.assert_array_equal(down["reflect"][:2], x[0, [1, 0]])  # d c b a | a b c d
    np.testing.assert_array_equal(down["wrap"][:2], x[0, [6, 7]])
    np.testing.assert_array_equal(down["nearest"][:2], x[0, [0, 0]])
    assert (down["constant"][:2] == -1).all()


def test_zoom_about_the_center():
    x = _images(n=1, h=7, w=7)
    zoomed_in = _train(L.RandomZoom((-0.5, -0.5), interpolation="nearest"), x)[0]
    assert np.array_equal(zoomed_in[3, 3], x[0, 3, 3]) and np.array_equal(zoomed_in[1, 1], x[0, 2, 2])
    zoomed_out = _train(L.RandomZoom((1.0, 1.0), fill_mode="constant", fill_value=-1.0, interpolation="nearest"), x)[0]
    assert np.array_equal(zoomed_out[3, 3], x[0, 3, 3]) and np.array_equal(zoomed_out[2, 2], x[0, 1, 1])
    assert (zoomed_out[0, 0] == -1).all()
    stretched = _train(L.RandomZoom((0.0, 0.0), width_factor=(1.0, 1.0), interpolation="nearest"), x)[0]
    np.testing.assert_array_equal(stretched[:, 3], x[0, :, 3])  # height kept, width zoomed out


def test_contrast_scales_about_the_channel_mean_and_clips():
    x = _images(n=1)
    out = _train(L.RandomContrast((0.5, 0.5), value_range=(0, 1)), x)
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, np.clip((x - mean) * 1.5 + mean, 0, 1), rtol=1e-6)


def test_an_augmenting_model_trains_saves_and_loads(tmp_path):
    dg.manual_seed(0)
    x, y = _images(n=16, h=12, w=12, c=3) * 255, np.arange(16) % 2
    model = keras.Sequential([L.Input((12, 12, 3)), L.Rescaling(1 / 255), L.RandomFlip("horizontal"),
                              L.RandomRotation(0.1), L.RandomZoom(0.1), L.RandomTranslation(0.1, 0.1),
                              L.RandomContrast(0.2, value_range=(0, 1)), L.Resizing(10, 10), L.CenterCrop(8, 8),
                              L.Conv2D(4, 3, activation="relu"), L.GlobalAveragePooling2D(), L.Dense(2)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 3
    predictions = model.predict(x, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), predictions)  # no augmentation at inference
    model.save(tmp_path / "augment.safetensors")
    loaded = keras.models.load_model(tmp_path / "augment.safetensors")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), predictions, rtol=1e-6)
    assert loaded.get_layer("random_rotation").get_config()["factor"] == 0.1


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="RandomFlip: mode must be"):
        L.RandomFlip("diagonal")
    with pytest.raises(ValueError, match=r"RandomRotation: fill_mode must be one of \['reflect'"):
        L.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match=r"RandomZoom: factor range \(0.3, 0.1\) is empty"):
        L.RandomZoom((0.3, 0.1))
    with pytest.raises(ValueError, match="Resizing: interpolation must be 'bilinear' or 'nearest'"):
        L.Resizing(4, 4, interpolation="bicubic")


def test_normalization_adapts_inverts_and_is_saved(tmp_path):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((200, 4)) * [1, 2, 3, 4] + [5, 6, 7, 8]).astype(np.float32)
    norm = L.Normalization()
    with pytest.raises(RuntimeError, match="no statistics yet; call adapt"):
        norm(dg.tensor(x))
    norm.adapt(x)
    y = norm(dg.tensor(x)).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(0), 1, atol=1e-4)
    images = rng.random((10, 3, 3, 2)).astype(np.float32)
    per_channel = L.Normalization(axis=-1)
    per_channel.adapt([images[:5], images[5:]])  # batches of a dataset
    np.testing.assert_allclose(per_channel.mean.numpy(), images.mean(axis=(0, 1, 2)), rtol=1e-5)
    back = L.Normalization(mean=[5.0], variance=[4.0], invert=True)(dg.tensor([[0.0], [1.0]]))
    assert back.tolist() == [[5.0], [7.0]]
    model = keras.Sequential([L.Input((4,)), norm, L.Dense(2)])
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.save(tmp_path / "norm.safetensors")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "norm.safetensors").predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="give both mean and variance"):
        L.Normalization(mean=[0.0])


def test_random_brightness_shifts_each_image_while_training():
    layer = L.RandomBrightness((0.1, 0.1), value_range=(0, 1))
    x = dg.full((3, 2, 2, 1), 0.5)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    layer.train()
    np.testing.assert_allclose(layer(x).numpy(), 0.6, rtol=1e-6)  # factor 0.1 of the range width 1
    assert L.RandomBrightness(0.9, value_range=(0, 1))(dg.full((64, 1, 1, 1), 0.5)).numpy().max() <= 1.0


def test_random_crop_trains_on_random_windows_and_predicts_on_the_center():
    x = np.arange(2 * 6 * 7, dtype=np.float32).reshape(2, 6, 7, 1)
    layer = L.RandomCrop(3, 4, seed=0)
    layer.eval()
    np.testing.assert_array_equal(layer(dg.tensor(x)).numpy(), x[:, 1:4, 1:5])
    layer.train()
    crops = [layer(dg.tensor(x)).numpy() for _ in range(20)]
    corners = {(int(c[0, 0, 0, 0]) % 7, int(c[0, 0, 0, 0]) // 7) for c in crops}  # (left, top) of sample 0
    assert len(corners) > 3 and all(0 <= left <= 3 and 0 <= top <= 3 for left, top in corners)
    for c in crops:  # every crop is a real window of its own image
        top, left = int(c[1, 0, 0, 0] - 42) // 7, int(c[1, 0, 0, 0] - 42) % 7
        np.testing.assert_array_equal(c[1], x[1, top:top + 3, left:left + 4])
    with pytest.raises(ValueError, match="smaller than the crop 7×4"):
        L.RandomCrop(7, 4)(dg.tensor(x))
