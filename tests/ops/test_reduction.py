"""Reductions: sum mean max min var std logsumexp prod norm cumsum argmax/argmin all/any."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op

# (deepglass axis argument, torch dim argument); None reduces everything
AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]


def _torch_reduce(torch, name, axis, keepdims):
    def fn(x):
        if axis is None:
            if name in ("max", "min"):
                out = getattr(x, "amax" if name == "max" else "amin")()
            else:
                out = getattr(x, name)()
            if keepdims:
                out = out.reshape((1,) * x.ndim)
            return out
        dim = axis if isinstance(axis, int) else tuple(axis)
        if name in ("max", "min"):
            return getattr(torch, "amax" if name == "max" else "amin")(x, dim=dim, keepdim=keepdims)
        if name == "prod" and isinstance(dim, tuple):  # torch.prod takes one dim: reduce them one by one
            for d in sorted((d % x.ndim for d in dim), reverse=True):
                x = x.prod(dim=d, keepdim=keepdims)
            return x
        return getattr(torch, name)(x, dim=dim, keepdim=keepdims)

    return fn


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std", "logsumexp", "prod"])
def test_reduction_axis_keepdims(torch_or_none, name, axis, keepdims):
    if name == "logsumexp" and axis is None and torch_or_none is not None:
        axis_t = (0, 1, 2)
    else:
        axis_t = axis
    torch_fn = None if torch_or_none is None else _torch_reduce(torch_or_none, name, axis_t, keepdims)
    low, high = (0.5, 1.5) if name == "prod" else (-2, 2)
    check_op(torch_or_none, lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), [(2, 3, 4)], torch_fn,
             low=low, high=high)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "prod"])
def test_reduction_pytorch_spelling(torch_or_none, name):
    """dim=/keepdim= and the function form dg.<name>(x, ...) give the same as axis=/keepdims=."""
    x = dg.tensor(np.random.default_rng(0).uniform(0.5, 2, (3, 4)))
    a = getattr(dg, name)(x, dim=1, keepdim=True)
    b = getattr(x, name)(axis=1, keepdims=True)
    c = getattr(x, name)(1, True)
    assert a.shape == (3, 1)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    torch_fn = None if torch_or_none is None else _torch_reduce(torch_or_none, name, 0, False)
    check_op(torch_or_none, lambda x: getattr(dg, name)(x, dim=0), [(3, 4)], torch_fn, low=0.5, high=2)


def test_var_std_corrections(torch_or_none):
    data = np.random.default_rng(0).standard_normal((4, 5))
    x = dg.tensor(data)
    np.testing.assert_allclose(x.var().item(), data.var(ddof=1))
    np.testing.assert_allclose(x.var(correction=0).item(), data.var())
    np.testing.assert_allclose(x.var(unbiased=False).item(), data.var())
    np.testing.assert_allclose(x.std(axis=1, ddof=0).numpy(), data.std(axis=1))
    if torch_or_none is not None:
        check_op(torch_or_none, lambda x: x.var(dim=1, correction=0), [(4, 5)],
                 lambda t: t.var(dim=1, correction=0))


def test_max_min_ties_share_the_gradient_like_amax(torch_or_none):
    inputs = [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]]
    torch_fn = None
    if torch_or_none is not None:
        torch_fn = lambda t: t.amax(dim=1)  # noqa: E731
    check_op(torch_or_none, lambda x: x.max(axis=1), inputs=inputs, torch_fn=torch_fn, gradcheck=False)
    x = dg.tensor([1.0, 1.0], requires_grad=True)
    x.min().backward()
    assert x.grad.tolist() == [0.5, 0.5]


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_over_a_dim_give_values_and_indices_like_torch(torch, name, dim, keepdim):
    """`_, predicted = dg.max(logits, 1)` works; ties pick the first index, and only it gets the gradient."""
    data = np.array([[[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]], [[0.0, 5.0, 4.0], [-3.0, -3.0, -3.0]]])
    x, t = dg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours, theirs = getattr(dg, name)(x, dim, keepdim), getattr(torch, name)(t, dim, keepdim)
    values, indices = ours
    assert ours.values is values and ours.indices is indices
    np.testing.assert_array_equal(values.numpy(), theirs.values.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
    assert indices.dtype == np.int64
    g = np.arange(values.numel(), dtype=np.float64).reshape(values.shape) + 1
    values.backward(dg.tensor(g))
    theirs.values.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    method = getattr(dg.tensor(data), name)(dim=dim, keepdim=keepdim)
    np.testing.assert_array_equal(method.indices.numpy(), indices.numpy())


def test_max_min_other_forms():
    x = dg.tensor([[1.0, 4.0], [3.0, 2.0]])
    assert x.max().item() == 4.0 and dg.min(x).item() == 1.0
    assert dg.max(x, dg.full((2, 2), 2.5)).tolist() == [[2.5, 4.0], [3.0, 2.5]]  # torch.max(a, b)
    assert dg.min(x, dg.full((2, 2), 2.5)).tolist() == [[1.0, 2.5], [2.5, 2.0]]
    assert x.max(axis=1).tolist() == [4.0, 3.0]  # NumPy's axis: the values only
    assert x.amax(dim=(0, 1)).item() == 4.0 and x.amin(1).tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"max: dim must be one int.*amax\(x, dim\)"):
        x.max(dim=(0, 1))
    with pytest.raises(TypeError, match="axis or dim, not both"):
        x.min(1, axis=1)


def test_logsumexp_is_stable():
    x = dg.tensor([1000.0, 1000.0], dtype="float64", requires_grad=True)
    y = x.logsumexp()
    np.testing.assert_allclose(y.item(), 1000 + np.log(2))
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5])


@pytest.mark.parametrize("p", [1, 2, 3])
def test_norm(torch_or_none, p):
    torch_fn = None if torch_or_none is None else (lambda t: torch_or_none.linalg.vector_norm(t, ord=p, dim=1))
    check_op(torch_or_none, lambda x: x.norm(p=p, axis=1), [(3, 4)], torch_fn)
    check_op(torch_or_none, lambda x: x.norm(p=p), [(3, 4)],
             None if torch_or_none is None else (lambda t: torch_or_none.linalg.vector_norm(t, ord=p)))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cumsum(torch_or_none, axis):
    torch_fn = None if torch_or_none is None else (lambda t: t.cumsum(dim=axis))
    check_op(torch_or_none, lambda x: x.cumsum(axis=axis), [(3, 4)], torch_fn)


def test_argmax_argmin():
    data = np.random.default_rng(0).standard_normal((3, 4, 5))
    x = dg.tensor(data, requires_grad=True)
    for name in ("argmax", "argmin"):
        full = getattr(x, name)()
        assert full.dtype == np.int64 and full.shape == () and not full.requires_grad
        assert full.item() == getattr(data, name)()
        for axis in (0, 1, -1):
            out = getattr(dg, name)(x, dim=axis)
            np.testing.assert_array_equal(out.numpy(), getattr(data, name)(axis=axis))
            assert getattr(x, name)(axis=axis, keepdims=True).shape == np.expand_dims(
                getattr(data, name)(axis=axis), axis).shape


def test_all_any():
    x = dg.tensor([[True, False], [True, True]])
    assert x.all().item() is False and x.any().item() is True
    assert x.all(axis=1).tolist() == [False, True]
    assert x.any(dim=0, keepdim=True).tolist() == [[True, True]]


def test_reductions_of_int_tensors():
    x = dg.tensor([[1, 2], [3, 4]])
    assert x.dtype == np.int64
    assert x.sum().item() == 10 and x.sum().dtype == np.int64
    assert x.max(axis=0).tolist() == [3, 4]
    with pytest.raises(TypeError, match="mean"):
        x.mean()


def test_bad_axis_names_the_axis_and_ndim():
    with pytest.raises(IndexError, match="axis 3 is out of range for a tensor with 2 dimensions"):
        dg.ones(2, 3).sum(axis=3)
    with pytest.raises(TypeError, match="axis or dim"):
        dg.ones(2, 3).sum(axis=0, dim=0)


def test_mean_of_float32_stays_float32_and_accurate():
    data = np.random.default_rng(0).standard_normal((100, 7)).astype(np.float32)
    x = dg.tensor(data)
    assert x.mean().dtype == np.float32
    np.testing.assert_allclose(x.mean(axis=0).numpy(), data.mean(axis=0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2)], ids=str)
def test_prod_gradient_with_zeros(torch_or_none, axis):
    data = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4, 2))
    data[0, 1, 0] = 0.0
    data[1, :, 1] = 0.0  # a group with two zeros
    data[2, 2, 1] = 0.0
    if torch_or_none is None:
        x = dg.tensor(data, requires_grad=True)
        x.prod(axis=axis).sum().backward()
        assert np.all(np.isfinite(x.grad.numpy()))
        return
    torch_fn = _torch_reduce(torch_or_none, "prod", axis, False)
    check_op(torch_or_none, lambda x: x.prod(axis=axis), inputs=[data], torch_fn=torch_fn, gradcheck=False)


# ---- cumprod, nansum/nanmean, var_mean/std_mean, count_nonzero, aminmax -------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_matches_torch(torch, dim):
    check_op(torch, lambda x: x.cumprod(dim), [(3, 4)], lambda x: torch.cumprod(x, dim))


def test_cumprod_gradient_with_zeros_matches_torch(torch):
    data = np.array([[1.5, 0.0, 2.0, -1.0, 0.5], [0.0, 2.0, 0.0, 3.0, 1.0], [2.0, -0.5, 1.5, 0.7, 0.0],
                     [0.0, 0.0, 0.0, 1.0, 2.0], [1.1, 0.9, 1.2, 0.8, 1.3]])
    for dim in (0, 1):
        check_op(torch, lambda x, d=dim: dg.cumprod(x, d), inputs=[data], torch_fn=lambda x, d=dim: torch.cumprod(x, d))
    check_op(torch, lambda x: x.cumprod(0), inputs=[np.array(0.0)], torch_fn=lambda x: x.cumprod(0))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # an all-NaN slice: 0/0, as torch
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
@pytest.mark.parametrize("name", ["nansum", "nanmean"])
def test_nansum_nanmean_match_torch(torch, name, dim, keepdim):
    data = np.random.default_rng(0).uniform(-2, 2, size=(3, 4, 5))
    data[0, 1, :] = np.nan  # a slice of NaN only: nansum 0, nanmean NaN
    data[2, 0, 3] = data[1, 2, 0] = np.nan
    kwargs = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    check_op(torch, lambda x: getattr(x, name)(**kwargs), inputs=[data],
             torch_fn=lambda x: getattr(torch, name)(x, **kwargs), gradcheck=False)
    check_op(torch, lambda x: getattr(dg, name)(x, **kwargs), [(3, 4, 5)], lambda x: getattr(torch, name)(x, **kwargs))


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": -1, "correction": 0},
                                    {"dim": 1, "unbiased": False}, {"dim": 0, "correction": 2}])
@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_var_mean_std_mean_match_torch(torch, name, kwargs):
    out = check_op(torch, lambda x: getattr(dg, name)(x, **kwargs), [(3, 4, 5)],
                   lambda x: getattr(torch, name)(x, **kwargs))
    assert isinstance(out, tuple) and len(out) == 2
    if "unbiased" in kwargs:  # torch's positional (input, dim, unbiased, keepdim)
        check_op(torch, lambda x: getattr(dg, name)(x, 1, False, True), [(3, 4)],
                 lambda x: getattr(torch, name)(x, 1, False, True))


def test_count_nonzero_matches_torch(torch):
    data = np.array([[[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]], [[4.0, 0.0, 0.0], [np.nan, 0.0, -1.0]]])
    for dim in (None, 0, -1, (0, 2)):
        out = dg.tensor(data).count_nonzero(dim)
        expected = torch.count_nonzero(torch.tensor(data), dim)
        assert out.dtype == np.int64 and out.tolist() == expected.tolist()
    assert dg.count_nonzero(dg.tensor([True, False, True])).item() == 2


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"dim": 0}])
def test_aminmax_matches_torch_with_ties(torch, kwargs):
    check_op(torch, lambda x: tuple(x.aminmax(**kwargs)), [(3, 4)], lambda x: tuple(torch.aminmax(x, **kwargs)))
    ties = np.array([[1.0, 3.0, 1.0, 3.0], [2.0, 2.0, 2.0, 2.0]])  # the gradient shared by the tied elements
    check_op(torch, lambda x: tuple(dg.aminmax(x, **kwargs)), inputs=[ties],
             torch_fn=lambda x: tuple(torch.aminmax(x, **kwargs)), gradcheck=False)
    result = dg.aminmax(dg.tensor(ties), **kwargs)
    assert result.min.shape == result.max.shape == tuple(torch.aminmax(torch.tensor(ties), **kwargs).min.shape)
