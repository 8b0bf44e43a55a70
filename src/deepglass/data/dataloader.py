"""DataLoader: batches of Tensors from a Dataset, shuffled or sampled, optionally prefetched.

Two paths, same batches:
  * a dataset with `get_batch(indices)` (ArrayDataset, TensorDataset, Subset of one) answers each batch
    with one fancy-index — no Python call per sample;
  * any other dataset is read sample by sample and stacked by `collate_fn` (default: `default_collate`).
`prefetch=k` builds up to k batches ahead in a background thread, so slow per-sample reading (image
decoding, Python transforms) overlaps the training step. The epoch's order is drawn before the thread
starts, but random transforms inside the dataset then draw from the shared generator concurrently with
the training step, so for bit-exact repeats with random transforms keep `prefetch=0` (the default).
`num_workers=k` loads batches in k worker processes instead (see `worker.py`), in the same order.
An IterableDataset is read as a stream: what `iter(dataset)` yields is grouped into batches.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator

import numpy as np

from ..random import default_generator
from .collate import default_collate, to_tensors
from .iterable import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from .worker import run_workers

_DONE = object()


class DataLoader:
    """Iterate over `dataset` in batches of Tensors: `for x, y in DataLoader(ds, batch_size=64, shuffle=True)`.

    Arguments follow PyTorch: `sampler` (any Sampler or iterable of indices) replaces `shuffle`;
    `batch_sampler` replaces batch_size/shuffle/sampler/drop_last; `generator` (a numpy Generator)
    drives shuffling, else `dg.random.default_generator()` does (so `dg.manual_seed` repeats epochs).
    `collate_fn(list_of_samples)` builds a batch on the per-sample path and, when given, on the
    vectorized path too (then samples are still read one by one).
    `num_workers=k` loads in k processes (worker w gets batches w, w + k, ...; `worker_init_fn(w)` runs first
    in each; at most `prefetch_factor` batches wait per worker); `prefetch` is then not used. An
    IterableDataset excludes shuffle/sampler/batch_sampler; each worker batches its own stream.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool = False, sampler=None,
                 batch_sampler=None, drop_last: bool = False, collate_fn: Callable | None = None,
                 generator: np.random.Generator | None = None, prefetch: int = 0, num_workers: int = 0,
                 worker_init_fn: Callable | None = None, prefetch_factor: int = 2):
        if int(num_workers) < 0:
            raise ValueError(f"DataLoader: num_workers must be >= 0, got {num_workers}")
        self.num_workers, self.worker_init_fn = int(num_workers), worker_init_fn
        self.prefetch_factor = int(prefetch_factor)
        self.iterable = isinstance(dataset, IterableDataset)
        if self.iterable and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError("DataLoader: an IterableDataset takes no shuffle, sampler or batch_sampler "
                             "(it decides its own order)")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: give either sampler= or shuffle=True, not both")
        if batch_sampler is not None and (sampler is not None or shuffle or drop_last or batch_size not in (1, None)):
            raise ValueError("DataLoader: batch_sampler= excludes batch_size, shuffle, sampler and drop_last")
        if int(prefetch) < 0:
            raise ValueError(f"DataLoader: prefetch must be >= 0, got {prefetch}")
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.collate_fn, self.generator, self.prefetch = collate_fn, generator, int(prefetch)
        if self.iterable:
            self.sampler = self.batch_sampler = None
            return
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler

    def __len__(self) -> int:
        if self.iterable:  # as PyTorch: from the dataset's own length, when it has one
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
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

    def _stream_batches(self) -> Iterator:
        """Batches of what `iter(dataset)` yields (items one by one when batch_size is None)."""
        items = iter(self.dataset)
        if self.batch_size is None:
            yield from (to_tensors(item) for item in items)
            return
        collate = self.collate_fn or default_collate
        while True:
            chunk = list(itertools.islice(items, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield collate(chunk)

    def _worker_batches(self, task) -> Iterator:
        """What one worker loads: its index batches, or (IterableDataset) its copy of the stream."""
        if self.iterable:
            return self._stream_batches()
        return (self._load(b) for b in task)

    def __iter__(self) -> Iterator:
        if self.num_workers > 0:
            tasks = [None] * self.num_workers
            if not self.iterable:
                batches = self._batches()
                tasks = [batches[w :: self.num_workers] for w in range(self.num_workers)]
            rng = self.generator if self.generator is not None else default_generator()
            base_seed = int(rng.integers(0, 2**62))
            return run_workers(self, tasks, base_seed, self.prefetch_factor)
        if self.iterable:
            loaded = self._stream_batches()
        else:
            loaded = (self._load(b) for b in self._batches())  # the order is drawn here, in this thread
        if self.prefetch == 0:
            return loaded
        return self._prefetched(loaded)

    def _prefetched(self, loaded) -> Iterator:
        """Run the iterator `loaded` in a daemon thread, at most `prefetch` batches ahead; errors are re-raised here."""
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
                for batch in loaded:
                    if not put(batch):
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
        if self.iterable:
            return f"DataLoader({type(self.dataset).__name__} (iterable), batch_size={self.batch_size})"
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
                f"sampler={type(self.sampler).__name__}, batches={len(self)})")


__all__ = ["DataLoader", "Sampler"]
