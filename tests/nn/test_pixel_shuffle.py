"""PixelShuffle, PixelUnshuffle, ChannelShuffle against torch."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

from .layercheck import check_layer, check_torch_parity


@pytest.mark.parametrize("make, shape", [
    (lambda m: m.PixelShuffle(2), (2, 8, 3, 5)),
    (lambda m: m.PixelShuffle(3), (2, 9, 2, 2)),
    (lambda m: m.PixelShuffle(2), (2, 3, 4, 2, 3)),  # extra batch dimensions
    (lambda m: m.PixelUnshuffle(2), (2, 3, 4, 6)),
    (lambda m: m.PixelUnshuffle(3), (1, 2, 6, 3)),
    (lambda m: m.ChannelShuffle(2), (2, 6, 3, 4)),
    (lambda m: m.ChannelShuffle(3), (2, 6, 5)),
])
def test_shuffles_match_torch(torch, make, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    layer, torch_layer = make(nn), make(torch.nn)
    check_layer(layer, dg.tensor(x), tuple(torch_layer(torch.tensor(x)).shape), num_params=0)
    check_torch_parity(torch, layer, torch_layer, x, copy_weights=False, rtol=0, atol=0)
    assert repr(layer) == repr(torch_layer)


def test_shuffle_functions_invert_and_check_shapes(torch):
    x = dg.tensor(np.random.default_rng(1).standard_normal((2, 8, 3, 4)), requires_grad=True)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())
    np.testing.assert_array_equal(F.channel_shuffle(x, 4).numpy(),
                                  torch.nn.functional.channel_shuffle(torch.tensor(x.numpy()), 4).numpy())
    dg.gradcheck(lambda a: F.pixel_shuffle(a, 2) * F.pixel_shuffle(a, 2), x)
    with pytest.raises(ValueError, match=r"pixel_shuffle: expected input .* divisible by upscale_factor²=9"):
        F.pixel_shuffle(x, 3)
    with pytest.raises(ValueError, match="pixel_unshuffle: .*divisible by downscale_factor=2"):
        F.pixel_unshuffle(x, 2)
    with pytest.raises(ValueError, match="channel_shuffle: .*groups=3"):
        F.channel_shuffle(x, 3)
