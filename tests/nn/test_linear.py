"""Linear: shapes, PyTorch parity (values and gradients), default init, gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn

from .layercheck import check_layer, check_torch_parity


def test_linear_layer_contract():
    check_layer(nn.Linear(5, 3), dg.randn(4, 5), (4, 3), 5 * 3 + 3)
    check_layer(nn.Linear(5, 3, bias=False), dg.randn(2, 6, 5), (2, 6, 3), 15)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(7, 12), (3, 4, 12), (12,)])
def test_linear_matches_torch(torch, bias, shape):
    tl = torch.nn.Linear(12, 6, bias=bias)
    check_torch_parity(torch, nn.Linear(12, 6, bias=bias), tl, np.random.randn(*shape).astype(np.float32))


def test_linear_gradcheck_float64():
    x = dg.randn(3, 4, dtype=dg.float64, requires_grad=True)
    w = dg.randn(2, 4, dtype=dg.float64, requires_grad=True)
    b = dg.randn(2, dtype=dg.float64, requires_grad=True)
    dg.gradcheck(nn.functional.linear, x, w, b)
    dg.gradcheck(lambda x, w: nn.functional.linear(x, w), dg.randn(2, 3, 4, dtype=dg.float64, requires_grad=True), w)


def test_linear_default_init_matches_pytorch_bounds():
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-a, a) has std a / sqrt(3)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound


def test_linear_is_reproducible_under_manual_seed():
    dg.manual_seed(3)
    a = nn.Linear(4, 4).weight.numpy().copy()
    dg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.numpy(), a)


def test_linear_shape_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 3\).*weight of shape \(4, 5\)"):
        nn.Linear(5, 4)(dg.randn(2, 3))


def test_linear_repr():
    assert repr(nn.Linear(784, 10, bias=False)) == "Linear(in_features=784, out_features=10, bias=False)"
