"""Every random transform: the batch result equals transforming the samples one by one under the same seed."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import transforms as T

TRANSFORMS = {
    "hflip": lambda g: T.RandomHorizontalFlip(generator=g),
    "vflip": lambda g: T.RandomVerticalFlip(generator=g),
    "crop": lambda g: T.RandomCrop(8, padding=2, generator=g),
    "rotation": lambda g: T.RandomRotation(30, interpolation="bilinear", generator=g),
    "affine": lambda g: T.RandomAffine(15, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=10, generator=g),
    "jitter": lambda g: T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, generator=g),
    "noise": lambda g: T.GaussianNoise(sigma=0.2, generator=g),
    "erasing": lambda g: T.RandomErasing(p=0.7, generator=g),
    "erasing_random": lambda g: T.RandomErasing(p=0.7, value="random", generator=g),
    "resized_crop": lambda g: T.RandomResizedCrop(8, scale=(0.3, 1.0), generator=g),
    "blur": lambda g: T.GaussianBlur(3, sigma=(0.5, 2.0), generator=g),
    "random_gray": lambda g: T.RandomGrayscale(p=0.5, generator=g),
    "random_apply": lambda g: T.RandomApply([T.RandomRotation(20), T.GaussianNoise(0.1)], p=0.5, generator=g),
    "random_choice": lambda g: T.RandomChoice([T.RandomAffine(10), T.ColorJitter(0.4), T.RandomInvert()], generator=g),
    "random_order": lambda g: T.RandomOrder([T.RandomAffine(10), T.ColorJitter(0.4), T.RandomSolarize(0.5)],
                                            generator=g),
    "perspective": lambda g: T.RandomPerspective(0.6, p=0.7, generator=g),
    "elastic": lambda g: T.ElasticTransform(alpha=20.0, sigma=2.0, generator=g),
    "equalize": lambda g: T.RandomEqualize(p=0.5, generator=g),
    "trivial_augment": lambda g: T.TrivialAugmentWide(generator=g),
    "rand_augment": lambda g: T.RandAugment(generator=g),
    "compose": lambda g: T.Compose([T.RandomHorizontalFlip(), T.RandomAffine(10, (0.1, 0.1)), T.ColorJitter(0.3, 0.3),
                                    T.GaussianNoise(sigma=0.05), T.RandomErasing(value="random")], generator=g),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_batch_equals_per_sample(name):
    batch = np.random.default_rng(1).random((6, 3, 8, 8)).astype(np.float32)
    out_batch = TRANSFORMS[name](np.random.default_rng(42))(batch)
    t = TRANSFORMS[name](np.random.default_rng(42))
    out_single = np.stack([t(img) for img in batch])
    np.testing.assert_allclose(out_batch, out_single, rtol=0, atol=1e-6)
    assert out_batch.shape == batch.shape
    other = TRANSFORMS[name](np.random.default_rng(43))(batch)
    assert not np.allclose(other, out_batch)  # the parameters really are random


def test_default_generator_follows_manual_seed():
    batch = np.random.default_rng(1).random((4, 1, 8, 8)).astype(np.float32)
    aug = T.RandomAffine(20, translate=(0.2, 0.2))
    dg.manual_seed(3)
    a = aug(batch)
    dg.manual_seed(3)
    b = aug(batch)
    np.testing.assert_array_equal(a, b)


def test_array_dataset_batched_transform_equals_per_sample_getitem():
    images = (np.random.default_rng(0).random((10, 8, 8)) * 255).astype(np.uint8)
    pipeline = T.Compose([T.ToTensor(), T.RandomHorizontalFlip(), T.RandomAffine(10, translate=(0.1, 0.1))])
    ds = dg.data.ArrayDataset(images, np.arange(10), transform=pipeline)
    dg.manual_seed(0)
    x_batch, _ = next(iter(dg.data.DataLoader(ds, batch_size=10)))
    dg.manual_seed(0)
    x_single = np.stack([ds[i][0].numpy() for i in range(10)])
    assert x_batch.shape == (10, 1, 8, 8) and x_batch.dtype == np.float32
    np.testing.assert_allclose(x_batch.numpy(), x_single, atol=1e-6)
