"""Indexing: basic slicing, integer arrays (scatter-add gradients), boolean masks, gather, masked_fill."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op

BASIC = {
    "int": lambda x: x[1],
    "negative_int": lambda x: x[-1],
    "slice": lambda x: x[1:3],
    "step": lambda x: x[::2],
    "negative_step_free": lambda x: x[:, 1:],
    "tuple": lambda x: x[1, :, 2],
    "ellipsis": lambda x: x[..., 1],
    "none": lambda x: x[None, 0],
    "mixed": lambda x: x[1:, None, ..., :2],
    "scalar": lambda x: x[2, 1, 3],
}


@pytest.mark.parametrize("name", sorted(BASIC))
def test_basic_indexing(torch_or_none, name):
    check_op(torch_or_none, BASIC[name], [(4, 3, 5)])


def _both(torch, build):
    """A (deepglass fn, torch fn) pair indexing with arrays made by `build(module)`."""
    dg_fn = lambda x: x[build(dg)]  # noqa: E731
    torch_fn = None if torch is None else (lambda t: t[build(torch)])
    return dg_fn, torch_fn


INTEGER = {
    "list": lambda m: m.tensor([0, 2, 2, 0, 3]),
    "repeated_2d_index": lambda m: m.tensor([[1, 1], [3, 1]]),
    "two_arrays": lambda m: (m.tensor([0, 1, 1, 3]), m.tensor([2, 0, 2, 2])),
    "broadcast_arrays": lambda m: (m.tensor([[0], [3]]), m.tensor([1, 2, 1])),
    "array_and_slice": lambda m: (slice(None), m.tensor([2, 2, 0])),
    "negative": lambda m: m.tensor([-1, -1, 0]),
}


@pytest.mark.parametrize("name", sorted(INTEGER))
def test_integer_array_indexing_scatter_adds(torch_or_none, name):
    dg_fn, torch_fn = _both(torch_or_none, INTEGER[name])
    check_op(torch_or_none, dg_fn, [(4, 3)], torch_fn)


def test_repeated_indices_accumulate():
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[dg.tensor([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_python_list_and_numpy_indices():
    x = dg.tensor([10.0, 20.0, 30.0], requires_grad=True)
    assert x[[2, 0]].tolist() == [30.0, 10.0]
    assert x[np.array([1, 1])].tolist() == [20.0, 20.0]
    x[[1, 1]].sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0]


def test_boolean_mask(torch_or_none):
    mask = np.random.default_rng(2).random((4, 3)) > 0.4
    dg_fn = lambda x: x[dg.tensor(mask)]  # noqa: E731
    torch_fn = None if torch_or_none is None else (lambda t: t[torch_or_none.tensor(mask)])
    check_op(torch_or_none, dg_fn, [(4, 3)], torch_fn)
    row_mask = np.array([True, False, True, True])
    check_op(torch_or_none, lambda x: x[row_mask], [(4, 3)],
             None if torch_or_none is None else (lambda t: t[torch_or_none.tensor(row_mask)]))


def test_mask_from_a_comparison():
    x = dg.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = x[x > 0]
    assert y.tolist() == [2.0, 4.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize("axis", [0, 1])
def test_gather(torch_or_none, axis):
    index = np.random.default_rng(0).integers(0, 3, size=(3, 3))
    torch_fn = None if torch_or_none is None else (lambda t: t.gather(axis, torch_or_none.tensor(index)))
    check_op(torch_or_none, lambda x: x.gather(axis, dg.tensor(index)), [(3, 3)], torch_fn)


def test_masked_fill(torch_or_none):
    mask = np.random.default_rng(0).random((3, 4)) > 0.5
    torch_fn = None if torch_or_none is None else (lambda t: t.masked_fill(torch_or_none.tensor(mask), -2.5))
    check_op(torch_or_none, lambda x: x.masked_fill(dg.tensor(mask), -2.5), [(3, 4)], torch_fn)


def test_index_out_of_range_names_the_shape():
    with pytest.raises(IndexError, match=r"tensor of shape \(2, 3\)"):
        dg.ones(2, 3)[5]


def test_setitem_outside_the_graph():
    x = dg.zeros(2, 3)
    x[0, 1] = 5.0
    x[1] = dg.ones(3)
    assert x.tolist() == [[0, 5, 0], [1, 1, 1]]
    w = dg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 1.0
    with dg.no_grad():
        w[0] = 1.0
    assert w.tolist() == [1, 0, 0]


def test_iteration_and_len():
    x = dg.arange(6).reshape(3, 2)
    assert len(x) == 3
    assert [row.tolist() for row in x] == [[0, 1], [2, 3], [4, 5]]


@pytest.mark.parametrize("dim, index", [(0, [2, 0, 0]), (1, [3]), (-1, [1, 1, 0, 3])])
def test_index_select(torch_or_none, dim, index):
    torch_fn = None
    if torch_or_none is not None:
        torch_fn = lambda t: torch_or_none.index_select(t, dim, torch_or_none.tensor(index))  # noqa: E731
    check_op(torch_or_none, lambda x: x.index_select(dim, dg.tensor(index)), [(3, 4)], torch_fn)
    with pytest.raises(ValueError, match=r"index_select: index must be 1-D integers, got shape \(1, 2\)"):
        dg.ones(3, 4).index_select(0, [[0, 1]])


@pytest.mark.parametrize("dims", [0, (1,), (0, 2), (-1,)])
def test_flip(torch_or_none, dims):
    torch_fn = None
    if torch_or_none is not None:
        torch_fn = lambda t: torch_or_none.flip(t, (dims,) if isinstance(dims, int) else dims)  # noqa: E731
    check_op(torch_or_none, lambda x: dg.flip(x, dims), [(2, 3, 4)], torch_fn)


@pytest.mark.parametrize("add", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_and_scatter_add_match_torch(torch, add, dim):
    rng = np.random.default_rng(dim)
    x, src = rng.standard_normal((4, 5)), rng.standard_normal((3, 3))
    if add:
        index = rng.integers(0, x.shape[dim], (3, 3))  # repeats accumulate
    else:  # distinct targets along dim (PyTorch leaves repeated writes undefined)
        index = np.argsort(rng.random((x.shape[dim], 3) if dim == 0 else (3, x.shape[1])), axis=dim)[:3, :3]
    xd, sd = dg.tensor(x, requires_grad=True), dg.tensor(src, requires_grad=True)
    xt, st = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    out = (xd.scatter_add if add else xd.scatter)(dim, index, sd)
    expected = (xt.scatter_add if add else xt.scatter)(dim, torch.tensor(index), st)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    g = rng.standard_normal(out.shape)
    out.backward(dg.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())
    np.testing.assert_array_equal(sd.grad.numpy(), st.grad.numpy())
    dg.gradcheck(lambda a, b: (a.scatter_add if add else a.scatter)(dim, index, b), xd.detach().requires_grad_(),
                 sd.detach().requires_grad_())


def test_scatter_one_hot_value_and_a_larger_src():
    labels = dg.tensor([2, 0, 1])
    one_hot = dg.zeros(3, 4).scatter_(1, labels.reshape(-1, 1), 1.0)
    assert one_hot.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
    src = dg.ones(2, 4, requires_grad=True)
    out = dg.zeros(2, 4).scatter_add(1, [[0, 0], [3, 1]], src)  # only src[:, :2] is read, as in PyTorch
    assert out.tolist() == [[2, 0, 0, 0], [0, 1, 0, 1]]
    out.sum().backward()
    assert src.grad.tolist() == [[1, 1, 0, 0], [1, 1, 0, 0]]
    with pytest.raises(RuntimeError, match="scatter_ on a tensor that requires grad"):
        dg.zeros(2, 2, requires_grad=True).scatter_(1, [[0], [1]], 1.0)
    with pytest.raises(ValueError, match=r"scatter: index must be integers with the tensor's 2 dimensions"):
        dg.zeros(2, 2).scatter(1, [0, 1], 1.0)


# ---- index_add, index_copy, index_fill -----------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("alpha", [1, -2.5])
def test_index_add_accumulates_repeated_indices(torch, dim, alpha):
    index = [2, 0, 2, 2, 1]  # 2 three times
    src_shape = {0: (5, 3, 3), 1: (4, 5, 3), -1: (4, 3, 5)}[dim]
    check_op(torch, lambda x, s: x.index_add(dim, dg.tensor(index), s, alpha=alpha), [(4, 3, 3), src_shape],
             lambda x, s: x.index_add(dim, torch.tensor(index), s, alpha=alpha))


def test_index_add_values():
    out = dg.zeros(3).index_add(0, dg.tensor([0, 0, 2]), dg.tensor([1.0, 2.0, 3.0]))
    assert out.tolist() == [3.0, 0.0, 3.0]
    with pytest.raises(ValueError, match=r"index_add: source of shape \(2,\) does not match \(3,\)"):
        dg.zeros(3).index_add(0, [0, 1, 1], dg.ones(2))


@pytest.mark.parametrize("dim", [0, 1])
def test_index_copy(torch, dim):
    index = [2, 0]  # distinct: PyTorch leaves repeated copies undefined
    src_shape = (2, 4) if dim == 0 else (3, 2)
    check_op(torch, lambda x, s: x.index_copy(dim, dg.tensor(index), s), [(3, 4), src_shape],
             lambda x, s: x.index_copy(dim, torch.tensor(index), s))


@pytest.mark.parametrize("dim", [0, -1])
def test_index_fill(torch, dim):
    index = [1, 1, 0]
    check_op(torch, lambda x: x.index_fill(dim, dg.tensor(index), -3.0), [(3, 4)],
             lambda x: x.index_fill(dim, torch.tensor(index), -3.0))
    with pytest.raises(ValueError, match=r"index_fill: index must be 1-D integers, got shape \(1, 2\)"):
        dg.ones(3, 4).index_fill(0, [[0, 1]], 1.0)


# ---- masks: masked_select, masked_scatter, where as a method -------------------------------------------
@pytest.mark.parametrize("mask_shape", [(3, 4), (4,), (3, 1)])
def test_masked_select_broadcasts(torch, mask_shape):
    mask = np.random.default_rng(3).random(mask_shape) > 0.4
    check_op(torch, lambda x: x.masked_select(dg.tensor(mask)), [(3, 4)],
             lambda x: x.masked_select(torch.tensor(mask)))
    check_op(torch, lambda x: dg.masked_select(x, dg.tensor(mask)), [(3, 4)],
             lambda x: torch.masked_select(x, torch.tensor(mask)))


def test_masked_select_errors():
    with pytest.raises(TypeError, match="masked_select: mask must be boolean"):
        dg.ones(2).masked_select(dg.tensor([1, 0]))
    with pytest.raises(ValueError, match=r"masked_select: mask of shape \(3,\) and x of shape \(2,\)"):
        dg.ones(2).masked_select(dg.tensor([True, False, True]))


@pytest.mark.parametrize("mask_shape", [(3, 4), (4,)])
def test_masked_scatter(torch, mask_shape):
    mask = np.random.default_rng(4).random(mask_shape) > 0.5
    check_op(torch, lambda x, s: x.masked_scatter(dg.tensor(mask), s), [(3, 4), (4, 5)],
             lambda x, s: x.masked_scatter(torch.tensor(mask), s))
    with pytest.raises(ValueError, match=r"masked_scatter: the mask selects 3 elements but source of shape \(2,\)"):
        dg.zeros(3).masked_scatter(dg.tensor([True, True, True]), dg.ones(2))


def test_where_method_uses_torch_argument_order(torch):
    cond = np.random.default_rng(5).random((3, 4)) > 0.5
    check_op(torch, lambda x, y: x.where(dg.tensor(cond), y), [(3, 4), (4,)],
             lambda x, y: x.where(torch.tensor(cond), y))
    assert dg.tensor([1.0, 2.0]).where(dg.tensor([True, False]), 0.0).tolist() == [1.0, 0.0]


# ---- nonzero, argwhere, take, take_along_dim ---------------------------------------------------------
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2), ()])
def test_nonzero_and_argwhere(torch, shape):
    data = (np.random.default_rng(6).random(shape) > 0.5) * np.random.default_rng(7).random(shape)
    x, t = dg.tensor(data), torch.tensor(data)
    for ours, theirs in [(x.nonzero(), t.nonzero()), (dg.argwhere(x), torch.argwhere(t)), (x.argwhere(), t.argwhere())]:
        assert ours.dtype == np.int64 and not ours.requires_grad
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if shape:
        for ours, theirs in zip(dg.nonzero(x, as_tuple=True), torch.nonzero(t, as_tuple=True)):
            assert ours.dtype == np.int64
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert len(dg.nonzero(x, as_tuple=True)) == len(shape)


def test_nonzero_of_a_requires_grad_tensor_is_not_recorded():
    assert not dg.tensor([0.0, 1.0], requires_grad=True).nonzero().requires_grad


@pytest.mark.parametrize("index", [[0, 5, 5, -1], [[1, 11], [11, 3]]], ids=str)
def test_take(torch, index):
    check_op(torch, lambda x: x.take(dg.tensor(index)), [(3, 4)], lambda x: x.take(torch.tensor(index)))
    with pytest.raises(IndexError, match=r"take: index out of range for a tensor of shape \(3, 4\) \(12 elements\)"):
        dg.ones(3, 4).take(dg.tensor([12]))


@pytest.mark.parametrize("dim, index_shape", [(1, (3, 2)), (0, (5, 4)), (1, (1, 3)), (-1, (3, 4)), (None, (2, 3))])
def test_take_along_dim(torch, dim, index_shape):
    high = 12 if dim is None else (3, 4)[dim]
    index = np.random.default_rng(8).integers(0, high, size=index_shape)  # repeats, so gradients accumulate
    check_op(torch, lambda x: x.take_along_dim(dg.tensor(index), dim), [(3, 4)],
             lambda x: x.take_along_dim(torch.tensor(index), dim))


def test_take_along_dim_broadcasts_x(torch):
    index = np.array([[[0, 1]], [[1, 1]]])  # (2, 1, 2) with x (1, 3, 2): x broadcast to (2, 3, 2) first
    check_op(torch, lambda x: dg.take_along_dim(x, dg.tensor(index), 2), [(1, 3, 2)],
             lambda x: torch.take_along_dim(x, torch.tensor(index), 2))
    with pytest.raises(ValueError, match=r"take_along_dim: indices of shape \(2,\) need the 2 dimensions"):
        dg.ones(2, 2).take_along_dim(dg.tensor([0, 1]), 0)
