"""Tensor.register_hook and retain_grad: gradients seen, replaced and kept during backward, as in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg


def test_a_hook_sees_and_can_replace_the_gradient(torch):
    seen = []
    x = dg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * x
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    h.register_hook(lambda g: g * 10)  # hooks run in order; the replacement flows on
    h.retain_grad()
    (h * dg.tensor([1.0, 2.0, 3.0])).sum().backward()
    xt = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    ht = xt * xt
    ht.register_hook(lambda g: g * 10)
    ht.retain_grad()
    (ht * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert seen[0].tolist() == [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())  # 2x · 10 · w
    np.testing.assert_array_equal(h.grad.numpy(), ht.grad.numpy())


def test_leaf_hooks_run_before_accumulation_and_remove():
    w = dg.tensor([1.0, 1.0], requires_grad=True)
    handle = w.register_hook(lambda g: g.clamp(-0.5, 0.5))  # gradient clipping by hook
    (w * 3).sum().backward()
    assert w.grad.tolist() == [0.5, 0.5]
    handle.remove()
    w.grad = None
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_hook_errors():
    with pytest.raises(RuntimeError, match="register_hook on a tensor that does not require grad"):
        dg.ones(2).register_hook(print)
    x = dg.ones(2, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: dg.ones(3))
    with pytest.raises(RuntimeError, match=r"a gradient hook returned shape \(3,\) for a gradient of shape \(2,\)"):
        y.sum().backward()
