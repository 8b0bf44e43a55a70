"""Iris (Fisher 1936, UCI): 150 flowers × 4 measurements, 3 species — shipped inside the package.

The split is fixed and stratified: 40 train / 10 test per species (120/30), chosen once with
`numpy.random.default_rng(0)`, so it is the same on every machine and independent of `dg.manual_seed`.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from ..data.dataset import ArrayDataset
from .splits import DatasetSplits

FEATURE_NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CLASS_NAMES = ["setosa", "versicolor", "virginica"]
TEST_PER_CLASS = 10
SPLIT_SEED = 0


def load_iris_arrays() -> tuple[np.ndarray, np.ndarray]:
    """All 150 samples in file order: features float32 (150, 4) in cm, labels int64 (150,)."""
    text = resources.files(__package__).joinpath("iris.csv").read_text()
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    if len(rows) != 150 or any(len(r) != 5 for r in rows):
        raise ValueError(f"iris.csv inside the package is damaged: expected 150 rows of 5 fields, got {len(rows)}")
    x = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float32)
    y = np.array([CLASS_NAMES.index(r[4]) for r in rows], dtype=np.int64)
    return x, y


def iris(test_per_class: int = TEST_PER_CLASS) -> DatasetSplits:
    """Iris as DatasetSplits: train 120 / test 30 (stratified, fixed), x float32 (N, 4), y int64; val=None."""
    x, y = load_iris_arrays()
    rng = np.random.default_rng(SPLIT_SEED)
    test_idx = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:test_per_class] for c in range(3)])
    test_mask = np.zeros(len(y), dtype=bool)
    test_mask[test_idx] = True
    train, test = np.flatnonzero(~test_mask), np.flatnonzero(test_mask)
    return DatasetSplits(
        name="iris",
        train=ArrayDataset(x[train], y[train]),
        val=None,
        test=ArrayDataset(x[test], y[test]),
        class_names=list(CLASS_NAMES),
        task="multiclass",
        info={"feature_names": list(FEATURE_NAMES), "source": "UCI Machine Learning Repository (Fisher 1936)"},
    )
