"""DatasetSplits: what every loader in `deepglass.datasets` returns.

    splits = dg.datasets.mnist()
    splits.train.x, splits.train.y        # uint8 (60000, 28, 28), int64 (60000,)
    splits.train.as_float()               # float32 (60000, 1, 28, 28) in [0, 1]
    splits.class_names, splits.task       # ['0', ..., '9'], 'multiclass'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data.dataset import ArrayDataset

TASKS = ("binary", "multiclass", "multilabel", "ordinal", "regression")


@dataclass
class DatasetSplits:
    """Official splits of one dataset: `.train`, `.val` (None when there is no official one), `.test`.

    Each split is an `ArrayDataset` (`.x`, `.y`, `.images`, `.labels`, `.as_float()`); `.class_names`
    lists the label names in label order and `.task` is one of 'binary', 'multiclass', 'multilabel',
    'ordinal', 'regression'.
    """

    name: str
    train: ArrayDataset
    val: ArrayDataset | None
    test: ArrayDataset | None
    class_names: list[str]
    task: str = "multiclass"
    info: dict = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def splits(self) -> dict[str, ArrayDataset]:
        """The splits that exist, by name ('train', 'val', 'test')."""
        return {k: v for k, v in (("train", self.train), ("val", self.val), ("test", self.test)) if v is not None}

    def as_float(self, layout: str = "NCHW", scale: bool = True) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every split as model-ready `(x_float32, y)` pairs, by split name (see `ArrayDataset.as_float`)."""
        return {k: (v.as_float(layout, scale), v.y) for k, v in self.splits().items()}

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={len(v)}" for k, v in self.splits().items())
        shape = tuple(self.train.x.shape[1:])
        return (f"DatasetSplits({self.name!r}, {parts}, x={self.train.x.dtype}{shape}, "
                f"task={self.task!r}, classes={len(self.class_names)})")
