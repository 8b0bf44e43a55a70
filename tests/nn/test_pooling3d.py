"""3-D pooling and resizing against PyTorch: MaxPool3d (padding, dilation, ceil_mode, ties), AvgPool3d
(count_include_pad, ceil_mode, divisor_override), adaptive pools, F.interpolate on volumes, gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

from .layercheck import check_layer, check_torch_parity


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool3d(2),
    lambda m: m.MaxPool3d(3, 2, padding=1),
    lambda m: m.MaxPool3d((2, 3, 2), (1, 2, 2), padding=(1, 1, 0), dilation=(2, 1, 2), ceil_mode=True),
    lambda m: m.MaxPool3d(3, 2, ceil_mode=True),
    lambda m: m.AvgPool3d(2),
    lambda m: m.AvgPool3d(3, 2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda m: m.AvgPool3d((3, 2, 3), (2, 1, 2), padding=(1, 1, 0), ceil_mode=True),
    lambda m: m.AvgPool3d((2, 3, 2), divisor_override=5),
    lambda m: m.AdaptiveAvgPool3d((3, 2, 4)),
    lambda m: m.AdaptiveAvgPool3d(1),
    lambda m: m.AdaptiveAvgPool3d((None, 3, 5)),
    lambda m: m.AdaptiveMaxPool3d((3, 4, 2)),
    lambda m: m.AdaptiveMaxPool3d(1),
])
def test_pool3d_layers_match_torch(torch, make):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 9, 8)).astype(np.float32)
    layer, torch_layer = make(nn), make(torch.nn)
    check_layer(layer, dg.tensor(x), tuple(torch_layer(torch.tensor(x)).shape), num_params=0)
    check_torch_parity(torch, layer, torch_layer, x, copy_weights=False)


def test_max_pool3d_ties_go_to_the_first_maximum(torch):
    x = np.zeros((1, 2, 4, 4, 4), np.float32)
    x[0, 0, 1, 0, 1] = x[0, 0, 0, 1, 1] = x[0, 0, 1, 1, 0] = 3.0  # three maxima in one 2×2×2 window
    x[0, 1] = np.round(np.random.default_rng(1).standard_normal((4, 4, 4)))  # many ties
    check_torch_parity(torch, nn.MaxPool3d(2), torch.nn.MaxPool3d(2), x, copy_weights=False)
    check_torch_parity(torch, nn.MaxPool3d(3, 1, 1), torch.nn.MaxPool3d(3, 1, 1), x, copy_weights=False)
    check_torch_parity(torch, nn.AdaptiveMaxPool3d(3), torch.nn.AdaptiveMaxPool3d(3), x, copy_weights=False)


@pytest.mark.parametrize("kwargs", [dict(scale_factor=2, mode="nearest"), dict(size=(5, 7, 3), mode="nearest"),
                                    dict(scale_factor=(2, 1.5, 3), mode="trilinear"),
                                    dict(size=(6, 2, 9), mode="trilinear", align_corners=True),
                                    dict(size=4, mode="trilinear", align_corners=False)])
def test_interpolate_volumes_matches_torch(torch, kwargs):
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5, 6)).astype(np.float32)
    check_torch_parity(torch, nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs), x, copy_weights=False)
    assert F.interpolate(dg.randn(1, 2, 4, 4), scale_factor=2).shape == (1, 2, 8, 8)  # images still work
    with pytest.raises(ValueError, match="trilinear"):
        F.interpolate(dg.randn(1, 2, 3, 3, 3), scale_factor=2, mode="bilinear")


def test_pool3d_float64_gradcheck_and_errors():
    x = dg.tensor(np.random.default_rng(3).standard_normal((1, 2, 4, 5, 3)), requires_grad=True)
    assert dg.gradcheck(lambda a: F.max_pool3d(a, 2, 1, padding=1, ceil_mode=True), x)
    assert dg.gradcheck(lambda a: F.avg_pool3d(a, (2, 3, 2), 2, padding=1, count_include_pad=False), x)
    assert dg.gradcheck(lambda a: F.adaptive_avg_pool3d(a, (3, 2, 2)), x)
    assert dg.gradcheck(lambda a: F.adaptive_max_pool3d(a, 2), x)
    assert dg.gradcheck(lambda a: F.interpolate(a, size=(5, 3, 4), mode="trilinear"), x)
    np.testing.assert_allclose(F.global_avg_pool3d(x).numpy(), x.numpy().mean(axis=(2, 3, 4)))
    with pytest.raises(ValueError, match=r"max_pool3d: expected input of shape \(N, C, D, H, W\)"):
        F.max_pool3d(dg.randn(2, 3, 4, 4), 2)
    with pytest.raises(NotImplementedError, match="return_indices"):
        nn.MaxPool3d(2, return_indices=True)
    assert repr(nn.MaxPool3d(2)) == "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
