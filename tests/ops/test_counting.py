"""Counting and searching (not differentiable): unique, bincount, histc, isin, searchsorted, bucketize vs PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg


def _same(ours, theirs):
    """Same values, shape and dtype as the torch tensor."""
    assert isinstance(ours, dg.Tensor) and not ours.requires_grad
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique(torch, inverse, counts, dim):
    data = np.random.default_rng(0).integers(0, 3, size=(6, 2))  # repeated rows and values
    ours = dg.tensor(data).unique(return_inverse=inverse, return_counts=counts, dim=dim)
    theirs = torch.tensor(data).unique(return_inverse=inverse, return_counts=counts, dim=dim)
    ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        _same(o, t)


def test_unique_of_floats_and_the_function_form(torch):
    data = np.array([2.5, -1.0, 2.5, 0.0], dtype=np.float32)
    _same(dg.unique(dg.tensor(data)), torch.unique(torch.tensor(data)))
    values, inverse = dg.unique(dg.tensor(data, requires_grad=True), return_inverse=True)
    assert values.tolist() == [-1.0, 0.0, 2.5] and inverse.tolist() == [2, 0, 2, 1]


@pytest.mark.parametrize("weights", [None, "float32", "float64", "int64"])
@pytest.mark.parametrize("minlength", [0, 9])
def test_bincount(torch, weights, minlength):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, size=20)
    w = None if weights is None else (rng.random(20) * 10).astype(weights)
    ours = dg.tensor(x).bincount(None if w is None else dg.tensor(w), minlength=minlength)
    theirs = torch.tensor(x).bincount(None if w is None else torch.tensor(w), minlength=minlength)
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert ours.shape == tuple(theirs.shape)


def test_bincount_errors():
    message = r"bincount: expects a 1-D tensor of non-negative integers, got shape \(2, 2\) of int64"
    with pytest.raises(ValueError, match=message):
        dg.bincount(dg.ones(2, 2, dtype="int64"))
    with pytest.raises(ValueError, match="non-negative integers"):
        dg.bincount(dg.tensor([1, -1]))


@pytest.mark.parametrize("bins, lo, hi", [(10, 0, 0), (7, -1.0, 1.0), (4, 0.5, 3.0), (5, 2.0, 2.0)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histc(torch, bins, lo, hi, dtype):
    data = np.concatenate([np.random.default_rng(2).normal(size=50), [-1.0, 1.0, 0.5, 3.0, 2.0]]).astype(dtype)
    data = data.reshape(5, 11)
    _same(dg.tensor(data).histc(bins, lo, hi), torch.tensor(data).histc(bins, lo, hi))
    _same(dg.histc(dg.tensor(data), bins=bins, min=lo, max=hi), torch.histc(torch.tensor(data), bins=bins, min=lo,
                                                                             max=hi))


def test_histc_of_constant_data(torch):
    data = np.full(4, 3.0)
    _same(dg.histc(dg.tensor(data), bins=4), torch.histc(torch.tensor(data), bins=4))


@pytest.mark.parametrize("invert", [False, True])
def test_isin(torch, invert):
    x, test = np.array([[1, 2], [3, 4]]), np.array([4, 1, 9])
    _same(dg.isin(dg.tensor(x), dg.tensor(test), invert=invert), torch.isin(torch.tensor(x), torch.tensor(test),
                                                                              invert=invert))
    assert dg.isin(dg.tensor(x), [2]).tolist() == [[False, True], [False, False]]


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize(torch, right):
    seq = np.array([1.0, 2.0, 2.0, 4.0])
    values = np.array([[0.0, 2.0, 3.0], [4.0, 5.0, 2.0]])
    _same(dg.searchsorted(dg.tensor(seq), dg.tensor(values), right=right),
          torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right))
    _same(dg.searchsorted(dg.tensor(seq), dg.tensor(values), side="right" if right else "left", out_int32=True),
          torch.searchsorted(torch.tensor(seq), torch.tensor(values), side="right" if right else "left",
                             out_int32=True))
    rows = np.array([[1.0, 3.0, 5.0], [2.0, 2.0, 6.0]])  # one sorted sequence per row of values
    _same(dg.searchsorted(dg.tensor(rows), dg.tensor(values), right=right),
          torch.searchsorted(torch.tensor(rows), torch.tensor(values), right=right))
    _same(dg.bucketize(dg.tensor(values), dg.tensor(seq), right=right),
          torch.bucketize(torch.tensor(values), torch.tensor(seq), right=right))


def test_searchsorted_with_a_sorter(torch):
    seq, order = np.array([4.0, 1.0, 3.0]), np.array([1, 2, 0])
    _same(dg.searchsorted(dg.tensor(seq), dg.tensor([2.0, 5.0]), sorter=dg.tensor(order)),
          torch.searchsorted(torch.tensor(seq), torch.tensor([2.0, 5.0]), sorter=torch.tensor(order)))
