"""Gradient clipping against torch.nn.utils: the returned total norm and the clipped gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm


def _params_with_grads(lib, scale=1.0, dtype=np.float64):
    """Three parameters, the second without a gradient."""
    rng = np.random.default_rng(0)
    shapes = [(4, 5), (3,), (2, 3, 2)]
    params = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]
    grads = [rng.standard_normal(s).astype(dtype) * scale for s in shapes]
    for i, (p, g) in enumerate(zip(params, grads)):
        if i != 1:
            p.grad = lib.tensor(g)
    return params


@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours, theirs = _params_with_grads(dg), _params_with_grads(torch)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, dg.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), t_total.item(), rtol=1e-12)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_clipped_gradients_have_the_maximum_norm_and_keep_their_direction():
    params = _params_with_grads(dg, scale=10.0)
    before = np.concatenate([p.grad.numpy().ravel() for p in params if p.grad is not None])
    total = clip_grad_norm_(params, max_norm=2.0)
    after = np.concatenate([p.grad.numpy().ravel() for p in params if p.grad is not None])
    assert total.item() == pytest.approx(np.linalg.norm(before))
    assert np.linalg.norm(after) == pytest.approx(2.0, rel=1e-5)
    np.testing.assert_allclose(after / np.linalg.norm(after), before / np.linalg.norm(before), rtol=1e-10)


def test_small_gradients_are_left_alone_and_updated_in_place():
    params = _params_with_grads(dg, scale=1e-3, dtype=np.float32)
    arrays = [p.grad.data for p in params if p.grad is not None]
    before = [a.copy() for a in arrays]
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total.dtype == np.float32
    for p, a, b in zip([p for p in params if p.grad is not None], arrays, before):
        assert p.grad.data is a and p.grad.dtype == np.float32
        np.testing.assert_array_equal(a, b)


def test_a_single_tensor_and_no_gradients():
    p = dg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    p.grad = dg.tensor(np.array([3.0, 4.0]))
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-6)
    assert clip_grad_norm_([dg.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    assert get_total_norm([]).item() == 0.0


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_non_finite_norm_raises_only_when_asked():
    p = dg.tensor(np.array([1.0, np.inf]), requires_grad=True)
    p.grad = dg.tensor(np.array([1.0, np.inf]))
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert math.isinf(clip_grad_norm_(p, 1.0).item())


@pytest.mark.torch
def test_clip_grad_value_matches_torch(torch):
    ours, theirs = _params_with_grads(dg), _params_with_grads(torch)
    clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, t in zip(ours, theirs):
        if t.grad is not None:
            np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())
            assert np.abs(p.grad.numpy()).max() == 0.5


def test_exported_from_nn_utils():
    assert dg.nn.utils.clip_grad_norm_ is clip_grad_norm_ and dg.nn.utils.clip_grad_value_ is clip_grad_value_
