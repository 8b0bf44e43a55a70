"""ToTensor, Normalize, ColorJitter, GaussianNoise, RandomErasing: values and statistics."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import transforms as T


def test_to_tensor_single_and_batch():
    hwc = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    t = T.ToTensor()(hwc)
    assert isinstance(t, dg.Tensor) and t.shape == (3, 2, 3) and t.dtype == np.float32
    np.testing.assert_allclose(t.numpy(), hwc.transpose(2, 0, 1) / 255, atol=1e-7)
    gray_batch = np.full((4, 5, 5), 255, np.uint8)
    out = T.ToTensor().apply_batch(gray_batch)
    assert out.shape == (4, 1, 5, 5) and out.max() == 1.0
    assert T.ToTensor().apply_batch(np.zeros((2, 5, 5, 3), np.uint8)).shape == (2, 3, 5, 5)


def test_normalize_per_channel():
    x = np.ones((2, 3, 3), np.float32)
    x[1] *= 3
    out = T.Normalize([0.5, 1.0], [0.5, 2.0])(x)
    np.testing.assert_allclose(out[0], 1.0)
    np.testing.assert_allclose(out[1], 1.0)
    with pytest.raises(TypeError, match="Normalize: expected a float image"):
        T.Normalize(0.5, 0.5)(np.zeros((1, 2, 2), np.uint8))


def test_color_jitter_brightness_and_contrast():
    x = np.random.default_rng(0).random((3, 6, 6)).astype(np.float32) * 0.4
    np.testing.assert_allclose(T.ColorJitter(brightness=(2.0, 2.0))(x), np.clip(2 * x, 0, 1), atol=1e-6)
    flat = T.ColorJitter(contrast=(0.0, 0.0))(x)  # zero contrast: every pixel becomes the mean gray level
    gray = (0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]).mean()
    np.testing.assert_allclose(flat, gray, atol=1e-6)
    desat = T.ColorJitter(saturation=(0.0, 0.0))(x)
    np.testing.assert_allclose(desat[0], desat[1], atol=1e-6)
    factors = T.ColorJitter(brightness=0.5)(np.full((500, 1, 1, 1), 0.5, np.float32)).ravel() / 0.5
    assert 0.5 <= factors.min() < 0.6 and 1.4 < factors.max() <= 1.5


def test_gaussian_noise_statistics():
    x = np.full((20, 1, 32, 32), 0.5, np.float32)
    out = T.GaussianNoise(mean=0.0, sigma=0.1)(x)
    noise = out - x
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.1) < 0.005
    assert T.GaussianNoise(sigma=5.0)(x).max() <= 1.0
    assert T.GaussianNoise(sigma=5.0, clip=False)(x).max() > 1.0


def test_random_erasing_erases_one_rectangle():
    x = np.ones((200, 1, 20, 20), np.float32)
    out = T.RandomErasing(p=1.0, scale=(0.1, 0.2), value=0.0)(x)
    for img in out[:, 0]:
        rows, cols = np.nonzero(img == 0)
        h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert len(rows) == h * w  # a full rectangle
        assert 0.05 * 400 <= h * w <= 0.25 * 400
    assert np.array_equal(T.RandomErasing(p=0.0)(x), x)


def test_grayscale_and_random_grayscale():
    x = np.random.default_rng(0).random((4, 3, 5, 5)).astype(np.float32)
    luma = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    np.testing.assert_allclose(T.Grayscale()(x)[:, 0], luma, rtol=1e-6)
    three = T.Grayscale(num_output_channels=3)(x)
    assert three.shape == x.shape and np.array_equal(three[:, 0], three[:, 2])
    xray = x[:, :1]
    assert T.Grayscale(3)(xray).shape == (4, 3, 5, 5)  # one channel repeated, for pretrained RGB networks
    out = T.RandomGrayscale(p=0.5, generator=np.random.default_rng(3))(np.random.default_rng(1).random((64, 3, 2, 2)))
    gray = np.all(out[:, 0] == out[:, 1], axis=(1, 2))
    assert 15 < gray.sum() < 49
    with pytest.raises(ValueError, match="num_output_channels must be 1 or 3"):
        T.Grayscale(2)


def test_gaussian_blur_matches_torchvisions_filter(torch):
    x = np.random.default_rng(0).random((2, 3, 9, 11)).astype(np.float32)
    out = T.GaussianBlur((5, 3), sigma=1.3)(x)
    taps = lambda k: np.exp(-0.5 * (np.arange(k) - k // 2) ** 2 / 1.3 ** 2)  # noqa: E731
    kx, ky = taps(5) / taps(5).sum(), taps(3) / taps(3).sum()
    kernel = torch.tensor(np.outer(ky, kx), dtype=torch.float32).expand(3, 1, 3, 5)
    padded = torch.nn.functional.pad(torch.tensor(x), (2, 2, 1, 1), mode="reflect")
    expected = torch.nn.functional.conv2d(padded, kernel, groups=3).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    assert T.GaussianBlur(3)((x * 255).astype(np.uint8)).dtype == np.uint8
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        T.GaussianBlur(4)
