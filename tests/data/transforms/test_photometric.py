"""Invert, posterize, solarize, sharpness, autocontrast, equalize: torchvision's formulas on small arrays."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import transforms as T
from deepglass.data.transforms import photometric as P


def _equalize_reference(channel: np.ndarray) -> np.ndarray:
    """torchvision's _scale_channel, written out with a NumPy histogram, for one uint8 channel."""
    hist = np.histogram(channel, bins=256, range=(0, 256))[0]
    nonzero = hist[hist != 0]
    step = nonzero[:-1].sum() // 255
    if step == 0:
        return channel
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255)
    return lut[channel].astype(np.uint8)


def test_equalize_matches_histogram_reference():
    rng = np.random.default_rng(0)
    x = np.clip(rng.normal(90, 20, (3, 2, 24, 24)), 0, 255).astype(np.uint8)  # low-contrast "X-rays"
    x[2, 1] = 7  # a constant channel stays as it is
    out = P.equalize(x)
    ref = np.stack([np.stack([_equalize_reference(c) for c in img]) for img in x])
    np.testing.assert_array_equal(out, ref)
    assert out[0].max() > x[0].max() and out[0].min() < x[0].min()  # spread out
    np.testing.assert_array_equal(out[2, 1], x[2, 1])
    assert out[0, 0].max() > 240 and out[0, 0].min() < 15
    f = x.astype(np.float32) / 255  # floats: quantized to uint8, equalized, back to [0, 1]
    np.testing.assert_allclose(T.RandomEqualize(p=1.0)(f), ref.astype(np.float32) / 255, atol=1e-6)


def test_posterize_bit_masks():
    x = np.arange(256, dtype=np.uint8).reshape(1, 1, 16, 16)
    for bits, mask in ((1, 0b10000000), (3, 0b11100000), (8, 0xFF), (0, 0)):
        np.testing.assert_array_equal(P.posterize(x, bits), x & mask)
    f = np.array([0.0, 0.1, 0.49, 0.5, 0.99, 1.0], np.float32).reshape(1, 1, 1, 6)
    np.testing.assert_allclose(P.posterize(f, 1), [[[[0, 0, 0, 0.5, 0.5, 0.5]]]])
    np.testing.assert_array_equal(T.RandomPosterize(2, p=1.0)(x[0]), x[0] & 0b11000000)


def test_solarize_and_invert():
    x = np.array([0.0, 0.3, 0.5, 0.7, 1.0], np.float32).reshape(1, 5)
    np.testing.assert_allclose(T.RandomSolarize(0.5, p=1.0)(x), [[0.0, 0.3, 0.5, 0.3, 0.0]], atol=1e-7)
    np.testing.assert_allclose(T.RandomInvert(p=1.0)(x), 1 - x)
    u = np.array([[0, 100, 200, 255]], np.uint8)
    np.testing.assert_array_equal(T.RandomInvert(p=1.0)(u), 255 - u)
    np.testing.assert_array_equal(T.RandomSolarize(128, p=1.0)(u), [[0, 100, 55, 0]])


def test_autocontrast_stretches_each_channel():
    x = np.array([[[0.2, 0.4], [0.3, 0.6]], [[0.5, 0.5], [0.5, 0.5]]], np.float32)
    out = T.RandomAutocontrast(p=1.0)(x)
    np.testing.assert_allclose(out[0], (x[0] - 0.2) / 0.4, atol=1e-6)
    np.testing.assert_allclose(out[1], x[1])  # a flat channel is kept


def test_sharpness_blends_with_the_3x3_smoothing():
    x = np.random.default_rng(1).random((1, 6, 7)).astype(np.float32)
    np.testing.assert_allclose(T.RandomAdjustSharpness(1.0, p=1.0)(x), x, atol=1e-6)
    blurred = T.RandomAdjustSharpness(0.0, p=1.0)(x)
    kernel = np.ones((3, 3)) / 13
    kernel[1, 1] = 5 / 13
    expected = x.copy()
    for i in range(1, 5):
        for j in range(1, 6):
            expected[0, i, j] = (x[0, i - 1 : i + 2, j - 1 : j + 2] * kernel).sum()
    np.testing.assert_allclose(blurred, expected, atol=1e-6)
    np.testing.assert_allclose(T.RandomAdjustSharpness(2.0, p=1.0)(x), np.clip(2 * x - expected, 0, 1), atol=1e-6)


@pytest.mark.parametrize("make", [lambda p: T.RandomInvert(p), lambda p: T.RandomPosterize(2, p),
                                  lambda p: T.RandomSolarize(0.5, p), lambda p: T.RandomAdjustSharpness(3, p),
                                  lambda p: T.RandomAutocontrast(p), lambda p: T.RandomEqualize(p)])
def test_probability_zero_one_and_seeding(make):
    x = np.random.default_rng(2).random((16, 1, 6, 6)).astype(np.float32) * 0.5 + 0.25
    np.testing.assert_array_equal(make(0.0)(x), x)
    every = make(1.0)(x)
    assert not np.allclose(every, x)
    dg.manual_seed(5)
    a = make(0.5)(x)
    dg.manual_seed(5)
    b = make(0.5)(x)
    np.testing.assert_array_equal(a, b)
    changed = [not np.array_equal(a[i], x[i]) for i in range(16)]
    assert 0 < sum(changed) < 16  # per-sample decisions
    for i in range(16):
        np.testing.assert_array_equal(a[i], every[i] if changed[i] else x[i])
