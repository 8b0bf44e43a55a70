"""IterableDataset, ChainDataset, get_worker_info and DataLoader workers."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import ArrayDataset, ChainDataset, DataLoader, IterableDataset, get_worker_info


class Range(IterableDataset):
    """Items start..stop-1, split between workers by get_worker_info() as the PyTorch docs do."""

    def __init__(self, start, stop, shard=True):
        self.start, self.stop, self.shard = start, stop, shard

    def __len__(self):
        return self.stop - self.start

    def __iter__(self):
        info = get_worker_info()
        step, first = (1, self.start) if info is None or not self.shard else (info.num_workers, self.start + info.id)
        for i in range(first, self.stop, step):
            yield np.full(2, i, np.float32), i


def _ids(loader):
    return [y.numpy().tolist() for _, y in loader]


def test_iterable_in_process_batches_in_order():
    loader = DataLoader(Range(0, 10), batch_size=4)
    assert _ids(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    assert _ids(DataLoader(Range(0, 10), batch_size=4, drop_last=True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    x, y = next(iter(DataLoader(Range(0, 3), batch_size=None)))
    assert x.shape == (2,) and int(y.numpy()) == 0
    assert get_worker_info() is None
    with pytest.raises(ValueError):
        DataLoader(Range(0, 3), shuffle=True)


def test_chain_dataset():
    chain = ChainDataset([Range(0, 3), Range(10, 12)])
    assert len(chain) == 5 and [i for _, i in chain] == [0, 1, 2, 10, 11]
    assert [i for _, i in Range(0, 2) + Range(5, 6)] == [0, 1, 5]


def test_two_workers_share_the_stream_without_loss_or_duplicates():
    batches = _ids(DataLoader(Range(0, 23), batch_size=4, num_workers=2))
    items = [i for b in batches for i in b]
    assert sorted(items) == list(range(23))
    assert batches[0] == [0, 2, 4, 6] and batches[1] == [1, 3, 5, 7]  # round-robin over the workers
    unsharded = [i for b in _ids(DataLoader(Range(0, 5, shard=False), batch_size=2, num_workers=2)) for i in b]
    assert sorted(unsharded) == sorted(list(range(5)) * 2)  # as in PyTorch: each worker reads it all


class Seen(IterableDataset):
    def __iter__(self):
        info = get_worker_info()
        yield np.array([info.id, info.num_workers, dg.random.default_generator().integers(1 << 30)])


def test_worker_info_and_per_worker_seeds():
    rows = np.concatenate([b.numpy() for b in DataLoader(Seen(), batch_size=1, num_workers=2)])
    assert rows[:, 0].tolist() == [0, 1] and rows[:, 1].tolist() == [2, 2]
    assert rows[0, 2] != rows[1, 2]  # each worker its own random stream


def test_map_style_workers_equal_in_process_order():
    ds = ArrayDataset(np.arange(30, dtype=np.float32)[:, None], np.arange(30))
    dg.manual_seed(4)
    a = _ids(DataLoader(ds, batch_size=4, shuffle=True))
    dg.manual_seed(4)
    b = _ids(DataLoader(ds, batch_size=4, shuffle=True, num_workers=2))
    assert a == b and sorted(i for batch in b for i in batch) == list(range(30))


class Broken(IterableDataset):
    def __iter__(self):
        yield np.zeros(1)
        raise KeyError("bad record")


def test_worker_errors_reach_the_main_process():
    with pytest.raises(RuntimeError, match="bad record"):
        list(DataLoader(Broken(), batch_size=1, num_workers=2))
