"""Transforms on CuPy arrays give the NumPy results (skipped without a CUDA GPU and CuPy)."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import transforms as T

CASES = {
    "hflip": lambda: T.RandomHorizontalFlip(),
    "vflip": lambda: T.RandomVerticalFlip(),
    "crop": lambda: T.RandomCrop(12, padding=2),
    "affine": lambda: T.RandomAffine(20, (0.1, 0.1), (0.8, 1.2), 10, interpolation="bilinear"),
    "jitter": lambda: T.ColorJitter(0.3, 0.3, 0.3),
    "noise": lambda: T.GaussianNoise(sigma=0.1),
    "erasing": lambda: T.RandomErasing(p=1.0),
    "resize": lambda: T.Resize((20, 24)),
    "normalize": lambda: T.Normalize([0.5] * 3, [0.2] * 3),
    "center": lambda: T.CenterCrop(10),
    "resized_crop": lambda: T.RandomResizedCrop(10, scale=(0.3, 1.0)),
    "blur": lambda: T.GaussianBlur(5, sigma=(0.5, 2.0)),
    "grayscale": lambda: T.Grayscale(3),
    "random_grayscale": lambda: T.RandomGrayscale(p=0.5),
    "pad_reflect": lambda: T.Pad((1, 2, 3, 4), padding_mode="reflect"),
    "perspective": lambda: T.RandomPerspective(0.5, p=1.0),
    "elastic": lambda: T.ElasticTransform(alpha=20.0, sigma=3.0),
    "invert": lambda: T.RandomInvert(p=0.5),
    "posterize": lambda: T.RandomPosterize(3, p=1.0),
    "solarize": lambda: T.RandomSolarize(0.5, p=1.0),
    "sharpness": lambda: T.RandomAdjustSharpness(2.0, p=1.0),
    "autocontrast": lambda: T.RandomAutocontrast(p=1.0),
    "equalize": lambda: T.RandomEqualize(p=1.0),
    "trivial_augment": lambda: T.TrivialAugmentWide(),
    "rand_augment": lambda: T.RandAugment(),
    "auto_augment": lambda: T.AutoAugment(),
    "random_choice": lambda: T.RandomChoice([T.RandomAffine(10), T.RandomInvert(p=1.0)]),
    "convert_uint8": lambda: T.ConvertImageDtype(np.uint8),
    "affine_reflect": lambda: T.Lambda(lambda x: T.functional.warp_affine(
        x, np.tile([[1.0, 0.2, -3.0], [0.1, 1.0, 2.0]], (len(x), 1, 1)), padding_mode="reflection")),
}


@pytest.fixture
def cupy():
    cp = pytest.importorskip("cupy", reason="CuPy is not installed")
    if not dg.is_available("cuda"):
        pytest.skip("no CUDA GPU visible")
    return cp


@pytest.mark.parametrize("name", sorted(CASES))
def test_transform_on_gpu_matches_cpu(cupy, name):
    x = np.random.default_rng(0).random((8, 3, 16, 16)).astype(np.float32)
    dg.manual_seed(1)
    cpu = CASES[name]()(x)
    dg.manual_seed(1)
    gpu = CASES[name]()(cupy.asarray(x))
    assert isinstance(gpu, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(gpu), cpu, atol=1e-5)


def test_loader_over_cuda_tensors(cupy):
    x = dg.tensor(np.arange(16, dtype=np.float32).reshape(8, 2)).to("cuda")
    ds = dg.data.TensorDataset(x, dg.arange(8).to("cuda"))
    xb, yb = next(iter(dg.data.DataLoader(ds, batch_size=4, shuffle=True)))
    assert xb.device == "cuda" and yb.device == "cuda" and xb.shape == (4, 2)
    np.testing.assert_array_equal(xb.numpy()[:, 0] / 2, yb.numpy())
