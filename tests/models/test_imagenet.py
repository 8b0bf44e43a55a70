"""ImageNet class names, the standard preprocessing and decode_predictions."""

from __future__ import annotations

import numpy as np
import pytest

from deepglass import models


def test_class_names_are_torchvisions_1000_in_order():
    names = models.imagenet_classes()
    assert len(names) == 1000 == len(set(names))
    assert (names[0], names[9], names[207], names[281], names[999]) == (
        "tench", "ostrich", "golden retriever", "tabby", "toilet tissue")


def test_preprocess_crops_the_center_and_normalizes():
    pytest.importorskip("PIL")
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(256, 320, 3), dtype=np.uint8)  # shorter side already 256: no resize
    x = models.preprocess(image).numpy()
    assert x.shape == (3, 224, 224) and x.dtype == np.float32
    crop = image[16:240, 48:272].astype(np.float32) / 255.0
    expected = ((crop - np.array(models.IMAGENET_MEAN)) / np.array(models.IMAGENET_STD)).transpose(2, 0, 1)
    np.testing.assert_allclose(x, expected, atol=1e-5)


def test_preprocess_resizes_the_shorter_side_and_accepts_chw_floats():
    pytest.importorskip("PIL")
    x = models.preprocess(np.full((3, 100, 150), 0.5, np.float32)).numpy()
    assert x.shape == (3, 224, 224)
    value = (np.round(0.5 * 255) / 255 - np.array(models.IMAGENET_MEAN)) / np.array(models.IMAGENET_STD)
    np.testing.assert_allclose(x[:, 112, 112], value, atol=1e-5)


def test_decode_predictions_gives_names_and_probabilities():
    logits = np.zeros((2, 1000), np.float32)
    logits[0, 281], logits[1, 9] = 10.0, 5.0
    top = models.decode_predictions(logits, top=3)
    assert top[0][0][:2] == (281, "tabby") and top[1][0][:2] == (9, "ostrich")
    assert 0.9 < top[0][0][2] <= 1.0 and len(top[0]) == 3
    with pytest.raises(ValueError, match=r"\(N, 1000\)"):
        models.decode_predictions(np.zeros((2, 10)))
