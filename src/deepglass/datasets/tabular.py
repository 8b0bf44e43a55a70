"""Tabular data from a CSV file with one label column; features become float32 (N, F)."""

from __future__ import annotations

import csv as _csv
import os
from pathlib import Path

import numpy as np

from ..data.dataset import ArrayDataset
from .errors import DataFileError
from .splits import DatasetSplits


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def csv(path: str | os.PathLike, label_column: str | int = -1, delimiter: str = ",", header: bool = True,
        test_split: float | None = None, seed: int = 0, task: str | None = None) -> DatasetSplits:
    """Read a CSV: `label_column` (a header name or an index, default the last) is y, the rest float32 x.

    Text labels become class indices (classes sorted by name); integer labels stay as they are, with
    class names '0'..'K-1'; non-integer numbers make a 'regression' task with float32 y. `test_split`
    (a fraction) moves a random, seeded part into `.test`; otherwise everything is `.train`.
    """
    path = Path(path)
    with open(path, newline="") as f:
        rows = [r for r in _csv.reader(f, delimiter=delimiter) if r and any(c.strip() for c in r)]
    if not rows:
        raise DataFileError(path, "empty CSV file")
    names = rows.pop(0) if header else [f"column_{k}" for k in range(len(rows[0]))]
    width = len(names)
    for line, r in enumerate(rows, start=2 if header else 1):
        if len(r) != width:
            raise DataFileError(path, f"line {line} has {len(r)} fields, expected {width}")
    if isinstance(label_column, str):
        if label_column not in names:
            raise ValueError(f"csv: label column {label_column!r} is not in {path.name}'s header {names}")
        label_index = names.index(label_column)
    else:
        label_index = int(label_column) % width
    feature_cols = [k for k in range(width) if k != label_index]
    x = np.empty((len(rows), len(feature_cols)), dtype=np.float32)
    for line, r in enumerate(rows, start=2 if header else 1):
        for j, k in enumerate(feature_cols):
            try:
                x[line - (2 if header else 1), j] = float(r[k])
            except ValueError:
                raise DataFileError(path, f"line {line}, column {names[k]!r}: {r[k]!r} is not a number") from None
    raw = [r[label_index].strip() for r in rows]
    if all(_is_number(v) for v in raw):
        values = np.asarray([float(v) for v in raw])
        if task == "regression" or not np.all(values == np.round(values)):
            y, class_names, task = values.astype(np.float32), [], task or "regression"
        else:
            y = values.astype(np.int64)
            class_names = [str(k) for k in range(int(y.max()) + 1)] if len(y) else []
    else:
        class_names = sorted(set(raw))
        y = np.asarray([class_names.index(v) for v in raw], dtype=np.int64)
    if task is None:
        task = "binary" if len(class_names) == 2 else "multiclass"
    test = None
    if test_split:
        order = np.random.default_rng(seed).permutation(len(y))
        n_test = int(round(len(y) * test_split))
        test_idx, train_idx = np.sort(order[:n_test]), np.sort(order[n_test:])
        test = ArrayDataset(x[test_idx], y[test_idx])
        x, y = x[train_idx], y[train_idx]
    return DatasetSplits(name=path.stem, train=ArrayDataset(x, y), val=None, test=test, class_names=class_names,
                         task=task, info={"feature_names": [names[k] for k in feature_cols],
                                          "label_column": names[label_index], "path": str(path)})
