"""keras.utils: set_random_seed, the Pillow image helpers, split_dataset and PyDataset in fit."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras
from deepglass.keras import utils


def test_set_random_seed_repeats_python_numpy_and_deepglass_draws():
    def draws():
        return random.random(), np.random.rand(), dg.rand(3).numpy().tolist()

    utils.set_random_seed(123)
    first = draws()
    utils.set_random_seed(123)
    assert draws() == first
    utils.set_random_seed(124)
    assert draws() != first
    with pytest.raises(ValueError, match="integer"):
        utils.set_random_seed(1.5)


def _image(h=6, w=8):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(h, w, 3)).astype(np.uint8)


def test_save_load_and_convert_images(tmp_path):
    pytest.importorskip("PIL")
    pixels = _image()
    path = tmp_path / "a.png"
    utils.save_img(path, pixels, scale=False)
    img = utils.load_img(path)
    assert img.size == (8, 6) and img.mode == "RGB"
    x = utils.img_to_array(img)
    assert x.dtype == np.float32 and x.shape == (6, 8, 3)
    np.testing.assert_array_equal(x, pixels)
    assert utils.img_to_array(img, data_format="channels_first").shape == (3, 6, 8)
    gray = utils.img_to_array(utils.load_img(path, color_mode="grayscale"))
    assert gray.shape == (6, 8, 1)
    assert utils.img_to_array(utils.load_img(path, color_mode="rgba")).shape == (6, 8, 4)
    small = utils.load_img(path, target_size=(3, 4))
    assert small.size == (4, 3)
    np.testing.assert_array_equal(utils.img_to_array(small), pixels[1::2, 1::2])  # nearest (PIL samples centres)
    assert utils.load_img(path, target_size=(4, 4), keep_aspect_ratio=True).size == (4, 4)
    with open(path, "rb") as f:
        assert utils.load_img(f).size == (8, 6)
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(path, color_mode="cmyk")


def test_array_to_img_scales_to_the_full_range_unless_told_not_to():
    pytest.importorskip("PIL")
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(2, 2, 3)
    scaled = np.asarray(utils.array_to_img(x))
    assert scaled.min() == 0 and scaled.max() == 255
    assert utils.array_to_img(x[..., :1]).mode == "L"
    assert utils.array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    raw = np.asarray(utils.array_to_img(np.full((2, 2, 3), 7.0), scale=False))
    assert (raw == 7).all()
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channel number"):
        utils.array_to_img(np.zeros((2, 2, 2)))


def test_save_img_as_jpeg_drops_alpha(tmp_path):
    pytest.importorskip("PIL")
    with pytest.warns(UserWarning, match="RGBA"):
        utils.save_img(tmp_path / "a.jpg", np.random.default_rng(0).random((4, 4, 4)))
    assert utils.load_img(tmp_path / "a.jpg").mode == "RGB"


def test_split_dataset_sizes_order_and_structure():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = utils.split_dataset((x, y), left_size=0.8)
    assert isinstance(left, tuple) and len(left[0]) == 8 and len(right[1]) == 2
    np.testing.assert_array_equal(left[1], np.arange(8))
    np.testing.assert_array_equal(right[0], x[8:])
    left, right = utils.split_dataset(y, left_size=3, right_size=4)  # the middle is dropped
    np.testing.assert_array_equal(left, [0, 1, 2])
    np.testing.assert_array_equal(right, [6, 7, 8, 9])
    left, right = utils.split_dataset(y, right_size=0.25)
    assert len(left) == 8 and len(right) == 2  # round(2.5) is 2
    a, b = utils.split_dataset({"x": x, "y": y}, left_size=0.5, shuffle=True, seed=1)
    c, _ = utils.split_dataset({"x": x, "y": y}, left_size=0.5, shuffle=True, seed=1)
    np.testing.assert_array_equal(a["y"], c["y"])
    assert not np.array_equal(a["y"], np.arange(5))
    np.testing.assert_array_equal(a["x"][:, 0] // 2, a["y"])  # rows stay paired
    assert sorted(np.concatenate([a["y"], b["y"]]).tolist()) == list(range(10))
    with pytest.raises(ValueError, match="left_size` or `right_size"):
        utils.split_dataset(y)
    with pytest.raises(ValueError, match="more than the 10 samples"):
        utils.split_dataset(y, left_size=6, right_size=5)
    with pytest.raises(ValueError, match="should be in"):
        utils.split_dataset(y, left_size=1.5)
    with pytest.raises(ValueError, match="same number of samples"):
        utils.split_dataset((x, y[:5]), left_size=0.5)


class Batches(utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        s = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_pydataset_works_with_fit_evaluate_and_predict():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-1.0], [2.0]])).astype(np.float32)
    data = Batches(x, y, batch_size=16, workers=2)
    assert utils.Sequence is utils.PyDataset and data.num_batches == 4 and data.workers == 2
    dg.manual_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    seen = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    history = model.fit(data, epochs=5, verbose=0, callbacks=[Count()])
    assert seen == [0, 1, 2, 3] * 5 and data.epochs_ended == 5
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.evaluate(data, verbose=0) == pytest.approx(model.evaluate(x, y, batch_size=16, verbose=0), rel=1e-6)
    np.testing.assert_allclose(model.predict(data, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_pydataset_must_define_its_batches():
    class Empty(utils.PyDataset):
        pass

    with pytest.raises(NotImplementedError, match="__len__"):
        len(Empty())
    assert Empty().num_batches is None
