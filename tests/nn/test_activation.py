"""Activation layers against PyTorch (values, input gradients, PReLU's weight gradient) and gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

from .layercheck import check_layer, check_torch_parity

CASES = [
    ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {"alpha": 0.7}), ("GELU", {}),
    ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Sigmoid", {}), ("Tanh", {}), ("Softmax", {"dim": 1}),
    ("LogSoftmax", {"dim": -1}), ("Softplus", {}), ("Softplus", {"beta": 2.0, "threshold": 3.0}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("ReLU6", {}), ("Hardsigmoid", {}), ("Hardswish", {}),
    ("Mish", {}), ("LogSigmoid", {}), ("Softsign", {}),
    ("SELU", {}), ("CELU", {}), ("CELU", {"alpha": 0.6}), ("Softmin", {"dim": 1}), ("Softmin", {"dim": -1}),
    ("Softmax2d", {}), ("Softshrink", {}), ("Softshrink", {"lambd": 1.5}), ("Hardshrink", {}),
    ("Hardshrink", {"lambd": 2.0}), ("Tanhshrink", {}), ("Threshold", {"threshold": 0.3, "value": -2.0}),
    ("GLU", {"dim": 1}), ("GLU", {"dim": 0}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_activation_matches_torch(torch, name, kwargs):
    x = (np.random.default_rng(0).normal(size=(4, 6, 5)) * 4).astype(np.float32)
    x[0, 0, :3] = [-30.0, 30.0, -9.0]  # far tails
    # tanh-GELU's derivative has 1 - tanh² in float32, which both libraries round to ~1e-6 absolute in the tails
    atol = 1e-5 if kwargs.get("approximate") == "tanh" else 1e-6
    check_torch_parity(torch, getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs), x, atol=atol)
    out_shape = tuple(getattr(torch.nn, name)(**kwargs)(torch.tensor(x)).shape)  # GLU halves an axis
    assert check_layer(getattr(nn, name)(**kwargs), dg.tensor(x), out_shape, 0).dtype == np.float32


@pytest.mark.parametrize("num", [1, 6])
def test_prelu_matches_torch(torch, num):
    theirs = torch.nn.PReLU(num, init=0.3)
    check_torch_parity(torch, nn.PReLU(num, init=0.3), theirs, np.random.randn(3, 6, 4).astype(np.float32))
    check_layer(nn.PReLU(num), dg.randn(3, 6, 4), (3, 6, 4), num)


@pytest.mark.parametrize("fn", [
    lambda x: F.leaky_relu(x, 0.1), lambda x: F.elu(x, 1.3), F.gelu, lambda x: F.gelu(x, "tanh"), F.silu,
    lambda x: F.softplus(x, 1.5, 2.0), lambda x: F.softmax(x, 0), lambda x: F.log_softmax(x, 1), F.hardsigmoid,
    F.hardswish, F.mish, F.logsigmoid, F.softsign,
    F.selu, lambda x: F.celu(x, 0.7), lambda x: F.softmin(x, 1), lambda x: F.softshrink(x, 0.3), F.hardshrink,
    F.tanhshrink, lambda x: F.threshold(x, 0.2, 5.0), F.glu, lambda x: F.glu(x.reshape(6, 2), 0), F.rrelu,
    lambda x: (dg.manual_seed(3), F.rrelu(x, 0.1, 0.4, training=True))[1],  # the same slopes on every call
])
def test_activation_gradcheck_float64(fn):
    x = dg.tensor(np.random.default_rng(1).normal(size=(3, 4)) * 2 + 0.05, requires_grad=True)
    dg.gradcheck(fn, x)


def test_gelu_negative_tail_is_accurate():
    x = np.linspace(-9, -3, 13)
    exact = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x])  # PyTorch's 1 + erf(x) rounds to 0 here
    np.testing.assert_allclose(F.gelu(dg.tensor(x)).numpy(), exact, rtol=1e-6)


def test_activation_reprs():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.ReLU()) == "ReLU()"
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(dg.zeros(1), "fast")


def test_selu_celu_are_finite_for_huge_inputs(torch):
    x = np.array([-1e4, -80.0, 0.0, 80.0, 1e4, 3e38], np.float32)
    for ours, theirs in ((nn.SELU(), torch.nn.SELU()), (nn.CELU(0.5), torch.nn.CELU(0.5))):
        xd = dg.tensor(x, requires_grad=True)
        with np.errstate(over="raise", invalid="raise"):
            y = ours(xd)
            y.sum().backward()
        xt = torch.tensor(x, requires_grad=True)
        theirs(xt).sum().backward()
        np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-6)
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


def test_rrelu_eval_matches_torch_and_uses_the_mean_slope(torch):
    x = (np.random.default_rng(2).normal(size=(3, 4, 5)) * 3).astype(np.float32)
    for kwargs in ({}, {"lower": 0.05, "upper": 0.6}):
        ours, theirs = nn.RReLU(**kwargs).eval(), torch.nn.RReLU(**kwargs).eval()
        check_torch_parity(torch, ours, theirs, x)
    np.testing.assert_allclose(F.rrelu(dg.tensor([-2.0, 3.0])).numpy(), [-2.0 * (1 / 8 + 1 / 3) / 2, 3.0])


def test_rrelu_training_draws_uniform_slopes_reproducibly():
    lower, upper = 0.1, 0.3
    x = dg.tensor(np.concatenate([-np.linspace(0.5, 5, 20000), np.linspace(0.5, 5, 100)]), requires_grad=True)
    layer = nn.RReLU(lower, upper)
    dg.manual_seed(7)
    y = layer(x)
    y.backward(dg.ones_like(y))
    slopes = (y.numpy() / x.numpy())[:20000]
    assert slopes.min() >= lower and slopes.max() <= upper
    assert abs(slopes.mean() - (lower + upper) / 2) < 3e-3  # U(a, b): mean (a+b)/2, std (b-a)/√12
    assert abs(slopes.std() - (upper - lower) / math.sqrt(12)) < 3e-3
    assert len(np.unique(slopes)) > 19000  # one slope per element
    np.testing.assert_array_equal(y.numpy()[20000:], x.numpy()[20000:])
    np.testing.assert_allclose(x.grad.numpy()[:20000], slopes)
    np.testing.assert_array_equal(x.grad.numpy()[20000:], 1.0)
    dg.manual_seed(7)
    np.testing.assert_array_equal(layer(x).numpy(), y.numpy())  # manual_seed repeats the draw
    assert not np.array_equal(layer(x).numpy(), y.numpy())
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy()[:20000], x.numpy()[:20000] * 0.2)


def test_new_activation_errors_and_reprs():
    with pytest.raises(ValueError, match=r"glu: halving dimension must be even.*\(2, 5\)"):
        F.glu(dg.zeros(2, 5))
    with pytest.raises(ValueError, match=r"Softmax2d: expected a 3-D or 4-D input, got shape \(2, 5\)"):
        nn.Softmax2d()(dg.zeros(2, 5))
    with pytest.raises(ValueError, match="celu: alpha"):
        F.celu(dg.zeros(2), 0.0)
    with pytest.raises(ValueError, match="softshrink: lambd"):
        F.softshrink(dg.zeros(2), -1.0)
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"
    assert repr(nn.Softshrink()) == "Softshrink(0.5)" and repr(nn.GLU()) == "GLU(dim=-1)"
    assert F.selu(dg.zeros(2), inplace=True).shape == (2,) and nn.CELU(inplace=True).inplace
