"""DataLoader: batches of Tensors from a Dataset, shuffled or sampled, optionally prefetched.

Two paths, same batches:
  * a dataset with `get_batch(indices)` (ArrayDataset, TensorDataset, Subset of one) answers each batch
    with one fancy-index — no Python call per sample;
  * any other dataset is read sample by sample and stacked by `collate_fn` (default: `default_collate`).
`prefetch=k` builds up to k batches ahead in a background thread, so slow per-sample reading (image
decoding, Python transforms) overlaps the training step. The epoch's order is drawn before the thread
starts, but random transforms inside the dataset then draw from the shared generator concurrently with
the training step, so for bit-exact repeats with random transforms keep `prefetch=0` (the default).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

import numpy as np

from .collate import default_collate, to_tensors
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_DONE = object()


class DataLoader:
    """Iterate over `dataset` in batches of Tensors: `for x, y in DataLoader(ds, batch_size=64, shuffle=True)`.

    Arguments follow PyTorch: `sampler` (any Sampler or iterable of indices) replaces `shuffle`;
    `batch_sampler` replaces batch_size/shuffle/sampler/drop_last; `generator` (a numpy Generator)
    drives shuffling, else `dg.random.default_generator()` does (so `dg.manual_seed` repeats epochs).
    `collate_fn(list_of_samples)` builds a batch on the per-sample path and, when given, on the
    vectorized path too (then samples are still read one by one).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool = False, sampler=None,
                 batch_sampler=None, drop_last: bool = False, collate_fn: Callable | None = None,
                 generator: np.random.Generator | None = None, prefetch: int = 0):
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: give either sampler= or shuffle=True, not both")
        if batch_sampler is not None and (sampler is not None or shuffle or drop_last or batch_size not in (1, None)):
            raise ValueError("DataLoader: batch_sampler= excludes batch_size, shuffle, sampler and drop_last")
        if int(prefetch) < 0:
            raise ValueError(f"DataLoader: prefetch must be >= 0, got {prefetch}")
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.collate_fn, self.generator, self.prefetch = collate_fn, generator, int(prefetch)
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler

    def __len__(self) -> int:
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)

    def _batches(self) -> list[np.ndarray]:
        """The epoch's index batches, drawn now (in the caller's thread, so the order is reproducible)."""
        if self.batch_sampler is None:  # batch_size=None: one sample at a time, not stacked
            return list(np.asarray(list(iter(self.sampler)), dtype=np.int64))
        if hasattr(self.batch_sampler, "epoch_batches"):
            return self.batch_sampler.epoch_batches()
        return [np.asarray(b, dtype=np.int64) for b in self.batch_sampler]

    def _load(self, indices):
        if self.batch_sampler is None:
            return to_tensors(self.dataset[int(indices)])
        if self.collate_fn is None and hasattr(self.dataset, "get_batch"):
            return to_tensors(self.dataset.get_batch(indices))
        collate = self.collate_fn or default_collate
        return collate([self.dataset[int(i)] for i in indices])

    def __iter__(self) -> Iterator:
        batches = self._batches()
        if self.prefetch == 0:
            return (self._load(b) for b in batches)
        return self._prefetched(batches)

    def _prefetched(self, batches) -> Iterator:
        """Load `batches` in a daemon thread, at most `prefetch` ahead; errors are re-raised here."""
        out: queue.Queue = queue.Queue(maxsize=self.prefetch)
        stop = threading.Event()

        def put(item) -> bool:
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def work():
            try:
                for b in batches:
                    if not put(self._load(b)):
                        return
                put(_DONE)
            except BaseException as e:  # handed to the consumer
                put(e)

        thread = threading.Thread(target=work, name="deepglass-prefetch", daemon=True)
        thread.start()
        try:
            while True:
                item = out.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join(timeout=5)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
                f"sampler={type(self.sampler).__name__}, batches={len(self)})")


__all__ = ["DataLoader", "Sampler"]
