"""DatasetSplits: the common result type."""

from __future__ import annotations

import numpy as np

import deepglass as dg
from deepglass.data import ArrayDataset
from deepglass.datasets import DatasetSplits


def test_splits_helpers():
    train = ArrayDataset(np.zeros((4, 5, 5, 3), np.uint8), np.arange(4))
    test = ArrayDataset(np.full((2, 5, 5, 3), 255, np.uint8), np.arange(2))
    s = DatasetSplits("toy", train, None, test, ["a", "b", "c", "d"], "multiclass")
    assert list(s.splits()) == ["train", "test"] and s.num_classes == 4
    arrays = s.as_float(layout="NHWC")
    assert arrays["train"][0].shape == (4, 5, 5, 3) and arrays["test"][0].max() == 1.0
    assert "train=4, test=2" in repr(s) and "uint8(5, 5, 3)" in repr(s)


def test_iris_feeds_a_loader():
    s = dg.datasets.iris()
    x, y = next(iter(dg.data.DataLoader(s.train, batch_size=120)))
    assert x.shape == (120, 4) and x.dtype == np.float32 and y.dtype == np.int64
