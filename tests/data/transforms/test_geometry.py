"""Geometry of the transforms: rotations, flips, translations, scale, crops, resize, and torch parity."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import transforms as T
from deepglass.data.transforms import functional as F


def _img(c=2, h=7, w=7, seed=0):
    return np.random.default_rng(seed).random((c, h, w)).astype(np.float32)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_rotation_by_90_degrees_is_rot90(interpolation):
    x = _img()
    ccw = T.RandomRotation((90, 90), interpolation=interpolation)(x)
    np.testing.assert_allclose(ccw, np.rot90(x, k=1, axes=(1, 2)), atol=1e-6)
    cw = T.RandomRotation((-90, -90), interpolation=interpolation)(x)
    np.testing.assert_allclose(cw, np.rot90(x, k=-1, axes=(1, 2)), atol=1e-6)
    half = T.RandomRotation((180, 180))(x)
    np.testing.assert_allclose(half, x[:, ::-1, ::-1], atol=1e-6)


def test_rotation_moves_a_known_pixel():
    x = np.zeros((1, 5, 5), np.float32)
    x[0, 2, 4] = 1.0  # right of the center
    out = T.RandomRotation((90, 90))(x)
    assert out[0, 0, 2] == 1.0 and out.sum() == 1.0  # counter-clockwise: right of center goes up


def test_flips():
    x = _img()
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x), x[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(x), x[:, ::-1, :])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(x), x)
    batch = np.stack([_img(seed=k) for k in range(200)])
    flipped = T.RandomHorizontalFlip(p=0.5)(batch)
    was_flipped = [np.array_equal(f, b[:, :, ::-1]) for f, b in zip(flipped, batch)]
    assert 70 < sum(was_flipped) < 130  # about half, each sample on its own


def test_translation_moves_a_pixel_by_the_drawn_offset():
    x = np.zeros((1, 20, 20), np.float32)
    x[0, 10, 10] = 1.0
    out = T.RandomAffine(0, translate=(0.2, 0.3), generator=np.random.default_rng(5))(x)
    u = T.SampleStream.draw(np.random.default_rng(5), 1).uniform(6)[0]  # the numbers the transform used
    tx, ty = round(-4 + 8 * u[1]), round(-6 + 12 * u[2])  # translate fraction × size, whole pixels
    assert (tx, ty) != (0, 0)
    assert out[0, 10 + ty, 10 + tx] == 1.0 and out.sum() == 1.0


def test_scale_about_the_center():
    x = np.zeros((1, 9, 9), np.float32)
    x[0, 4, 5] = 1.0  # one right of the center (4, 4)
    out = T.RandomAffine(0, scale=(2.0, 2.0))(x)
    assert out[0, 4, 6] == 1.0 and out[0, 4, 5] == 1.0  # a 1-pixel dot becomes 2 wide, reaching x = 6
    small = np.zeros((1, 9, 9), np.float32)
    small[0, 4, 8] = 1.0
    assert T.RandomAffine(0, scale=(0.5, 0.5))(small)[0, 4, 6] == 1.0  # 4 right → 2 right


def test_shear_keeps_the_center_row_and_slants_others():
    x = np.zeros((1, 9, 9), np.float32)
    x[0, :, 4] = 1.0  # vertical line through the center
    out = T.RandomAffine(0, shear=(45, 45))(x)  # x' = x + tan(45°) * (y - cy)
    assert out[0, 4, 4] == 1.0 and out[0, 6, 6] == 1.0 and out[0, 2, 2] == 1.0


def test_random_crop_with_padding():
    x = _img(c=1, h=6, w=6)
    crop = T.RandomCrop(6, padding=2, generator=np.random.default_rng(3))
    out = crop(x)
    u = T.SampleStream.draw(np.random.default_rng(3), 1).uniform(2)[0]
    top, left = int(u[0] * 5), int(u[1] * 5)
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2)))
    np.testing.assert_array_equal(out, padded[:, top : top + 6, left : left + 6])
    assert T.RandomCrop((3, 4))(x).shape == (1, 3, 4)
    with pytest.raises(ValueError, match="larger than"):
        T.RandomCrop(8)(x)


def test_center_crop_and_resize():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    np.testing.assert_array_equal(T.CenterCrop(2)(x), x[:, 1:3, 1:3])
    np.testing.assert_array_equal(T.Resize((8, 8), interpolation="nearest")(x), x.repeat(2, 1).repeat(2, 2))
    half = T.Resize((2, 2))(x)  # bilinear at pixel centers 0.5 and 2.5: the mean of each 2×2 block
    np.testing.assert_allclose(half[0], x[0].reshape(2, 2, 2, 2).mean(axis=(1, 3)))
    assert T.Resize(8)(np.zeros((3, 4, 6), np.float32)).shape == (3, 8, 12)  # shorter edge → 8


def test_uint8_geometry_keeps_dtype_and_tensors_stay_tensors():
    x = (np.arange(2 * 5 * 5) % 256).astype(np.uint8).reshape(2, 5, 5)
    out = T.RandomRotation((90, 90), interpolation="bilinear")(x)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.rot90(x, axes=(1, 2)))
    t = T.RandomHorizontalFlip(1.0)(dg.tensor(x.astype(np.float32)))
    assert isinstance(t, dg.Tensor) and t.shape == (2, 5, 5)


@pytest.mark.torch
def test_warp_affine_matches_torch_grid_sample(torch):
    rng = np.random.default_rng(0)
    x = rng.random((3, 2, 9, 11)).astype(np.float32)
    theta = F.affine_matrices(rng.uniform(-40, 40, 3), rng.uniform(-2, 2, (3, 2)), rng.uniform(0.7, 1.3, 3),
                              rng.uniform(-10, 10, (3, 2)), F.image_center(9, 11))
    H, W = 9, 11
    P = np.array([[(W - 1) / 2, 0, (W - 1) / 2], [0, (H - 1) / 2, (H - 1) / 2], [0, 0, 1]])  # normalized → pixels
    full = np.concatenate([theta, np.tile([[[0, 0, 1]]], (3, 1, 1))], axis=1)
    theta_t = (np.linalg.inv(P) @ full @ P)[:, :2]
    grid = torch.nn.functional.affine_grid(torch.tensor(theta_t), (3, 2, H, W), align_corners=True)
    for mode in ("bilinear", "nearest"):
        ref = torch.nn.functional.grid_sample(torch.tensor(x, dtype=torch.float64), grid, mode=mode,
                                              padding_mode="zeros", align_corners=True).numpy()
        ours = F.warp_affine(x.astype(np.float64), theta, interpolation=mode)
        if mode == "nearest":  # ties at exactly .5 may round differently; compare where both agree on support
            assert np.mean(np.isclose(ours, ref, atol=1e-6)) > 0.99
        else:
            np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_random_resized_crop_boxes_follow_torchvision_rules():
    aug = T.RandomResizedCrop((6, 10), scale=(0.2, 0.9), ratio=(0.5, 2.0), generator=np.random.default_rng(0))
    stream = T.SampleStream.draw(np.random.default_rng(1), 500)
    top, left, h, w = aug.boxes(stream, 40, 30).T
    area = h * w / (40 * 30)
    assert (h >= 1).all() and (top >= 0).all() and (top + h <= 40).all() and (left + w <= 30).all()
    assert area.min() > 0.18 and area.max() < 0.92 and (w / h).min() > 0.45 and (w / h).max() < 2.2
    assert len(np.unique(np.stack([top, left, h, w], 1), axis=0)) > 400  # really random
    impossible = T.RandomResizedCrop(4, scale=(0.5, 1.0), ratio=(10.0, 20.0))  # never fits a square: central crop
    box = impossible.boxes(T.SampleStream.draw(np.random.default_rng(0), 3), 20, 20)
    np.testing.assert_array_equal(box, [[9, 0, 2, 20]] * 3)


def test_random_resized_crop_of_the_whole_image_is_a_resize():
    x = np.random.default_rng(0).random((3, 2, 12, 16)).astype(np.float32)
    whole = T.RandomResizedCrop((6, 8), scale=(1.0, 1.0), ratio=(16 / 12, 16 / 12))(x)
    np.testing.assert_allclose(whole, T.Resize((6, 8))(x), atol=1e-6)
    assert T.RandomResizedCrop(5)(x).shape == (3, 2, 5, 5)
