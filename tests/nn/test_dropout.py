"""Dropout: training-mode masking and scaling, eval identity, reproducibility, channel-wise variants."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

from .layercheck import check_layer


def test_dropout_masks_scales_and_backpropagates_through_the_mask():
    layer = nn.Dropout(0.25)
    x = dg.ones(200, 100, requires_grad=True)
    y = layer(x)
    values = np.unique(y.numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.75], rtol=1e-6)
    dropped = float((y.numpy() == 0).mean())
    assert abs(dropped - 0.25) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())  # gradient = mask / (1 - p)


def test_dropout_eval_is_identity_and_p_zero_one():
    layer = nn.Dropout(0.5).eval()
    x = dg.randn(4, 4)
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).numpy() == 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_is_reproducible_under_manual_seed():
    x = dg.ones(10, 10)
    dg.manual_seed(5)
    a = nn.Dropout()(x).numpy()
    dg.manual_seed(5)
    np.testing.assert_array_equal(nn.Dropout()(x).numpy(), a)
    assert not np.array_equal(nn.Dropout()(x).numpy(), a)


@pytest.mark.parametrize("cls,shape", [(nn.Dropout2d, (8, 16, 5, 5)), (nn.Dropout1d, (8, 16, 7))])
def test_channel_dropout_drops_whole_maps(cls, shape):
    y = cls(0.5)(dg.ones(*shape)).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))  # each map all kept or all dropped
    assert 0.3 < float((per_channel[..., 0] == 0).mean()) < 0.7
    with pytest.raises(ValueError, match="input"):
        cls(0.5)(dg.ones(2))
    check_layer(cls(0.5), dg.ones(*shape), shape, 0)


def test_alpha_dropout_keeps_mean_and_variance():
    x = dg.randn(400, 500)
    y = nn.AlphaDropout(0.2)(x).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert repr(nn.Dropout(0.3)) == "Dropout(p=0.3, inplace=False)"
