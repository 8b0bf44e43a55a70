"""Linear: shapes, PyTorch parity (values and gradients), default init, gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

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


@pytest.mark.parametrize("in1, in2, out, bias, batch", [(3, 4, 5, True, (6,)), (2, 2, 1, False, (4,)),
                                                         (3, 5, 2, True, (2, 3))])
def test_bilinear_matches_torch(torch, in1, in2, out, bias, batch):
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal((*batch, in1)).astype(np.float32)
    x2 = rng.standard_normal((*batch, in2)).astype(np.float32)
    layer, torch_layer = nn.Bilinear(in1, in2, out, bias=bias), torch.nn.Bilinear(in1, in2, out, bias=bias)
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})
    a, b = dg.tensor(x1, requires_grad=True), dg.tensor(x2, requires_grad=True)
    ta, tb = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    y, ty = layer(a, b), torch_layer(ta, tb)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    for mine, theirs in [(a.grad, ta.grad), (b.grad, tb.grad), (layer.weight.grad, torch_layer.weight.grad)] + (
            [(layer.bias.grad, torch_layer.bias.grad)] if bias else []):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    assert repr(layer) == repr(torch_layer)


def test_bilinear_init_gradcheck_and_errors():
    layer = nn.Bilinear(16, 3, 200)
    bound = 1 / np.sqrt(16)
    w = layer.weight.numpy()
    assert w.shape == (200, 16, 3) and np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound and np.abs(layer.bias.numpy()).max() <= bound
    rng = np.random.default_rng(2)
    x1 = dg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    x2 = dg.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    w = dg.tensor(rng.standard_normal((5, 3, 2)), requires_grad=True)
    b = dg.tensor(rng.standard_normal(5), requires_grad=True)
    dg.gradcheck(F.bilinear, x1, x2, w, b)
    with pytest.raises(ValueError, match=r"Bilinear\(16, 3, 200\): got inputs of shapes \(4, 3\) and \(4, 2\)"):
        layer(x1, x2)
    with pytest.raises(ValueError, match="bilinear: .*leading"):
        F.bilinear(x1[:2], x2, w)
