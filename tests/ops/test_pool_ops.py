"""Pooling, adaptive pooling and interpolation against PyTorch (seeded sweeps) and gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.ops.pool import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, global_avg_pool2d, max_pool1d, max_pool2d
from deepglass.ops.upsample import interpolate

from .test_conv_ops import run_both


def _pool_config(rng) -> dict:
    kernel = tuple(int(k) for k in rng.integers(1, 5, 2))
    return dict(kernel=kernel, stride=tuple(int(s) for s in rng.integers(1, 4, 2)),
                padding=tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel),
                dilation=tuple(int(d) for d in rng.integers(1, 3, 2)), ceil_mode=bool(rng.integers(0, 2)),
                count_include_pad=bool(rng.integers(0, 2)), shape=(2, 3, *(int(n) for n in rng.integers(7, 13, 2))))


@pytest.mark.parametrize("seed", range(40))
def test_max_pool2d_matches_torch_sweep(torch, seed):
    rng = np.random.default_rng(seed)
    c = _pool_config(rng)
    x = rng.standard_normal(c["shape"]).astype(np.float32)
    args = (c["kernel"], c["stride"], c["padding"], c["dilation"], c["ceil_mode"])
    run_both(torch, lambda x: max_pool2d(x, *args), lambda x: torch.nn.functional.max_pool2d(x, *args), [x], rng)


@pytest.mark.parametrize("seed", range(40))
def test_avg_pool2d_matches_torch_sweep(torch, seed):
    rng = np.random.default_rng(seed)
    c = _pool_config(rng)
    x = rng.standard_normal(c["shape"]).astype(np.float32)
    args = (c["kernel"], c["stride"], c["padding"], c["ceil_mode"], c["count_include_pad"])
    run_both(torch, lambda x: avg_pool2d(x, *args), lambda x: torch.nn.functional.avg_pool2d(x, *args), [x], rng)


def test_pool_sweep_covers_every_option():
    configs = [_pool_config(np.random.default_rng(seed)) for seed in range(40)]
    assert {c["ceil_mode"] for c in configs} == {True, False} == {c["count_include_pad"] for c in configs}
    assert any(max(c["dilation"]) > 1 for c in configs) and any(max(c["padding"]) > 0 for c in configs)
    assert any(c["stride"] != c["kernel"] for c in configs)


def test_ceil_mode_adds_the_partial_window(torch):
    x = np.arange(2 * 1 * 5 * 5, dtype=np.float32).reshape(2, 1, 5, 5)
    assert max_pool2d(dg.tensor(x), 2, ceil_mode=True).shape == (2, 1, 3, 3)
    assert max_pool2d(dg.tensor(x), 2).shape == (2, 1, 2, 2)
    rng = np.random.default_rng(0)
    run_both(torch, lambda x: avg_pool2d(x, 2, 2, 1, True, False, 3),
             lambda x: torch.nn.functional.avg_pool2d(x, 2, 2, 1, True, False, 3), [x], rng)


@pytest.mark.parametrize("kernel, stride, nan, bad_grad", [(2, 2, True, False), (2, 2, False, False),
                                                         (3, 1, True, False), (3, 1, False, False),
                                                         (2, 2, False, True), (3, 1, False, True)])
def test_max_pool_ties_and_nan_follow_torch(torch, kernel, stride, nan, bad_grad):
    x = np.zeros((1, 1, 4, 4), dtype=np.float32)  # all ties (as after a ReLU): the first cell of a window wins
    x[0, 0, 1, 2] = 0.5
    if nan:
        x[0, 0, 3, 3] = np.nan
    rng = np.random.default_rng(0)
    xd = dg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    y, yt = max_pool2d(xd, kernel, stride), torch.nn.functional.max_pool2d(xt, kernel, stride)
    np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
    g = rng.standard_normal(tuple(yt.shape)).astype(np.float32)
    if bad_grad:  # an inf/NaN gradient reaches only the winning input, as in PyTorch
        g.flat[0], g.flat[-1] = np.inf, np.nan
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("one_sample_at_a_time", [False, True])
@pytest.mark.parametrize("shape", [(3, 4, 8, 10), (2, 3, 7, 9), (1, 2, 2, 3)])
def test_max_pool_2x2_rows_at_a_time_settle_every_tie_as_torch(torch, shape, one_sample_at_a_time, monkeypatch):
    """MaxPool2d(2) on float32 routes gradients whole rows at a time (`_route_to_first_max_2x2`): with values from
    {0, 1, 2}, every pattern of ties appears, and odd last rows and columns belong to no window."""
    from deepglass.ops import pool

    if one_sample_at_a_time:
        monkeypatch.setattr(pool, "POOL_BLOCK_BYTES", 1)
    calls = []
    route = pool._route_to_first_max_2x2
    monkeypatch.setattr(pool, "_route_to_first_max_2x2", lambda *a: calls.append(1) or route(*a))
    rng = np.random.default_rng(sum(shape))
    x = rng.integers(0, 3, shape).astype(np.float32)
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = max_pool2d(xd, 2), torch.nn.functional.max_pool2d(xt, 2)
    g = rng.standard_normal(tuple(yt.shape)).astype(np.float32)
    y.backward(g)
    yt.backward(torch.tensor(g))
    assert len(calls) >= (shape[0] if one_sample_at_a_time else 1)
    np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("output_size", [1, 2, 3, (5, 4), (7, None), (4, 9)])
def test_adaptive_avg_pool2d_matches_torch(torch, output_size):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 10)).astype(np.float32)
    run_both(torch, lambda x: adaptive_avg_pool2d(x, output_size),
             lambda x: torch.nn.functional.adaptive_avg_pool2d(x, output_size), [x], rng)


def test_global_avg_pool2d_is_the_channel_mean():
    x = dg.randn(2, 3, 4, 5)
    np.testing.assert_allclose(global_avg_pool2d(x).numpy(), x.numpy().mean(axis=(2, 3)), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(scale_factor=2), dict(size=(7, 5)), dict(scale_factor=1.5),
                                    dict(scale_factor=3, mode="bilinear"), dict(size=(9, 4), mode="bilinear"),
                                    dict(scale_factor=2, mode="bilinear", align_corners=True),
                                    dict(size=(3, 11), mode="bilinear", align_corners=True),
                                    dict(scale_factor=1.7, mode="bilinear"), dict(scale_factor=(2, 3))])
def test_interpolate_matches_torch(torch, kwargs):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 6, 5)).astype(np.float32)
    run_both(torch, lambda x: interpolate(x, **kwargs), lambda x: torch.nn.functional.interpolate(x, **kwargs), [x],
             rng)


def test_pool1d_matches_torch(torch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 11)).astype(np.float32)
    run_both(torch, lambda x: max_pool1d(x, 3, 2, 1, 2, True),
             lambda x: torch.nn.functional.max_pool1d(x, 3, 2, 1, 2, True), [x], rng)
    run_both(torch, lambda x: avg_pool1d(x, 4, 3, 2, True, False),
             lambda x: torch.nn.functional.avg_pool1d(x, 4, 3, 2, True, False), [x], rng)


@pytest.mark.parametrize("fn", [
    lambda x: max_pool2d(x, 3, 2, 1, 2, True),
    lambda x: avg_pool2d(x, 3, 2, 1, True, False),
    lambda x: adaptive_avg_pool2d(x, (3, 2)),
    lambda x: interpolate(x, scale_factor=2, mode="bilinear"),
    lambda x: interpolate(x, size=(4, 9)),
])
def test_pooling_gradcheck_float64(fn):
    x = dg.tensor(np.random.default_rng(4).permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) / 10.0,
                  dtype=dg.float64, requires_grad=True)  # distinct values: no ties for max pooling
    assert dg.gradcheck(fn, x)


def test_pooling_errors_name_the_problem():
    x = dg.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="at most half the kernel"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, C, H, W\)"):
        avg_pool2d(dg.randn(4, 4), 2)
    with pytest.raises(ValueError, match="too small"):
        max_pool2d(x, 5)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        interpolate(x)
    with pytest.raises(ValueError, match="mode must be one of"):
        interpolate(x, scale_factor=2, mode="bicubic")


def test_max_pool_of_an_empty_batch():
    x = dg.tensor(np.zeros((0, 3, 4, 4)), requires_grad=True)
    y = max_pool2d(x, 2)
    y.sum().backward()
    assert y.shape == (0, 3, 2, 2) and x.grad.shape == (0, 3, 4, 4)
