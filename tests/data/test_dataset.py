"""Datasets: ArrayDataset, TensorDataset, Subset, ConcatDataset, random_split."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import ArrayDataset, ConcatDataset, Subset, TensorDataset, random_split


def test_array_dataset_indexing_and_batches():
    ds = ArrayDataset(np.arange(12).reshape(6, 2), np.arange(6) * 10)
    assert len(ds) == 6 and ds[-1][1] == 50
    x, y = ds.get_batch([4, 0])
    np.testing.assert_array_equal(x, [[8, 9], [0, 1]])
    np.testing.assert_array_equal(y, [40, 0])
    with pytest.raises(IndexError, match="ArrayDataset: index 6"):
        ds[6]
    with pytest.raises(ValueError, match="x has 6 samples but y has 5"):
        ArrayDataset(np.zeros((6, 2)), np.zeros(5))


def test_array_dataset_plain_callable_transform_runs_per_sample():
    ds = ArrayDataset(np.arange(4.0).reshape(4, 1), np.zeros(4), transform=lambda v: v * 2)
    np.testing.assert_array_equal(ds[3][0], [6.0])
    np.testing.assert_array_equal(ds.get_batch([1, 3])[0], [[2.0], [6.0]])


def test_tensor_dataset_and_subset_and_concat():
    t = TensorDataset(dg.arange(5), dg.arange(5) * 2)
    assert t[2] == (2, 4)
    sub = Subset(t, [4, 1])
    assert len(sub) == 2 and sub[0] == (4, 8)
    np.testing.assert_array_equal(sub.get_batch([1])[1], [2])
    cat = ConcatDataset([ArrayDataset(np.zeros((3, 1)), np.zeros(3)), ArrayDataset(np.ones((2, 1)), np.ones(2))])
    assert len(cat) == 5 and cat[3][1] == 1 and cat[2][1] == 0
    assert not hasattr(Subset(cat, [0]), "get_batch")


def test_random_split_partitions_and_repeats():
    ds = ArrayDataset(np.arange(10)[:, None], np.arange(10))
    a, b = random_split(ds, [7, 3])
    ids = sorted(a.indices.tolist() + b.indices.tolist())
    assert ids == list(range(10)) and len(a) == 7
    dg.manual_seed(0)
    a2, _ = random_split(ds, [7, 3])
    np.testing.assert_array_equal(a.indices, a2.indices)
    f = random_split(ds, [0.5, 0.3, 0.2], generator=np.random.default_rng(0))
    assert [len(s) for s in f] == [5, 3, 2]
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(ds, [4, 5])
