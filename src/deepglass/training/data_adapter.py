"""Turn what `fit`/`evaluate`/`predict` are given into batches of Tensors: (x, y, sample_weight).

Accepted, like Keras: NumPy arrays or Tensors (x may be a list/tuple of them for several inputs),
a `dg.data.DataLoader` or any re-iterable of batches, and Python generators (with `steps_per_epoch`).
Arrays are sliced here (shuffled each epoch with `dg.random.default_generator()`, so `dg.manual_seed`
repeats a run bit for bit); float64 becomes float32 and bool/uint8 inputs become float32, as Keras casts
inputs to floatx.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from .. import random
from ..backend import to_device
from ..tensor import Tensor, get_default_dtype


def _is_array(value) -> bool:
    return isinstance(value, (np.ndarray, Tensor)) or (hasattr(value, "shape") and hasattr(value, "dtype"))


def _host(value) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "get") and hasattr(value, "shape"):
        return value.get()
    return np.asarray(value)


def _as_input_array(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.float64 or array.dtype.kind == "b" or array.dtype == np.uint8:
        return array.astype(get_default_dtype())
    return array


def _as_target_array(array: np.ndarray) -> np.ndarray:
    return array.astype(get_default_dtype()) if array.dtype == np.float64 or array.dtype.kind == "b" else array


def to_tensor(value, device: str = "cpu", target: bool = False):
    """A batch element (array, Tensor, or tuple/list of them) as Tensor(s) on `device`, cast like Keras."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return type(value)(to_tensor(v, device, target) for v in value)
    if isinstance(value, dict):
        return {k: to_tensor(v, device, target) for k, v in value.items()}
    if isinstance(value, Tensor):
        data = value.data
        cast = _as_target_array if target else _as_input_array
        if data.dtype in (np.float64, np.uint8) or data.dtype.kind == "b":
            value = value.to(dtype=cast(np.zeros(0, data.dtype)).dtype)
        return value if value.device == device else value.to(device)
    array = (_as_target_array if target else _as_input_array)(_host(value))
    return Tensor._wrap(to_device(np.ascontiguousarray(array), device))


def _num_samples(x) -> int:
    if isinstance(x, (list, tuple)):
        return _num_samples(x[0])
    if isinstance(x, dict):
        return _num_samples(next(iter(x.values())))
    return len(x)


def _take(x, index):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return type(x)(_take(v, index) for v in x)
    if isinstance(x, dict):
        return {k: _take(v, index) for k, v in x.items()}
    return x[index]


def class_weights_to_sample_weights(y: np.ndarray, class_weight: dict) -> np.ndarray:
    """Per-sample weights `class_weight[label]` for integer labels, one-hot rows or 0/1 targets."""
    y = _host(y)
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = np.rint(labels).astype(np.int64)
    table = np.ones(int(max(labels.max(initial=0), max(class_weight, default=0))) + 1, dtype=np.float32)
    for cls, w in class_weight.items():
        table[int(cls)] = w
    return table[labels]


class ArrayAdapter:
    """Batches sliced from in-memory arrays; reshuffled at each epoch when `shuffle`."""

    def __init__(self, x, y=None, sample_weight=None, batch_size: int = 32, shuffle: bool = False):
        self.x = _host_tree(x)
        self.y = _host_tree(y)
        self.sample_weight = None if sample_weight is None else _host(sample_weight).astype(np.float32)
        self.n = _num_samples(self.x)
        for name, value in (("y", self.y), ("sample_weight", self.sample_weight)):
            if value is not None and _num_samples(value) != self.n:
                raise ValueError(f"x has {self.n} samples but {name} has {_num_samples(value)}")
        self.batch_size, self.shuffle = int(batch_size), shuffle

    @property
    def steps(self) -> int:
        return -(-self.n // self.batch_size)

    def __iter__(self) -> Iterator[tuple]:
        order = random.default_generator().permutation(self.n) if self.shuffle else None
        for start in range(0, self.n, self.batch_size):
            index = (
                order[start : start + self.batch_size] if order is not None else slice(start, start + self.batch_size)
            )
            w = None if self.sample_weight is None else self.sample_weight[index]
            yield _take(self.x, index), _take(self.y, index), w

    def split(self, fraction: float) -> tuple[ArrayAdapter, ArrayAdapter]:
        """Keras's `validation_split`: the LAST `fraction` of the samples (before shuffling) validates."""
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"validation_split must be between 0 and 1, got {fraction}")
        cut = int(self.n * (1.0 - fraction))
        if cut == 0 or cut == self.n:
            raise ValueError(f"validation_split={fraction} leaves no training or no validation samples of {self.n}")
        train, val = slice(0, cut), slice(cut, self.n)
        w = self.sample_weight
        return (
            ArrayAdapter(
                _take(self.x, train),
                _take(self.y, train),
                None if w is None else w[train],
                self.batch_size,
                self.shuffle,
            ),
            ArrayAdapter(_take(self.x, val), _take(self.y, val), None if w is None else w[val], self.batch_size),
        )


def _host_tree(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)) and x and all(_is_array(v) for v in x):
        return type(x)(_host(v) for v in x)
    if isinstance(x, dict):
        return {k: _host(v) for k, v in x.items()}
    return _host(x)


def _split_batch(batch) -> tuple:
    """(x, y, w) from a batch that is x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(batch, (list, tuple)) and not _is_array(batch):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return tuple(batch)
        raise ValueError(f"a batch should be x, (x, y) or (x, y, sample_weight); got a tuple of {len(batch)}")
    return batch, None, None


class IterableAdapter:
    """Batches from a DataLoader, another re-iterable of batches, or a (one-shot) generator."""

    def __init__(self, data, steps: int | None = None, class_weight: dict | None = None):
        self.data, self._steps, self.class_weight = data, steps, class_weight
        self.one_shot = iter(data) is data  # a generator or iterator: it can only be walked once
        self._iterator = None
        if steps is None and not self.one_shot:
            try:
                self._steps = len(data)
            except TypeError:
                self._steps = None

    @property
    def steps(self) -> int | None:
        return self._steps

    def __iter__(self) -> Iterator[tuple]:
        if self.one_shot:
            # a generator continues where the previous epoch stopped (Keras's steps_per_epoch semantics)
            source = self.data
        else:
            source = iter(self.data)
        batches = source if self._steps is None else itertools.islice(source, self._steps)
        for batch in batches:
            x, y, w = _split_batch(batch)
            if self.class_weight is not None and y is not None:
                cw = class_weights_to_sample_weights(y, self.class_weight)
                w = cw if w is None else cw * _host(w)
            yield x, y, w


def adapt(
    x,
    y=None,
    sample_weight=None,
    batch_size: int | None = None,
    shuffle: bool = False,
    steps: int | None = None,
    class_weight: dict | None = None,
):
    """The right adapter for `x` (arrays or an iterable of batches). Class weights become sample weights."""
    if x is None:
        raise ValueError("no data given: pass x (arrays, a DataLoader or a generator)")
    arrays = (
        _is_array(x)
        or isinstance(x, dict)
        or (isinstance(x, (list, tuple)) and len(x) > 0 and all(_is_array(v) for v in x))
    )
    if arrays:
        if class_weight is not None:
            if y is None:
                raise ValueError("class_weight needs targets y")
            cw = class_weights_to_sample_weights(y, class_weight)
            sample_weight = cw if sample_weight is None else cw * _host(sample_weight)
        return ArrayAdapter(x, y, sample_weight, batch_size or 32, shuffle)
    if y is not None:
        raise ValueError(f"y must not be given when x is a {type(x).__name__} (it yields the targets itself)")
    # a DataLoader keeps its own batch size, as Keras ignores batch_size for datasets
    return IterableAdapter(x, steps, class_weight)
