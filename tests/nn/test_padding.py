"""F.pad and the padding layers: PyTorch's argument order and all four modes, values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.nn import functional as F

CASES = [("constant", (1, 2), (2, 3, 6)), ("constant", (2, 0, 1, 3), (2, 3, 5, 6)),
         ("constant", (-1, 2, 1, -2), (2, 3, 5, 6)), ("reflect", (2, 1), (2, 3, 6)),
         ("reflect", (0, 1, 2, 2), (2, 3, 5, 6)), ("replicate", (3, 3, 1, 1), (2, 3, 5, 6)),
         ("replicate", (2, 0), (2, 3, 6)), ("circular", (1, 2, 3, 0), (2, 3, 5, 6)), ("circular", (6, 6), (1, 2, 6))]


@pytest.mark.parametrize("mode, pad, shape", CASES)
def test_pad_matches_torch(torch, mode, pad, shape):
    data = np.random.default_rng(0).standard_normal(shape)
    x, t = dg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y = F.pad(x, pad, mode=mode, value=0.5)
    expected = torch.nn.functional.pad(t, pad, mode=mode, value=0.5 if mode == "constant" else None)
    np.testing.assert_array_equal(y.numpy(), expected.detach().numpy())
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(dg.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode, pad, shape", CASES)
def test_pad_gradcheck(mode, pad, shape):
    x = dg.tensor(np.random.default_rng(0).standard_normal((1, 1) + shape[2:]), requires_grad=True)
    dg.gradcheck(lambda a: F.pad(a, pad, mode=mode, value=0.5), x)


LAYERS = {  # the same constructor call on deepglass.nn and torch.nn
    "zero2d": lambda m: m.ZeroPad2d(2), "zero1d": lambda m: m.ZeroPad1d(1),
    "constant1d": lambda m: m.ConstantPad1d((1, 3), 1.5), "constant2d": lambda m: m.ConstantPad2d(1, -2.0),
    "reflection1d": lambda m: m.ReflectionPad1d(2), "reflection2d": lambda m: m.ReflectionPad2d((1, 0, 2, 1)),
    "replication1d": lambda m: m.ReplicationPad1d((0, 2)), "replication2d": lambda m: m.ReplicationPad2d(3),
    "circular1d": lambda m: m.CircularPad1d((2, 1)), "circular2d": lambda m: m.CircularPad2d(1),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_padding_layers_match_torch(torch, name):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6) if name.endswith("2d") else (2, 3, 6))
    ours, theirs = LAYERS[name](nn), LAYERS[name](torch.nn)
    np.testing.assert_array_equal(ours(dg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())


def test_bad_padding_is_a_clear_error():
    x = dg.ones(1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"reflect padding of \(3, 0\) on an axis of size 3.*each side must be 0-2"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match=r"pad: \(1, 2, 3\) must hold a \(before, after\) pair"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="mode must be one of constant, reflect, replicate, circular"):
        F.pad(x, (1, 1), mode="wrap")
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or 4 ints"):
        nn.ZeroPad2d((1, 2))
    assert repr(nn.ConstantPad2d(1, 0.5)) == "ConstantPad2d((1, 1, 1, 1), value=0.5)"
