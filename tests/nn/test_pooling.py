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


def test_max_pool_repr_and_unsupported_indices():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    with pytest.raises(NotImplementedError, match="return_indices"):
        nn.MaxPool2d(2, return_indices=True)


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
