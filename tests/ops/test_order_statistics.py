"""median / nanmedian / kthvalue / mode / quantile / nanquantile: values, indices and gradients equal
PyTorch's, with ties, NaN, keepdim and negative dims."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op

TIES = np.array([[3.0, 1.0, 2.0, 1.0, 3.0, 2.0], [0.0, 5.0, 5.0, -1.0, 0.0, 5.0], [4.0, 4.0, 4.0, 4.0, 4.0, 4.0]])
NANS = np.array([[1.0, np.nan, 3.0, np.nan, 0.5], [np.nan] * 5, [4.0, 2.0, 3.0, 1.5, 5.0],
                 [2.5, np.nan, 2.25, 7.0, 1.25]])


def _same_selection(result, expected, data, dim):
    """Equal values; indices that point at those values (PyTorch's index among equal values is unspecified)."""
    np.testing.assert_array_equal(result.values.numpy(), expected.values.detach().numpy())
    assert result.indices.dtype == np.int64 and result.indices.shape == tuple(expected.indices.shape)
    picked = np.take_along_axis(data, np.expand_dims(result.indices.numpy(), dim) if result.indices.ndim < data.ndim
                                else result.indices.numpy(), axis=dim)
    np.testing.assert_array_equal(picked.reshape(result.values.shape), result.values.numpy())


@pytest.mark.parametrize("dim, keepdim", [(1, False), (0, True), (-1, True), (-2, False)])
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_dim_matches_torch(torch, name, dim, keepdim):
    check_op(torch, lambda a: getattr(a, name)(dim, keepdim).values, [(4, 5)],
             lambda a: getattr(torch, name)(a, dim, keepdim).values)
    for data in (TIES, NANS):
        result = getattr(dg, name)(dg.tensor(data), dim, keepdim)
        expected = getattr(torch, name)(torch.tensor(data), dim, keepdim)
        _same_selection(result, expected, data, dim)
    # stable choice among ties: the lower median's first occurrence in sorted order, as torch on CPU here
    assert dg.median(dg.tensor(TIES), 1).indices.tolist() == torch.median(torch.tensor(TIES), 1).indices.tolist()
    assert dg.median(dg.tensor(NANS), 1).indices.tolist()[:1] == [1]  # the first NaN, as torch


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_of_all_elements_shares_the_gradient_among_ties(torch, name):
    check_op(torch, lambda a: getattr(a, name)(), [(3, 5)], lambda a: getattr(torch, name)(a))
    for data in (TIES, NANS, np.array([2.0, 1.0, 2.0, 3.0])):
        check_op(torch, lambda a: getattr(a, name)(), inputs=[data], torch_fn=lambda a: getattr(torch, name)(a),
                 gradcheck=False)
    assert dg.median(dg.tensor(TIES)).shape == ()
    assert dg.median(dg.tensor([4, 1, 3, 2])).item() == 2  # integers: the lower median


@pytest.mark.parametrize("k, dim, keepdim", [(1, 1, False), (3, 1, True), (6, -1, False), (2, 0, False),
                                             (3, -2, True)])
def test_kthvalue_matches_torch(torch, k, dim, keepdim):
    check_op(torch, lambda a: a.kthvalue(k, dim, keepdim).values, [(3, 6)],
             lambda a: torch.kthvalue(a, k, dim, keepdim).values)
    result = dg.kthvalue(dg.tensor(TIES), k, dim, keepdim)
    expected = torch.kthvalue(torch.tensor(TIES), k, dim, keepdim)
    _same_selection(result, expected, TIES, dim)
    data = np.random.default_rng(k).permutation(18).reshape(3, 6).astype(np.float64)  # distinct: the same index
    expected = torch.kthvalue(torch.tensor(data), k, dim).indices
    assert dg.kthvalue(dg.tensor(data), k, dim).indices.tolist() == expected.tolist()


def test_kthvalue_errors_and_scalars(torch):
    with pytest.raises(IndexError, match=r"kthvalue: k=7 is out of range for dimension 1 of size 6"):
        dg.tensor(TIES).kthvalue(7, 1)
    with pytest.raises(IndexError, match="k=0"):
        dg.kthvalue(dg.tensor(TIES), 0)
    values, indices = dg.kthvalue(dg.tensor(3.0), 1)
    assert values.shape == () and values.item() == 3.0 and indices.item() == 0
    values, indices = dg.median(dg.tensor(3.0), 0)
    assert values.shape == () and indices.item() == 0


@pytest.mark.parametrize("dim, keepdim", [(1, False), (0, True), (-1, False)])
def test_mode_matches_torch_with_ties(torch, dim, keepdim):
    data = np.array([[1.0, 2.0, 2.0, 1.0, 3.0, 1.0], [2.0, 1.0, 2.0, 1.0, 3.0, 0.0], [5.0, 5.0, 4.0, 4.0, 4.0, 5.0],
                     [7.0, 6.0, 8.0, 9.0, 0.0, 1.0]])
    result, expected = dg.mode(dg.tensor(data), dim, keepdim), torch.mode(torch.tensor(data), dim, keepdim)
    np.testing.assert_array_equal(result.values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(result.indices.numpy(), expected.indices.numpy())  # the last occurrence
    assert result.indices.dtype == np.int64
    check_op(torch, lambda a: a.mode(dim, keepdim).values, inputs=[data],
             torch_fn=lambda a: torch.mode(a, dim, keepdim).values, gradcheck=False)
    ints = np.random.default_rng(0).integers(0, 4, size=(5, 9))
    result, expected = dg.tensor(ints).mode(dim), torch.tensor(ints).mode(dim)
    assert result.values.tolist() == expected.values.tolist() and result.indices.tolist() == expected.indices.tolist()


QS = [0.0, 0.25, 0.5, 0.8, 1.0]


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (None, True), (1, False), (-1, True), (0, False)])
def test_quantile_matches_torch(torch, interpolation, dim, keepdim):
    for q in (0.3, QS):
        def ours(a, q=q):
            q = dg.tensor(q, dtype=dg.float64) if isinstance(q, list) else q
            return a.quantile(q, dim, keepdim, interpolation=interpolation)

        def theirs(a, q=q):
            return torch.quantile(a, torch.tensor(q, dtype=a.dtype) if isinstance(q, list) else q, dim, keepdim,
                                  interpolation=interpolation)

        check_op(torch, ours, [(3, 7)], theirs, gradcheck=interpolation in ("linear", "midpoint"))


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_with_nan_matches_torch(torch, name):
    # quantile's gradient goes to one of the NaN, which one is unspecified: compare its values only
    for dim in (1, None):
        check_op(torch, lambda a, d=dim: getattr(dg, name)(a, dg.tensor(QS, dtype=dg.float64), d), inputs=[NANS],
                 torch_fn=lambda a, d=dim: getattr(torch, name)(a, torch.tensor(QS, dtype=a.dtype), d),
                 grad=name == "nanquantile", gradcheck=False)
    check_op(torch, lambda a: getattr(a, name)(0.4, 0, True), inputs=[NANS.T],
             torch_fn=lambda a: getattr(torch, name)(a, 0.4, 0, True), grad=name == "nanquantile", gradcheck=False)


def test_quantile_errors(torch):
    x = dg.tensor(TIES)
    with pytest.raises(ValueError, match=r"quantile: q values must be in the range \[0, 1\]"):
        x.quantile(1.5)
    with pytest.raises(ValueError, match="interpolation"):
        x.quantile(0.5, interpolation="cubic")
    with pytest.raises(TypeError, match="float"):
        dg.tensor([1, 2, 3]).quantile(0.5)
    assert dg.quantile(dg.tensor([1.0, 2.0, 3.0, 4.0]), dg.tensor(0.5)).shape == ()
    assert dg.quantile(x, 0.5, 1, keepdim=True).shape == (3, 1)
