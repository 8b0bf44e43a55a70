"""Pooling layers: shapes, no parameters, PyTorch parity through the module API."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

from .layercheck import check_layer, check_torch_parity


@pytest.mark.parametrize("make, torch_make", [
    (lambda m: m.MaxPool2d(2), None),
    (lambda m: m.MaxPool2d(3, 2, padding=1, dilation=2, ceil_mode=True), None),
    (lambda m: m.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False), None),
    (lambda m: m.AvgPool2d((2, 3), divisor_override=4), None),
    (lambda m: m.AdaptiveAvgPool2d((3, 4)), None),
    (lambda m: m.AdaptiveAvgPool2d(1), None),
])
def test_pooling_layers_match_torch(torch, make, torch_make):
    x = np.random.default_rng(0).standard_normal((2, 3, 11, 10)).astype(np.float32)
    layer, torch_layer = make(nn), make(torch.nn)
    check_layer(layer, dg.tensor(x), tuple(torch_layer(torch.tensor(x)).shape), num_params=0)
    check_torch_parity(torch, layer, torch_layer, x, copy_weights=False)


def test_pool1d_layers_match_torch(torch):
    x = np.random.default_rng(1).standard_normal((2, 3, 13)).astype(np.float32)
    check_torch_parity(torch, nn.MaxPool1d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool1d(3, 2, 1, ceil_mode=True), x,
                       copy_weights=False)
    check_torch_parity(torch, nn.AvgPool1d(2), torch.nn.AvgPool1d(2), x, copy_weights=False)


def test_global_avg_pool2d_gives_n_by_c():
    x = dg.randn(4, 5, 6, 7)
    y = nn.GlobalAvgPool2d()(x)
    assert y.shape == (4, 5)
    np.testing.assert_allclose(y.numpy(), nn.AdaptiveAvgPool2d(1)(x).numpy().reshape(4, 5), rtol=1e-5, atol=1e-6)


def test_max_pool_repr():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"


@pytest.mark.parametrize("size, output_size", [((7, 9), (3, 4)), ((8, 8), 2), ((5, 6), (5, None)), ((10, 3), (4, 2)),
                                               ((6, 5), (7, 6)), ((1, 1), 1)])
def test_adaptive_max_pool_matches_torch_with_ties(torch, size, output_size):
    """Windows of uneven sizes, overlapping or repeated cells, and ties: the gradient goes to the first maximum."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, *size))
    x[0, 0, :2, :2] = 1.0
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = nn.AdaptiveMaxPool2d(output_size)(xd), torch.nn.AdaptiveMaxPool2d(output_size)(xt)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    g = rng.standard_normal(expected.shape)
    out.backward(dg.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())
    assert repr(nn.AdaptiveMaxPool2d(3)) == "AdaptiveMaxPool2d(output_size=3)"


def test_adaptive_max_pool_gradcheck_and_errors():
    x = dg.tensor(np.random.default_rng(2).standard_normal((1, 2, 5, 7)), requires_grad=True)
    dg.gradcheck(lambda a: F.adaptive_max_pool2d(a, (2, 3)), x)
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: expected input of shape \(N, C, H, W\)"):
        F.adaptive_max_pool2d(dg.ones(2, 5, 5), 2)


@pytest.mark.parametrize("args", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                  dict(kernel_size=(2, 3), stride=(1, 2), dilation=2, ceil_mode=True),
                                  dict(kernel_size=3, stride=2, ceil_mode=True)])
def test_max_pool2d_indices_and_unpool_match_torch(torch, args):
    """Indices (ties included: the first maximum), and MaxUnpool2d's output and gradient, as torch's."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 11)).astype(np.float32)
    x[0, 0, :3, :3] = 2.0  # a tie
    pool, tpool = nn.MaxPool2d(**args, return_indices=True), torch.nn.MaxPool2d(**args, return_indices=True)
    y, idx = pool(dg.tensor(x))
    ty, tidx = tpool(torch.tensor(x))
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    if "dilation" in args:  # MaxUnpool2d has no dilation: its size check rejects the input size here, as torch's
        return
    out, tout = dg.tensor(y.numpy(), requires_grad=True), torch.tensor(y.numpy(), requires_grad=True)
    stride = args.get("stride")
    unpool = nn.MaxUnpool2d(args["kernel_size"], stride, args.get("padding", 0))
    tunpool = torch.nn.MaxUnpool2d(args["kernel_size"], stride, args.get("padding", 0))
    u, tu = unpool(out, idx, output_size=x.shape[2:]), tunpool(tout, tidx, output_size=x.shape[2:])
    np.testing.assert_array_equal(u.numpy(), tu.detach().numpy())
    g = rng.standard_normal(tu.shape).astype(np.float32)
    u.backward(dg.tensor(g))
    tu.backward(torch.tensor(g))
    np.testing.assert_array_equal(out.grad.numpy(), tout.grad.numpy())


def test_max_pool_indices_functional_1d_and_unpool_gradcheck(torch):
    x = np.random.default_rng(3).standard_normal((2, 3, 13))
    y, idx = F.max_pool1d(dg.tensor(x), 3, 2, 1, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool1d(torch.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    u = nn.MaxUnpool1d(3, 2, 1)(y, idx, output_size=(13,))
    np.testing.assert_array_equal(u.numpy(), torch.nn.MaxUnpool1d(3, 2, 1)(ty, tidx, output_size=(13,)).numpy())
    # indices are computed only on request: the plain call gives one Tensor
    assert isinstance(F.max_pool2d(dg.tensor(x[:, :, None, :]), (1, 2)), dg.Tensor)
    y2, idx2 = F.max_pool2d(dg.tensor(x[:, :, :12].reshape(2, 3, 4, 3)), (2, 1), return_indices=True)
    dg.gradcheck(lambda a: F.max_unpool2d(a, idx2, (2, 1)), dg.tensor(y2.numpy(), requires_grad=True))
    with pytest.raises(ValueError, match="max_unpool2d: expected input"):
        F.max_unpool2d(y2, idx2[:, :1], (2, 1))
    with pytest.raises(IndexError, match="outside"):
        F.max_unpool2d(y2, idx2 + 100, (2, 1))


@pytest.mark.parametrize("make", [
    lambda m: m.AdaptiveAvgPool1d(4), lambda m: m.AdaptiveAvgPool1d(13), lambda m: m.AdaptiveMaxPool1d(5),
    lambda m: m.AdaptiveMaxPool1d(3), lambda m: m.LPPool1d(2, 3), lambda m: m.LPPool1d(1.5, 4, 2, ceil_mode=True),
])
def test_pool1d_extra_layers_match_torch(torch, make):
    x = np.random.default_rng(4).uniform(0.1, 2.0, (2, 3, 13)).astype(np.float32)
    layer, torch_layer = make(nn), make(torch.nn)
    check_layer(layer, dg.tensor(x), tuple(torch_layer(torch.tensor(x)).shape), num_params=0)
    check_torch_parity(torch, layer, torch_layer, x, copy_weights=False)


@pytest.mark.parametrize("make", [lambda m: m.LPPool2d(2, 2), lambda m: m.LPPool2d(3, (3, 2), stride=2, ceil_mode=True),
                                  lambda m: m.LPPool2d(1, 3, 1)])
def test_lp_pool2d_matches_torch(torch, make):
    x = np.random.default_rng(5).uniform(0.1, 2.0, (2, 3, 9, 8)).astype(np.float32)
    check_torch_parity(torch, make(nn), make(torch.nn), x, copy_weights=False)
    xd = dg.tensor(np.random.default_rng(6).uniform(0.5, 2.0, (1, 2, 5, 5)), requires_grad=True)
    dg.gradcheck(lambda a: make(nn)(a), xd)
    with pytest.raises(ValueError, match=r"LPPool2d: expected input of shape \(N, C, H, W\)"):
        make(nn)(dg.ones(2, 5, 5))
