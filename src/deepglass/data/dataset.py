"""Datasets: anything with `len()` and `[i]`, plus ArrayDataset, the fast in-memory kind.

`ArrayDataset.get_batch(indices)` answers a whole batch with one fancy-index, which is what lets
`DataLoader` skip the per-sample Python loop for arrays already in memory.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np

from ..backend import get_array_module
from ..random import default_generator
from ..tensor import Tensor


class Dataset:
    """Base class: subclasses define `__getitem__(i)` (returning one sample) and `__len__()`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


def _raw(a):
    """The ndarray behind a Tensor (or the array itself)."""
    return a.data if isinstance(a, Tensor) else a


def _check_index(index, n: int, name: str) -> int:
    i = int(index)
    if i < -n or i >= n:
        raise IndexError(f"{name}: index {i} is out of range for {n} samples")
    return i + n if i < 0 else i


class ArrayDataset(Dataset):
    """Samples `(x[i], y[i])` from in-memory arrays; `transform` is applied to x (batched when it can be).

    Shapes: x is (N, ...) — images as uint8 N×H×W or N×H×W×C as stored, tabular features float32 N×F;
    y is int64 (N,) or (N, K) for multi-label, or None (then samples are x[i] alone).
    A deepglass transform (a `deepglass.data.transforms.Transform`) runs once per batch in `get_batch`;
    any other callable runs once per sample.
    """

    def __init__(self, x, y=None, transform=None, target_transform=None):
        x = np.asarray(_raw(x))
        y = None if y is None else np.asarray(_raw(y))
        if y is not None and len(y) != len(x):
            raise ValueError(f"ArrayDataset: x has {len(x)} samples but y has {len(y)}")
        self.x, self.y = x, y
        self.transform, self.target_transform = transform, target_transform

    # The names other libraries use for the same arrays.
    images = property(lambda self: self.x)
    labels = property(lambda self: self.y)
    data = property(lambda self: self.x)
    targets = property(lambda self: self.y)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index):
        i = _check_index(index, len(self.x), "ArrayDataset")
        x = self.x[i]
        if self.transform is not None:
            x = self.transform(x)
        if self.y is None:
            return x
        y = self.y[i]
        return (x, self.target_transform(y) if self.target_transform is not None else y)

    def get_batch(self, indices):
        """Samples `indices` stacked: `(x[indices], y[indices])` with one fancy-index each."""
        indices = np.asarray(indices, dtype=np.int64)
        x = self.x[indices]
        if self.transform is not None:
            if hasattr(self.transform, "apply_batch"):
                x = self.transform.apply_batch(x)
            else:
                x = np.stack([np.asarray(_raw(self.transform(xi))) for xi in x])
        if self.y is None:
            return x
        y = self.y[indices]
        if self.target_transform is not None:
            y = np.stack([np.asarray(_raw(self.target_transform(yi))) for yi in y])
        return x, y

    def as_float(self, layout: str = "NCHW", scale: bool = True) -> np.ndarray:
        """x as model-ready float32: images get a channel axis (`layout` 'NCHW' or 'NHWC') and uint8 → [0, 1].

        N×H×W becomes N×1×H×W (or N×H×W×1); N×H×W×C becomes N×C×H×W for 'NCHW'. Tabular
        N×F arrays come back as float32 unchanged. `scale=False` keeps 0..255 values.
        """
        if layout not in ("NCHW", "NHWC"):
            raise ValueError(f"as_float: layout must be 'NCHW' or 'NHWC', got {layout!r}")
        x = self.x
        out = x.astype(np.float32)
        if scale and x.dtype == np.uint8:
            out /= np.float32(255)
        if x.ndim == 3:
            out = out[:, None] if layout == "NCHW" else out[..., None]
        elif x.ndim == 4 and layout == "NCHW":
            out = np.ascontiguousarray(out.transpose(0, 3, 1, 2))
        return out

    def __repr__(self) -> str:
        y = "None" if self.y is None else f"{self.y.dtype}{tuple(self.y.shape)}"
        return f"ArrayDataset(x={self.x.dtype}{tuple(self.x.shape)}, y={y})"


class TensorDataset(Dataset):
    """Samples `(t0[i], t1[i], ...)` from tensors (or arrays) sharing their first dimension."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = len(tensors[0])
        for k, t in enumerate(tensors):
            if len(t) != n:
                raise ValueError(f"TensorDataset: tensor 0 has {n} rows but tensor {k} has {len(t)}")
        self.tensors = tuple(tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index):
        i = _check_index(index, len(self), "TensorDataset")
        return tuple(_raw(t)[i] for t in self.tensors)

    def get_batch(self, indices):
        """All tensors' rows `indices`, one fancy-index each (raw arrays, on the tensors' device)."""
        idx = np.asarray(indices, dtype=np.int64)
        return tuple(_raw(t)[get_array_module(_raw(t)).asarray(idx)] for t in self.tensors)


class Subset(Dataset):
    """The samples `indices` of `dataset`, in that order."""

    def __init__(self, dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[_check_index(index, len(self.indices), "Subset")])]

    def __getattr__(self, name):
        # Only vectorize when the wrapped dataset can (getattr keeps hasattr(subset, 'get_batch') honest).
        if name == "get_batch" and hasattr(self.dataset, "get_batch"):
            return lambda indices: self.dataset.get_batch(self.indices[np.asarray(indices, dtype=np.int64)])
        raise AttributeError(f"'Subset' object has no attribute {name!r}")


class ConcatDataset(Dataset):
    """Datasets one after another: index i goes to the dataset whose range holds it."""

    def __init__(self, datasets: Sequence):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        i = _check_index(index, len(self), "ConcatDataset")
        k = bisect.bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[k - 1] if k > 0 else 0
        return self.datasets[k][i - start]


def random_split(dataset, lengths: Sequence, generator: np.random.Generator | None = None) -> list[Subset]:
    """Split `dataset` into non-overlapping random Subsets of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(0 <= f <= 1 for f in lengths) and math.isclose(sum(lengths), 1) and sum(lengths) != n:
        counts = [int(math.floor(n * f)) for f in lengths]
        for k in range(n - sum(counts)):  # hand the remainder out round-robin, like PyTorch
            counts[k % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, but the dataset has {n} samples")
    rng = generator if generator is not None else default_generator()
    order = rng.permutation(n)
    splits, start = [], 0
    for length in lengths:
        splits.append(Subset(dataset, order[start : start + int(length)]))
        start += int(length)
    return splits
