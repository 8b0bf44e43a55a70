"""Pad, RandomPerspective, ElasticTransform, FiveCrop, TenCrop."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import transforms as T
from deepglass.data.transforms.perspective import perspective_coefficients, warp_perspective


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes_match_numpy(mode):
    x = np.arange(2 * 4 * 5, dtype=np.float32).reshape(2, 4, 5)
    out = T.Pad((1, 2, 3, 1), fill=0, padding_mode=mode)(x)  # left, top, right, bottom
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (2, 1), (1, 3)), mode=mode))
    assert T.Pad(2)(x).shape == (2, 8, 9) and T.Pad((1, 3))(x).shape == (2, 10, 7)


def test_pad_fill_per_channel_and_tensor():
    x = dg.tensor(np.zeros((2, 2, 2), np.float32))
    out = T.Pad(1, fill=(0.5, 0.25))(x)
    assert isinstance(out, dg.Tensor) and out.shape == (2, 4, 4)
    assert (out.numpy()[0, 0] == 0.5).all() and (out.numpy()[1, :, 0] == 0.25).all()
    with pytest.raises(ValueError):
        T.Pad(1, padding_mode="wrap")


def test_perspective_zero_distortion_is_identity_and_p_zero_too():
    x = np.random.default_rng(0).random((3, 2, 9, 11)).astype(np.float32)
    np.testing.assert_allclose(T.RandomPerspective(distortion_scale=0.0, p=1.0)(x), x, atol=1e-5)
    np.testing.assert_array_equal(T.RandomPerspective(distortion_scale=0.9, p=0.0)(x), x)
    out = T.RandomPerspective(distortion_scale=0.8, p=1.0, fill=-1.0)(x)
    assert out.shape == x.shape and (out == -1.0).any()  # corners pulled in leave fill behind


def test_perspective_coefficients_map_corners_and_shift():
    start = np.array([[[0, 0], [9, 0], [9, 9], [0, 9]]], np.float64)
    end = np.array([[[1, 2], [8, 0], [9, 7], [0, 9]]], np.float64)
    c = perspective_coefficients(start, end)[0]
    for (ex, ey), (sx, sy) in zip(end[0], start[0]):
        d = c[6] * ex + c[7] * ey + 1
        assert np.allclose([(c[0] * ex + c[1] * ey + c[2]) / d, (c[3] * ex + c[4] * ey + c[5]) / d], [sx, sy])
    shift = perspective_coefficients(start, start + [2.0, 0.0])  # a pure translation by 2 pixels to the right
    x = np.arange(10, dtype=np.float32)[None, None, None, :].repeat(3, axis=2)
    out = warp_perspective(x, shift, "nearest", fill=-1)
    np.testing.assert_array_equal(out[0, 0, 0], [-1, -1, 0, 1, 2, 3, 4, 5, 6, 7])


def test_elastic_zero_alpha_is_identity_and_is_smooth():
    x = np.random.default_rng(1).random((2, 1, 20, 20)).astype(np.float32)
    np.testing.assert_allclose(T.ElasticTransform(alpha=0.0)(x), x, atol=1e-6)
    t = T.ElasticTransform(alpha=50.0, sigma=5.0)
    dg.manual_seed(0)
    dx, dy = t.displacement(dg.data.transforms.SampleStream.draw(None, 1), 20, 20)
    assert dx.shape == (1, 20, 20) and np.abs(dx).max() < 25 and np.abs(dx).max() > 0.01
    assert np.abs(np.diff(dx, axis=2)).mean() < np.abs(dx).mean()  # blurred: neighbours move together
    out = T.ElasticTransform(alpha=400.0, sigma=2.0, fill=-1.0)(x)
    assert out.shape == x.shape and (out == -1.0).any()
    dg.manual_seed(3)
    a = t(x)
    dg.manual_seed(3)
    np.testing.assert_array_equal(a, t(x))


def test_five_crop_and_ten_crop_positions():
    x = np.arange(6 * 8, dtype=np.float32).reshape(1, 6, 8)
    tl, tr, bl, br, center = T.FiveCrop((2, 3))(x)
    np.testing.assert_array_equal(tl, x[:, :2, :3])
    np.testing.assert_array_equal(tr, x[:, :2, 5:])
    np.testing.assert_array_equal(bl, x[:, 4:, :3])
    np.testing.assert_array_equal(br, x[:, 4:, 5:])
    np.testing.assert_array_equal(center, x[:, 2:4, 2:5])  # torchvision: round((6-2)/2), round((8-3)/2)=2
    ten = T.TenCrop(2)(x)
    assert len(ten) == 10
    np.testing.assert_array_equal(ten[5], x[:, :2, ::-1][:, :, :2])  # top-left of the mirrored image
    vten = T.TenCrop(2, vertical_flip=True)(x)
    np.testing.assert_array_equal(vten[5], x[:, ::-1][:, :2, :2])
    batch = T.FiveCrop(2)(np.stack([x, x + 1]))
    assert batch[0].shape == (2, 1, 2, 2)
    crops = T.FiveCrop(2)(dg.tensor(x))
    assert all(isinstance(c, dg.Tensor) for c in crops)
