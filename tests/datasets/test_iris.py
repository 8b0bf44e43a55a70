"""Iris ships inside the package with a fixed stratified split."""

from __future__ import annotations

import numpy as np

import deepglass as dg
from deepglass.datasets.iris import load_iris_arrays


def test_iris_shipped_and_complete():
    x, y = load_iris_arrays()
    assert x.shape == (150, 4) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(x[0], [5.1, 3.5, 1.4, 0.2])


def test_iris_matches_scikit_learn():
    sklearn_datasets = __import__("pytest").importorskip("sklearn.datasets")
    ref = sklearn_datasets.load_iris()
    x, y = load_iris_arrays()
    np.testing.assert_allclose(x, ref.data, atol=1e-6)
    np.testing.assert_array_equal(y, ref.target)


def test_iris_split_is_fixed_and_stratified():
    s = dg.datasets.iris()
    assert (len(s.train), len(s.test), s.val) == (120, 30, None)
    assert np.bincount(s.train.y).tolist() == [40, 40, 40] and np.bincount(s.test.y).tolist() == [10, 10, 10]
    assert s.class_names == ["setosa", "versicolor", "virginica"] and s.task == "multiclass"
    dg.manual_seed(123)  # the split must not depend on the global seed
    again = dg.datasets.iris()
    np.testing.assert_array_equal(again.test.x, s.test.x)
    all_rows = {tuple(r) for r in np.concatenate([s.train.x, s.test.x]).tolist()}
    assert len(np.concatenate([s.train.x, s.test.x])) == 150 and len(all_rows) >= 147  # iris has 3 duplicates
    assert s.train.as_float().shape == (120, 4)
