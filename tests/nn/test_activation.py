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
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_activation_matches_torch(torch, name, kwargs):
    x = (np.random.default_rng(0).normal(size=(4, 6, 5)) * 4).astype(np.float32)
    x[0, 0, :3] = [-30.0, 30.0, -9.0]  # far tails
    # tanh-GELU's derivative has 1 - tanh² in float32, which both libraries round to ~1e-6 absolute in the tails
    atol = 1e-5 if kwargs.get("approximate") == "tanh" else 1e-6
    check_torch_parity(torch, getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs), x, atol=atol)
    assert check_layer(getattr(nn, name)(**kwargs), dg.tensor(x), x.shape, 0).dtype == np.float32


@pytest.mark.parametrize("num", [1, 6])
def test_prelu_matches_torch(torch, num):
    theirs = torch.nn.PReLU(num, init=0.3)
    check_torch_parity(torch, nn.PReLU(num, init=0.3), theirs, np.random.randn(3, 6, 4).astype(np.float32))
    check_layer(nn.PReLU(num), dg.randn(3, 6, 4), (3, 6, 4), num)


@pytest.mark.parametrize("fn", [
    lambda x: F.leaky_relu(x, 0.1), lambda x: F.elu(x, 1.3), F.gelu, lambda x: F.gelu(x, "tanh"), F.silu,
    lambda x: F.softplus(x, 1.5, 2.0), lambda x: F.softmax(x, 0), lambda x: F.log_softmax(x, 1), F.hardsigmoid,
    F.hardswish, F.mish, F.logsigmoid, F.softsign,
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
