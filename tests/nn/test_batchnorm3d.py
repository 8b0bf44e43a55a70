"""BatchNorm3d against PyTorch: training statistics, running buffers, eval mode, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

from .layercheck import check_layer, check_torch_parity


@pytest.mark.parametrize("kwargs", [dict(), dict(momentum=None), dict(affine=False), dict(eps=1e-3, momentum=0.3)])
def test_batchnorm3d_matches_torch(torch, kwargs):
    x = (3 * np.random.default_rng(0).standard_normal((4, 3, 5, 4, 6)) + 1).astype(np.float32)
    layer, torch_layer = nn.BatchNorm3d(3, **kwargs), torch.nn.BatchNorm3d(3, **kwargs)
    # training: batch statistics, running buffers updated; weight gradients (~50) are sums of 480 terms: atol 1e-4
    check_torch_parity(torch, layer, torch_layer, x, atol=1e-4)
    layer.eval()
    torch_layer.eval()
    check_torch_parity(torch, layer, torch_layer, x[:2], atol=1e-4, copy_weights=False)
    check_layer(nn.BatchNorm3d(3, **kwargs), dg.tensor(x), x.shape, num_params=6 if kwargs.get("affine", True) else 0)


def test_batchnorm3d_rejects_other_ranks():
    with pytest.raises(ValueError, match="BatchNorm3d: expected a 5-D input"):
        nn.BatchNorm3d(3)(dg.randn(2, 3, 4, 4))
    assert repr(nn.BatchNorm3d(4)) == "BatchNorm3d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
