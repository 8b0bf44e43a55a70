"""Iterable-style datasets (streams: files read in order, generated samples) and chaining them.

    class Lines(IterableDataset):
        def __iter__(self):
            info = get_worker_info()          # None in the main process
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            yield from itertools.islice(read_lines(), start, None, step)

The DataLoader batches what `iter(dataset)` yields. With `num_workers=k` every worker process iterates its
own copy of the dataset — so, as in PyTorch, a dataset that does not split itself by `get_worker_info()`
is read k times.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from .dataset import Dataset
from .worker import get_worker_info


class IterableDataset(Dataset):
    """Base class for datasets read as a stream: subclasses define `__iter__` (and `__len__` if they know it)."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} has no length (define __len__ if it knows one)")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it instead of indexing it")

    def __add__(self, other) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable datasets one after another (the stream counterpart of ConcatDataset)."""

    def __init__(self, datasets: Iterable):
        self.datasets = list(datasets)
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only chains IterableDatasets, got {type(d).__name__}")

    def __iter__(self) -> Iterator:
        return itertools.chain.from_iterable(self.datasets)

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


__all__ = ["IterableDataset", "ChainDataset", "get_worker_info"]
