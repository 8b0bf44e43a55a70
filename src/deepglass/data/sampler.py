"""Samplers: which sample indices an epoch visits, and in what order.

Every sampler can hand out a whole epoch at once (`epoch_indices()`, one NumPy array), which is what
lets the DataLoader cut batches with slicing instead of a Python loop. Random samplers draw from the
generator passed in, else from `dg.random.default_generator()` at the start of each epoch, so
`dg.manual_seed(s)` makes epochs repeat.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ..random import default_generator


class Sampler:
    """Base class: `__iter__` yields indices; `epoch_indices()` returns them all as an int64 array."""

    def epoch_indices(self) -> np.ndarray:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_indices().tolist())

    def __len__(self) -> int:
        raise NotImplementedError


def _generator(generator: np.random.Generator | None) -> np.random.Generator:
    return generator if generator is not None else default_generator()


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def epoch_indices(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation each epoch, or `num_samples` uniform draws with replacement."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator: np.random.Generator | None = None):
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        if num_samples is not None and (int(num_samples) <= 0):
            raise ValueError(f"RandomSampler: num_samples must be positive, got {num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def epoch_indices(self) -> np.ndarray:
        n, rng = len(self.data_source), _generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        # Without replacement: whole permutations, enough of them to cover num_samples.
        reps = -(-self.num_samples // n) if n else 0
        order = np.concatenate([rng.permutation(n) for _ in range(reps)]) if reps else np.zeros(0, np.int64)
        return order[: self.num_samples].astype(np.int64)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order each epoch."""

    def __init__(self, indices: Sequence[int], generator: np.random.Generator | None = None):
        self.indices, self.generator = np.asarray(indices, dtype=np.int64), generator

    def epoch_indices(self) -> np.ndarray:
        return self.indices[_generator(self.generator).permutation(len(self.indices))]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probability proportional to `weights` (e.g. to balance classes)."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: np.random.Generator | None = None):
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.size == 0 or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                             f"from {np.count_nonzero(w)} non-zero weights")
        self.weights, self.num_samples = w, int(num_samples)
        self.replacement, self.generator = replacement, generator

    def epoch_indices(self) -> np.ndarray:
        p = self.weights / self.weights.sum()
        rng = _generator(self.generator)
        return rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).astype(np.int64)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of `batch_size` (the last one shorter unless drop_last)."""

    def __init__(self, sampler: Sampler, batch_size: int, drop_last: bool = False):
        if int(batch_size) <= 0:
            raise ValueError(f"BatchSampler: batch_size must be positive, got {batch_size}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def epoch_batches(self) -> list[np.ndarray]:
        """This epoch's batches as int64 arrays (slices of one epoch_indices() call)."""
        if hasattr(self.sampler, "epoch_indices"):
            order = self.sampler.epoch_indices()
        else:  # any iterable of indices (a user's own sampler)
            order = np.fromiter(iter(self.sampler), dtype=np.int64)
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        return [order[i : i + self.batch_size] for i in range(0, stop, self.batch_size)]

    def __iter__(self):
        return (b.tolist() for b in self.epoch_batches())

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
