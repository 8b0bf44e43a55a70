"""softmax and log_softmax along an axis."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .opcheck import check_op


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_softmax_along_axis(torch_or_none, name, axis):
    torch_fn = None if torch_or_none is None else (lambda t: getattr(torch_or_none, name)(t, dim=axis))
    check_op(torch_or_none, lambda x: getattr(dg, name)(x, dim=axis), [(2, 3, 4)], torch_fn)
    check_op(torch_or_none, lambda x: getattr(x, name)(axis), [(2, 3, 4)], torch_fn)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_default_axis_is_the_last(name):
    x = dg.randn(3, 4)
    np.testing.assert_array_equal(getattr(dg, name)(x).numpy(), getattr(dg, name)(x, dim=-1).numpy())


def test_stable_for_large_logits():
    x = dg.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    y = dg.log_softmax(x, dim=1)
    np.testing.assert_allclose(y.numpy(), [[0.0, -1000.0, -2000.0]])
    np.testing.assert_allclose(dg.softmax(x, dim=1).numpy(), [[1.0, 0.0, 0.0]])
    y[0, 1].backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_softmax_rows_sum_to_one():
    y = dg.softmax(dg.randn(5, 7), dim=1)
    np.testing.assert_allclose(y.sum(axis=1).numpy(), np.ones(5), rtol=1e-6)


def test_cross_entropy_built_from_log_softmax_and_an_index_pick(torch_or_none):
    target = np.array([2, 0, 1, 2])

    def dg_fn(logits):
        return -dg.log_softmax(logits, dim=1)[dg.arange(4), dg.tensor(target)].mean()

    torch_fn = None
    if torch_or_none is not None:
        torch_fn = lambda t: torch_or_none.nn.functional.cross_entropy(t, torch_or_none.tensor(target))  # noqa: E731
    check_op(torch_or_none, dg_fn, [(4, 3)], torch_fn)
