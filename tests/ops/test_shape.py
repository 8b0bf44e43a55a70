"""Shape ops: reshape/view, transpose/permute, flatten, squeeze/unsqueeze, expand, cat/stack/split, pad, repeat."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op

SAME_SPELLING = {
    "reshape": lambda x: x.reshape(4, 6),
    "reshape_tuple": lambda x: x.reshape((2, -1)),
    "view": lambda x: x.view(-1, 3),
    "permute": lambda x: x.permute(2, 0, 1),
    "permute_negative": lambda x: x.permute(-1, 1, 0),
    "transpose": lambda x: x.transpose(0, 2),
    "transpose_negative": lambda x: x.transpose(-1, -2),
    "flatten": lambda x: x.flatten(),
    "flatten_from_1": lambda x: x.flatten(1),
    "flatten_middle": lambda x: x.flatten(0, 1),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "unsqueeze_last": lambda x: x.unsqueeze(-1),
    "expand_after_unsqueeze": lambda x: x.unsqueeze(0).expand(5, 2, 3, 4),
    "expand_keep": lambda x: x.unsqueeze(0).expand(3, -1, -1, -1),
    "repeat": lambda x: x.repeat(2, 1, 3),
    "repeat_new_axis": lambda x: x.repeat(2, 1, 1, 2),
    "split_size": lambda x: x.split(2, dim=2),
    "split_sections": lambda x: x.split([1, 2], dim=1),
    "chunk": lambda x: x.chunk(2, dim=0),
}


@pytest.mark.parametrize("name", sorted(SAME_SPELLING))
def test_shape_op(torch_or_none, name):
    check_op(torch_or_none, SAME_SPELLING[name], [(2, 3, 4)])


def test_T_reverses_all_axes(torch_or_none):
    torch_fn = None if torch_or_none is None else (lambda t: t.permute(1, 0))
    check_op(torch_or_none, lambda x: x.T, [(3, 4)], torch_fn)
    assert dg.ones(2, 3, 4).T.shape == (4, 3, 2)


def test_transpose_without_axes_reverses(torch_or_none):
    assert dg.ones(2, 3, 4).transpose().shape == (4, 3, 2)


@pytest.mark.parametrize("axis", [None, 1, (1, 3), -1])
def test_squeeze(torch_or_none, axis):
    torch_fn = None
    if torch_or_none is not None:
        torch_fn = (lambda t: t.squeeze()) if axis is None else (lambda t: t.squeeze(dim=axis))
    check_op(torch_or_none, lambda x: x.squeeze(axis), [(2, 1, 3, 1)], torch_fn)
    if axis is not None:
        check_op(torch_or_none, lambda x: dg.squeeze(x, dim=axis), [(2, 1, 3, 1)], torch_fn)


def test_squeeze_of_a_longer_axis_is_a_no_op():
    assert dg.ones(2, 3).squeeze(0).shape == (2, 3)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat(torch_or_none, axis):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    shapes = [tuple(n + i if d == axis % 3 else n for d, n in enumerate(s)) for i, s in enumerate(shapes)]
    torch_fn = None if torch_or_none is None else (lambda *ts: torch_or_none.cat(ts, dim=axis))
    check_op(torch_or_none, lambda *ts: dg.cat(ts, dim=axis), shapes, torch_fn)
    check_op(torch_or_none, lambda *ts: dg.concatenate(list(ts), axis=axis), shapes, torch_fn)


def test_cat_with_a_constant(torch_or_none):
    c = np.ones((1, 3))
    torch_fn = None if torch_or_none is None else (lambda t: torch_or_none.cat([t, torch_or_none.tensor(c)]))
    check_op(torch_or_none, lambda x: dg.cat([x, dg.tensor(c)]), [(2, 3)], torch_fn)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(torch_or_none, axis):
    torch_fn = None if torch_or_none is None else (lambda *ts: torch_or_none.stack(ts, dim=axis))
    check_op(torch_or_none, lambda *ts: dg.stack(ts, dim=axis), [(2, 3)] * 3, torch_fn)


def test_split_and_chunk_pieces():
    x = dg.arange(10)
    assert [p.tolist() for p in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [len(p) for p in dg.chunk(x, 3)] == [4, 4, 2]
    with pytest.raises(ValueError, match="do not add up to 10"):
        x.split([3, 3])


@pytest.mark.parametrize("width", [1, ((0, 1), (2, 0)), [(1, 1), (0, 3)]], ids=str)
def test_pad(torch_or_none, width):
    def torch_fn(t):
        pairs = [(width, width)] * 2 if isinstance(width, int) else list(width)
        flat = [v for pair in reversed(pairs) for v in pair]  # torch lists the last axis first
        return torch_or_none.nn.functional.pad(t, flat, value=0.5)

    check_op(torch_or_none, lambda x: x.pad(width, value=0.5), [(2, 3)],
             None if torch_or_none is None else torch_fn)


def test_broadcast_to_and_expand_as(torch_or_none):
    torch_fn = None if torch_or_none is None else (lambda t: t.broadcast_to((2, 3, 4)))
    check_op(torch_or_none, lambda x: dg.broadcast_to(x, (2, 3, 4)), [(3, 1)], torch_fn)
    check_op(torch_or_none, lambda x: x.expand_as(dg.ones(2, 3, 4, dtype="float64")), [(3, 1)], torch_fn)


def test_reshape_of_the_same_shape_returns_the_tensor():
    x = dg.ones(2, 3, requires_grad=True)
    assert x.reshape(2, 3) is x


def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) "
                                         r"into \(4, -1\)"):
        dg.ones(2, 3).reshape(4, -1)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(5,\)"):
        dg.ones(2, 3).view(5)


def test_shape_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"permute: \(0, 0\) is not a permutation .* shape \(2, 3\)"):
        dg.ones(2, 3).permute(0, 0)
    with pytest.raises(ValueError, match=r"expand: a tensor of shape \(2, 3\) cannot expand to \(4, 3\)"):
        dg.ones(2, 3).expand(4, 3)
    with pytest.raises(ValueError, match=r"cat: shapes \[\(2, 3\), \(2, 4\)\] differ outside axis 0"):
        dg.cat([dg.ones(2, 3), dg.ones(2, 4)])
    with pytest.raises(ValueError, match=r"stack: all shapes must be equal, got \[\(2, 3\), \(3, 2\)\]"):
        dg.stack([dg.ones(2, 3), dg.ones(3, 2)])
    with pytest.raises(ValueError, match=r"pad: 1 \(before, after\) pairs for a tensor of shape \(2, 3\)"):
        dg.ones(2, 3).pad([(1, 1)])


def test_shape_ops_keep_the_data_layout_for_backward():
    """Gradients flow back through a chain of views to the right elements."""
    data = np.arange(24.0).reshape(2, 3, 4)
    x = dg.tensor(data, requires_grad=True)
    y = x.permute(2, 0, 1).reshape(4, 6)[1]  # picks x[:, :, 1]
    y.sum().backward()
    expected = np.zeros_like(data)
    expected[:, :, 1] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


# ---- roll, narrow, unbind, tile, unflatten, movedim, swapaxes --------------------------------------------
MORE_SAME_SPELLING = {
    "roll_flat": lambda x: x.roll(5),
    "roll_dim": lambda x: x.roll(-1, 1),
    "roll_dims": lambda x: x.roll((1, -2), (0, 2)),
    "narrow": lambda x: x.narrow(2, 1, 2),
    "narrow_negative_start": lambda x: x.narrow(-1, -3, 2),
    "unbind": lambda x: x.unbind(1),
    "unbind_default": lambda x: x.unbind(),
    "tile": lambda x: x.tile((2, 1, 3)),
    "tile_short": lambda x: x.tile((2,)),
    "tile_long": lambda x: x.tile((2, 1, 1, 2)),
    "unflatten": lambda x: x.reshape(2, 12).unflatten(1, (3, 4)),
    "unflatten_minus_one": lambda x: x.unflatten(-1, (2, -1)),
    "movedim": lambda x: x.movedim(0, 2),
    "movedim_tuple": lambda x: x.movedim((0, 1), (2, 0)),
    "moveaxis": lambda x: x.moveaxis(-1, 0),
    "swapaxes": lambda x: x.swapaxes(0, 2),
    "swapdims": lambda x: x.swapdims(-1, 1),
}


@pytest.mark.parametrize("name", sorted(MORE_SAME_SPELLING))
def test_rearranging_op(torch, name):
    check_op(torch, MORE_SAME_SPELLING[name], [(2, 3, 4)])


def test_roll_values_and_errors():
    x = dg.arange(6).reshape(2, 3)
    assert x.roll(1).tolist() == [[5, 0, 1], [2, 3, 4]]
    assert dg.roll(x, 1, 1).tolist() == [[2, 0, 1], [5, 3, 4]]
    with pytest.raises(ValueError, match=r"roll: 2 shifts for 1 dims \(tensor of shape \(2, 3\)\)"):
        x.roll((1, 2), 0)
    with pytest.raises(ValueError, match=r"narrow: start 2 and length 2 do not fit dimension 1 of shape \(2, 3\)"):
        x.narrow(1, 2, 2)
    with pytest.raises(ValueError, match=r"unflatten: sizes \(2, 2\) do not multiply to 3"):
        x.unflatten(1, (2, 2))
    with pytest.raises(ValueError, match=r"movedim: source"):
        x.movedim((0, 0), (0, 1))


# ---- hstack & co, meshgrid, broadcast_tensors ----------------------------------------------------------
STACKS = {
    "hstack_1d": [(3,), (2,)],
    "hstack_2d": [(2, 3), (2, 1)],
    "vstack_1d": [(3,), (3,)],
    "vstack_mixed": [(2, 3), (3,)],
    "dstack_1d": [(3,), (3,)],
    "dstack_2d": [(2, 3), (2, 3)],
    "dstack_3d": [(2, 3, 1), (2, 3, 2)],
    "column_stack_1d": [(3,), (3,)],
    "column_stack_mixed": [(3,), (3, 2)],
}


@pytest.mark.parametrize("name", sorted(STACKS))
def test_numpy_style_stacks(torch, name):
    op = name.rsplit("_", 1)[0]
    check_op(torch, lambda *ts: getattr(dg, op)(ts), STACKS[name], lambda *ts: getattr(torch, op)(ts))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(torch, indexing):
    check_op(torch, lambda a, b, c: dg.meshgrid(a, b, c, indexing=indexing), [(2,), (3,), (4,)],
             lambda a, b, c: torch.meshgrid(a, b, c, indexing=indexing))
    check_op(torch, lambda a, b: dg.meshgrid([a, b], indexing=indexing), [(2,), (3,)],
             lambda a, b: torch.meshgrid([a, b], indexing=indexing))
    assert [g.shape for g in dg.meshgrid(dg.ones(2), dg.ones(3))] == [(2, 3), (2, 3)]  # 'ij' by default
    with pytest.raises(ValueError, match="meshgrid: expects 0-D or 1-D tensors"):
        dg.meshgrid(dg.ones(2, 2))


def test_broadcast_tensors(torch):
    check_op(torch, lambda a, b, c: dg.broadcast_tensors(a, b, c), [(3, 1), (4,), (2, 1, 1)],
             lambda a, b, c: torch.broadcast_tensors(a, b, c))
    with pytest.raises(ValueError, match=r"broadcast_tensors: shapes \[\(2,\), \(3,\)\] cannot be broadcast"):
        dg.broadcast_tensors(dg.ones(2), dg.ones(3))


def test_atleast():
    assert dg.atleast_1d(dg.tensor(1.0)).shape == (1,)
    assert dg.atleast_2d(dg.ones(3)).shape == (1, 3)
    assert dg.atleast_3d(dg.ones(2, 3)).shape == (2, 3, 1) and dg.atleast_3d(dg.ones(3)).shape == (1, 3, 1)
