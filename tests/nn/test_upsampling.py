"""Upsample layers (nearest, bilinear with and without align_corners) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

from .layercheck import check_layer, check_torch_parity


@pytest.mark.parametrize("kwargs", [dict(scale_factor=2), dict(size=(9, 7)), dict(scale_factor=2, mode="bilinear"),
                                    dict(scale_factor=(2, 3), mode="bilinear", align_corners=True),
                                    dict(size=5, mode="bilinear")])
def test_upsample_matches_torch(torch, kwargs):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 6)).astype(np.float32)
    layer, torch_layer = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    check_layer(layer, dg.tensor(x), tuple(torch_layer(torch.tensor(x)).shape), num_params=0)
    check_torch_parity(torch, layer, torch_layer, x, copy_weights=False)


def test_fixed_mode_spellings_match_torch(torch):
    x = np.random.default_rng(1).standard_normal((1, 2, 3, 5)).astype(np.float32)
    check_torch_parity(torch, nn.UpsamplingNearest2d(scale_factor=2), torch.nn.UpsamplingNearest2d(scale_factor=2), x,
                       copy_weights=False)
    check_torch_parity(torch, nn.UpsamplingBilinear2d(size=(7, 8)), torch.nn.UpsamplingBilinear2d(size=(7, 8)), x,
                       copy_weights=False)


def test_nearest_upsample_repeats_pixels():
    x = dg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    expected = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], dtype=np.float32)
    np.testing.assert_array_equal(nn.Upsample(scale_factor=2)(x).numpy()[0, 0], expected)
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2, mode='nearest')"
