"""RandomApply / RandomChoice / RandomOrder, the augmentation policies, and the dtype conversions."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import transforms as T
from deepglass.data.transforms.autoaugment import _space, apply_op
from deepglass.data.transforms.convert import convert_image_dtype

X = np.random.default_rng(0).random((12, 3, 10, 10)).astype(np.float32)
add1, double = T.Lambda(lambda x: x + 1), T.Lambda(lambda x: x * 2)


def test_random_apply_p0_p1_and_per_sample():
    flip = T.RandomHorizontalFlip(p=1.0)
    np.testing.assert_array_equal(T.RandomApply([flip], p=0.0)(X), X)
    np.testing.assert_array_equal(T.RandomApply([flip, add1], p=1.0)(X), X[..., ::-1] + 1)
    dg.manual_seed(0)
    out = T.RandomApply([add1], p=0.5)(X)
    hit = [np.allclose(out[i], X[i] + 1) for i in range(len(X))]
    assert 0 < sum(hit) < len(X) and all(hit[i] or np.array_equal(out[i], X[i]) for i in range(len(X)))


def test_random_choice_weights_and_mix():
    np.testing.assert_allclose(T.RandomChoice([add1, double], p=[0, 1])(X), X * 2)
    dg.manual_seed(1)
    out = T.RandomChoice([add1, double])(X)
    which = [np.allclose(o, x + 1) for o, x in zip(out, X)]
    assert 0 < sum(which) < len(X)
    assert all(w or np.allclose(o, 2 * x) for w, o, x in zip(which, out, X))


def test_random_order_uses_both_orders():
    dg.manual_seed(2)
    out = T.RandomOrder([add1, double])(X)
    first_add = [np.allclose(o, (x + 1) * 2) for o, x in zip(out, X)]
    assert 0 < sum(first_add) < len(X)
    assert all(f or np.allclose(o, 2 * x + 1) for f, o, x in zip(first_add, out, X))


def test_policy_ops_follow_torchvision_formulas():
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5) / 25
    shear = apply_op(x, "ShearX", np.array([0.5]), "nearest", fill=-1)  # x_in = x + m (y + 0.5), about the corner
    for y in range(5):
        for c in range(5):
            src = np.floor(c + 0.5 * (y + 0.5) + 0.5)
            assert shear[0, 0, y, c] == (x[0, 0, y, int(src)] if src < 5 else -1)
    sheared_y = apply_op(x, "ShearY", np.array([-0.5]), "nearest", fill=-1)  # y_in = y + m (x + 0.5)
    assert sheared_y[0, 0, 4, 4] == x[0, 0, int(np.floor(4 - 0.5 * 4.5 + 0.5)), 4]
    moved = apply_op(x, "TranslateX", np.array([2.7]), "nearest", fill=-1)  # int(2.7) = 2 pixels right
    np.testing.assert_array_equal(moved[0, 0, :, 2:], x[0, 0, :, :3])
    assert (moved[0, 0, :, :2] == -1).all()
    np.testing.assert_allclose(apply_op(x, "Brightness", np.array([-0.5])), x * 0.5)
    np.testing.assert_allclose(apply_op(x, "Solarize", np.array([0.5])), np.where(x >= 0.5, 1 - x, x))
    np.testing.assert_array_equal(apply_op(x, "Rotate", np.array([90.0]))[0, 0, 0], x[0, 0, :, 4])  # CCW


def test_magnitude_bins_match_torchvision():
    ra = _space(31, 224, 224, wide=False)
    assert ra["Posterize"][0][9] == 7 and ra["Posterize"][0][0] == 8 and ra["Posterize"][0][30] == 4
    assert np.isclose(ra["Rotate"][0][9], 9.0) and np.isclose(ra["ShearX"][0][30], 0.3)
    assert np.isclose(ra["TranslateX"][0][30], 150 / 331 * 224)
    wide = _space(31, 32, 32, wide=True)
    assert wide["Posterize"][0][30] == 2 and np.isclose(wide["Rotate"][0][30], 135.0)
    assert len(wide) == 14 and "Invert" not in wide


@pytest.mark.parametrize("make", [lambda g: T.TrivialAugmentWide(generator=g), lambda g: T.RandAugment(generator=g),
                                  lambda g: T.AutoAugment(generator=g),
                                  lambda g: T.AutoAugment(T.AutoAugmentPolicy.SVHN, generator=g)])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_policies_batch_equals_per_sample(make, dtype):
    x = X if dtype == np.float32 else (X * 255).astype(np.uint8)
    out = make(np.random.default_rng(7))(x)
    t = make(np.random.default_rng(7))
    single = np.stack([t(img) for img in x])
    assert out.dtype == x.dtype and out.shape == x.shape
    np.testing.assert_allclose(out.astype(np.float32), single.astype(np.float32), atol=1e-6)
    assert out.min() >= 0 and out.max() <= (1 if dtype == np.float32 else 255)
    assert not np.array_equal(out, x)


def test_convert_image_dtype():
    u = np.array([[0, 1, 128, 255]], np.uint8)
    np.testing.assert_allclose(T.ConvertImageDtype(np.float32)(u), u / 255.0, rtol=1e-6)
    f = np.array([[0.0, 0.5, 0.999, 1.0]], np.float32)
    np.testing.assert_array_equal(T.ConvertImageDtype(np.uint8)(f), [[0, 127, 255, 255]])
    np.testing.assert_array_equal(convert_image_dtype(u, np.int32), u.astype(np.int32) * 2**23)
    np.testing.assert_array_equal(convert_image_dtype(u.astype(np.int16) * 128, np.uint8), u)  # // (32768 // 256)
    with pytest.raises(RuntimeError):
        convert_image_dtype(f, np.int32)


def test_pil_round_trip():
    pytest.importorskip("PIL")
    img = (np.random.default_rng(0).random((5, 6, 3)) * 255).astype(np.uint8)
    pil = T.ToPILImage()(img)
    assert pil.mode == "RGB" and pil.size == (6, 5)
    back = T.PILToTensor()(pil)
    assert isinstance(back, dg.Tensor) and back.dtype == np.uint8
    np.testing.assert_array_equal(back.numpy(), img.transpose(2, 0, 1))
    gray = T.ToPILImage()(dg.tensor(np.full((1, 2, 2), 0.5, np.float32)))
    assert gray.mode == "L" and np.asarray(gray).tolist() == [[127, 127], [127, 127]]
    assert T.ToPILImage(mode="F")(dg.tensor(np.full((1, 2, 2), 0.5, np.float32))).mode == "F"
