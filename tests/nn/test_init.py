"""Initializers: distributions (bounds, std), gains, fans, in-place on any tensor, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import init


def _param(*shape):
    return nn.Parameter(dg.zeros(*shape))


def test_calculate_gain_matches_pytorch(torch):
    for name in ["linear", "conv2d", "sigmoid", "tanh", "relu", "selu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.2))
    with pytest.raises(ValueError, match="unsupported"):
        init.calculate_gain("swishy")


def test_uniform_normal_constant_in_place():
    p = _param(300, 200)
    assert init.uniform_(p, -2, 3) is p and p.requires_grad
    values = p.numpy()
    assert values.min() >= -2 and values.max() <= 3 and abs(values.mean() - 0.5) < 0.05
    init.normal_(p, 1.0, 0.5)
    assert abs(p.numpy().mean() - 1.0) < 0.01 and abs(p.numpy().std() - 0.5) < 0.01
    init.constant_(p, 0.25)
    assert np.all(p.numpy() == 0.25) and p.dtype == np.float32
    init.zeros_(p)
    assert not p.numpy().any()
    init.ones_(p)
    assert np.all(p.numpy() == 1)
    init.trunc_normal_(p, std=1.0, a=-1.0, b=1.0)
    assert np.abs(p.numpy()).max() <= 1.0
    e = _param(3, 3)
    np.testing.assert_array_equal(init.eye_(e).numpy(), np.eye(3))


@pytest.mark.parametrize("shape", [(256, 128), (64, 32, 3, 3)])
def test_xavier_and_kaiming_statistics(shape):
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    p = _param(*shape)
    bound = math.sqrt(6 / (fan_in + fan_out))
    init.xavier_uniform_(p)
    assert np.abs(p.numpy()).max() <= bound and abs(p.numpy().std() - bound / math.sqrt(3)) < 0.03 * bound
    init.glorot_normal_(p, gain=2.0)
    assert abs(p.numpy().std() - 2 * math.sqrt(2 / (fan_in + fan_out))) / p.numpy().std() < 0.03
    init.kaiming_uniform_(p, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / fan_in)
    assert np.abs(p.numpy()).max() <= bound and abs(p.numpy().std() - bound / math.sqrt(3)) < 0.03 * bound
    init.he_normal_(p, mode="fan_out", nonlinearity="relu")
    assert abs(p.numpy().std() - math.sqrt(2 / fan_out)) / math.sqrt(2 / fan_out) < 0.03
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_normal_(p, mode="fan_both")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(_param(5))


@pytest.mark.parametrize("shape", [(6, 10), (10, 6), (4, 2, 3)])
def test_orthogonal(shape):
    p = init.orthogonal_(_param(*shape), gain=1.5)
    flat = p.numpy().reshape(shape[0], -1).astype(np.float64) / 1.5
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)


def test_init_is_reproducible_and_uses_the_deepglass_generator():
    dg.manual_seed(11)
    a = init.normal_(_param(5, 5)).numpy().copy()
    dg.manual_seed(11)
    np.testing.assert_array_equal(init.normal_(_param(5, 5)).numpy(), a)


def test_init_works_on_float64_and_inside_graph_mode():
    p = nn.Parameter(dg.zeros(4, 4, dtype=dg.float64))
    init.kaiming_normal_(p)  # no no_grad() needed: initializers never record a graph
    assert p.dtype == np.float64 and p.numpy().std() > 0


@pytest.mark.parametrize("fill", ["uniform_", "normal_"])
def test_large_tensors_are_filled_in_chunks_with_the_values_of_one_draw(fill):
    """Chunked filling (no float64 copy of a big layer) gives exactly the values of a single draw."""
    from deepglass.nn import init
    from deepglass.random import default_generator

    shape = (init.CHUNK // 1000 + 7, 1000)  # just over one chunk, not a multiple of it
    big = dg.zeros(*shape)
    dg.manual_seed(5)
    getattr(init, fill)(big, 0.25, 2.0)
    dg.manual_seed(5)
    rng = default_generator()
    expected = (rng.uniform if fill == "uniform_" else rng.normal)(0.25, 2.0, size=shape).astype(np.float32)
    np.testing.assert_array_equal(big.numpy(), expected)
