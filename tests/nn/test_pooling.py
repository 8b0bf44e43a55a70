"""Pooling layers: shapes, no parameters, PyTorch parity through the module API."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

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
