"""Lazy layers: parameters shaped by the first input, optimizer references kept, state-dict loading."""

from __future__ import annotations

import math

import numpy as np

import deepglass as dg
from deepglass import nn


def test_lazy_linear_infers_in_features_and_becomes_linear():
    layer = nn.LazyLinear(8)
    placeholders = list(layer.parameters())
    assert layer.has_uninitialized_params() and placeholders[0].numel() == 0
    assert "UninitializedParameter" in repr(placeholders[0])
    y = layer(dg.randn(5, 20))
    assert tuple(y.shape) == (5, 8) and type(layer) is nn.Linear and layer.in_features == 20
    assert list(layer.parameters())[0] is placeholders[0]  # the same objects: an optimizer keeps working
    assert type(placeholders[0]) is nn.Parameter and tuple(placeholders[0].shape) == (8, 20)
    assert np.abs(layer.weight.numpy()).max() <= 1 / math.sqrt(20)  # PyTorch's default init
    assert repr(layer) == "Linear(in_features=20, out_features=8, bias=True)"
    y.sum().backward()
    assert layer.weight.grad is not None


def test_lazy_in_sequential_and_no_bias():
    model = nn.Sequential(nn.LazyLinear(16), nn.ReLU(), nn.LazyLinear(3, bias=False))
    assert tuple(model(dg.randn(2, 7)).shape) == (2, 3)
    assert [tuple(p.shape) for p in model.parameters()] == [(16, 7), (16,), (3, 16)]


def test_lazy_linear_loads_a_state_dict_before_its_first_call():
    source = nn.Linear(6, 4)
    layer = nn.LazyLinear(4)
    layer.load_state_dict(source.state_dict())
    assert not layer.has_uninitialized_params()
    x = dg.randn(3, 6)
    np.testing.assert_array_equal(layer(x).numpy(), source(x).numpy())
    assert type(layer) is nn.Linear and layer.in_features == 6
