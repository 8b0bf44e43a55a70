"""DataLoader: coverage of an epoch, seeded order, the vectorized and per-sample paths, prefetching."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import ArrayDataset, DataLoader, Dataset, TensorDataset


class PerSample(Dataset):
    """A dataset without get_batch: the loader must read it one sample at a time."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full((2, 3), i, dtype=np.float64), i


def _epoch_ids(loader):
    return np.concatenate([y.numpy() for _, y in loader])


def test_every_sample_once_per_epoch():
    ds = ArrayDataset(np.arange(103, dtype=np.float32)[:, None], np.arange(103))
    loader = DataLoader(ds, batch_size=10, shuffle=True)
    assert len(loader) == 11
    ids = _epoch_ids(loader)
    assert sorted(ids.tolist()) == list(range(103))
    assert ids.tolist() != list(range(103))  # actually shuffled
    again = _epoch_ids(loader)
    assert sorted(again.tolist()) == list(range(103)) and again.tolist() != ids.tolist()  # new order each epoch


def test_same_seed_same_order_other_seed_other_order():
    ds = ArrayDataset(np.zeros((50, 1), np.float32), np.arange(50))
    dg.manual_seed(7)
    a = _epoch_ids(DataLoader(ds, batch_size=8, shuffle=True))
    dg.manual_seed(7)
    b = _epoch_ids(DataLoader(ds, batch_size=8, shuffle=True))
    dg.manual_seed(8)
    c = _epoch_ids(DataLoader(ds, batch_size=8, shuffle=True))
    np.testing.assert_array_equal(a, b)
    assert a.tolist() != c.tolist()
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(_epoch_ids(DataLoader(ds, batch_size=8, shuffle=True, generator=g1)),
                                  _epoch_ids(DataLoader(ds, batch_size=8, shuffle=True, generator=g2)))


def test_batches_are_tensors_with_the_dtype_rule():
    ds = ArrayDataset(np.ones((5, 2), np.float64), np.arange(5, dtype=np.int32))
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert isinstance(x, dg.Tensor) and x.dtype == np.float32 and x.shape == (4, 2)
    assert y.dtype == np.int64
    img = ArrayDataset(np.zeros((3, 4, 4), np.uint8), np.zeros(3, np.int64))
    assert next(iter(DataLoader(img, batch_size=3)))[0].dtype == np.uint8


def test_drop_last_and_sequential_order():
    ds = ArrayDataset(np.zeros((10, 1), np.float32), np.arange(10))
    loader = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [y.numpy().tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


@pytest.mark.parametrize("prefetch", [0, 2])
def test_per_sample_path_matches_vectorized_path(prefetch):
    n = 23
    per_sample = PerSample(n)
    arrays = ArrayDataset(np.stack([per_sample[i][0] for i in range(n)]), np.arange(n))
    dg.manual_seed(1)
    a = list(DataLoader(per_sample, batch_size=5, shuffle=True, prefetch=prefetch))
    dg.manual_seed(1)
    b = list(DataLoader(arrays, batch_size=5, shuffle=True))
    assert len(a) == len(b) == 5
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())
        assert xa.dtype == np.float32 and ya.dtype == np.int64


def test_prefetch_reraises_errors_and_can_stop_early():
    class Broken(PerSample):
        def __getitem__(self, i):
            if i == 7:
                raise RuntimeError("sample 7 is broken")
            return super().__getitem__(i)

    with pytest.raises(RuntimeError, match="sample 7"):
        list(DataLoader(Broken(10), batch_size=2, prefetch=2))
    it = iter(DataLoader(PerSample(100), batch_size=2, prefetch=2))
    next(it)
    it.close()  # the background thread must stop, not hang


def test_custom_collate_and_tensor_dataset():
    ds = TensorDataset(dg.arange(6).float(), dg.arange(6))
    loader = DataLoader(ds, batch_size=4, collate_fn=lambda samples: len(samples))
    assert list(loader) == [4, 2]
    x, y = next(iter(DataLoader(ds, batch_size=3)))
    np.testing.assert_array_equal(x.numpy(), [0, 1, 2])


def test_random_sampler_with_replacement_statistics():
    sampler = dg.data.RandomSampler(range(4), replacement=True, num_samples=40000)
    counts = np.bincount(sampler.epoch_indices(), minlength=4)
    assert len(sampler) == 40000
    np.testing.assert_allclose(counts / 40000, 0.25, atol=0.01)
    assert len(set(counts.tolist())) > 1  # not a disguised permutation


def test_weighted_sampler_statistics():
    w = np.array([1.0, 3.0, 0.0, 6.0])
    s = dg.data.WeightedRandomSampler(w, num_samples=50000)
    freq = np.bincount(s.epoch_indices(), minlength=4) / 50000
    np.testing.assert_allclose(freq, w / w.sum(), atol=0.01)
    assert freq[2] == 0
    no_rep = dg.data.WeightedRandomSampler(w, num_samples=3, replacement=False).epoch_indices()
    assert sorted(no_rep.tolist()) == [0, 1, 3]
    with pytest.raises(ValueError, match="non-negative"):
        dg.data.WeightedRandomSampler([-1.0, 1.0], 2)


def test_sampler_argument_and_batch_sampler():
    ds = ArrayDataset(np.zeros((6, 1), np.float32), np.arange(6))
    loader = DataLoader(ds, batch_size=2, sampler=dg.data.SubsetRandomSampler([5, 1, 3]))
    assert sorted(_epoch_ids(loader).tolist()) == [1, 3, 5]
    bs = dg.data.BatchSampler(dg.data.SequentialSampler(ds), batch_size=4)
    assert list(bs) == [[0, 1, 2, 3], [4, 5]] and len(bs) == 2
    loader = DataLoader(ds, batch_sampler=bs)
    assert [len(y) for _, y in loader] == [4, 2]
    with pytest.raises(ValueError, match="sampler"):
        DataLoader(ds, shuffle=True, sampler=dg.data.SequentialSampler(ds))
