"""The backward engine: deep chains, shared subexpressions, retain_graph, freeing, accumulation, errors."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import deepglass as dg


def test_ten_thousand_op_chain_needs_no_recursion():
    x = dg.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 10_000, rtol=1e-9)


def test_deep_chain_of_mixed_ops():
    x = dg.tensor([0.5, -0.3], dtype="float64", requires_grad=True)
    y = x
    for _ in range(3_000):
        y = (y.tanh() + y) * 0.5
    y.sum().backward()
    # the same chain by hand: dy/dx = prod of (1 - tanh^2 + 1) / 2
    v, g = np.array([0.5, -0.3]), np.ones(2)
    for _ in range(3_000):
        g = g * (2 - np.tanh(v) ** 2) / 2
        v = (np.tanh(v) + v) / 2
    np.testing.assert_allclose(x.grad.numpy(), g, rtol=1e-9)


def test_wide_graph_with_shared_subexpressions():
    x = dg.tensor([1.5, -2.0], dtype="float64", requires_grad=True)
    h = x * x  # used by every branch below
    total = h
    for k in range(1, 200):
        total = total + h * float(k) + x
    total.sum().backward()
    # total = h * (1 + sum k) + 199 x  ->  d/dx = 2x (1 + 19900) + 199
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * 19901 + 199)


def _diamond(m, x):
    a = x.exp()
    b = a * x
    c = a + b
    return (c * a).sum() + (b * b).sum() + x.sum()


DIAMOND_INPUT = np.array([0.3, -0.7, 1.1])


def test_diamond_graph_passes_gradcheck():
    dg.gradcheck(lambda t: _diamond(dg, t), dg.tensor(DIAMOND_INPUT, requires_grad=True))


def test_diamond_graph_matches_torch(torch):
    x = dg.tensor(DIAMOND_INPUT, requires_grad=True)
    _diamond(dg, x).backward()
    t = torch.tensor(DIAMOND_INPUT, requires_grad=True)
    _diamond(torch, t).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_same_tensor_twice_in_one_op():
    x = dg.tensor([3.0], requires_grad=True)
    (x * x).backward()
    assert x.grad.tolist() == [6.0]
    y = dg.tensor([2.0], requires_grad=True)
    (y + y + y).backward()
    assert y.grad.tolist() == [3.0]


def test_grad_accumulates_across_backward_calls():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3 + 2, 3 + 4]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_second_backward_without_retain_graph_raises_a_clear_error():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_graph_and_intermediates_are_freed_after_backward():
    x = dg.tensor(np.ones(10), requires_grad=True)
    h = x.exp()
    fn = h.grad_fn
    saved = weakref.ref(fn.y)  # the array Exp saved for backward
    y = (h * 2).sum()
    del h
    y.backward()
    assert fn.inputs is None and not hasattr(fn, "y")
    gc.collect()
    assert saved() is None


def test_backward_releases_nodes_it_no_longer_needs():
    """Intermediate gradients are dropped once consumed: only leaves end with .grad."""
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    (h * h).sum().backward()
    assert h.grad is None and x.grad is not None


def test_retain_grad_keeps_an_intermediate_gradient():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    h = (x * 2).retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [4.0, 8.0]
    assert x.grad.tolist() == [8.0, 16.0]


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"non-scalar tensor of shape \(2,\) needs a gradient argument"):
        y.backward()
    y.backward(dg.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]


def test_backward_gradient_of_the_wrong_shape():
    y = dg.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\) but the tensor has shape \(2,\)"):
        y.backward(np.ones(3))


def test_backward_without_any_grad_input_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (dg.ones(2) * 2).sum().backward()


def test_backward_on_a_leaf():
    x = dg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_int_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="only float tensors can require gradients.*int64"):
        dg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        dg.arange(3).requires_grad_()


def test_leaf_gradients_never_share_memory():
    """In-place edits of one .grad (an optimizer, clipping) must not change another."""
    a = dg.ones(2, 3, requires_grad=True)
    b = dg.ones(6, requires_grad=True)
    c = dg.ones(2, 3, requires_grad=True)
    y = a + b.reshape(2, 3) + c
    y.backward(np.ones((2, 3)))
    grads = [a.grad.data, b.grad.data, c.grad.data]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.shares_memory(grads[i], grads[j])
    a.grad.data *= 10
    assert b.grad.tolist() == [1.0] * 6 and c.grad.tolist() == [[1.0] * 3] * 2


def test_leaf_gradient_does_not_alias_the_gradient_argument():
    x = dg.ones(3, requires_grad=True)
    g = np.ones(3, dtype=np.float32)
    x.backward(g)
    x.grad.data[0] = 5
    assert g[0] == 1


def test_gradient_dtype_follows_the_leaf():
    x = dg.tensor([1.0, 2.0], requires_grad=True)  # float32
    y = (x.double() * 3).sum()
    y.backward()
    assert x.grad.dtype == np.float32


def test_detach_cuts_the_graph():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and np.shares_memory(d.data, y.data)
    (y + d).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_inplace_update_of_a_grad_tensor_is_refused_outside_no_grad():
    w = dg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="zero_ on a tensor that requires grad.*no_grad"):
        w.zero_()
    with dg.no_grad():
        w.add_(dg.ones(2), alpha=-0.5)
        w.mul_(2)
    assert w.tolist() == [1.0, 1.0]


def test_a_backward_returning_one_array_for_two_inputs_does_not_alias_leaves():
    from deepglass.autograd import Function

    class AddTwice(Function):
        def forward(self, a, b):
            return 2 * (a + b)

        def backward(self, gy):
            g = 2 * gy  # one fresh array handed to both inputs
            return g, g

    a, b = dg.ones(3, requires_grad=True), dg.ones(3, requires_grad=True)
    AddTwice.apply(a, b).sum().backward()
    assert a.grad.tolist() == b.grad.tolist() == [2.0, 2.0, 2.0]
    assert not np.shares_memory(a.grad.data, b.grad.data)


def test_creation_order_is_a_valid_backward_order_for_interleaved_graphs():
    """Branches built in an interleaved order still see complete gradients (checked by gradcheck)."""
    def f(x):
        a = x * 2
        b = x.exp()
        c = a * b
        d = b.sin() + a
        e = (c * d).tanh() + c
        return (e * a).sum() + d.sum()

    dg.gradcheck(f, dg.tensor([0.3, -0.2, 0.5], dtype="float64", requires_grad=True))


def test_saved_arrays_are_released_during_the_walk_not_after():
    """When a node near the leaves runs its backward, buffers saved by nodes above it are already gone."""
    from deepglass.autograd import Function

    seen = {}

    class Probe(Function):
        def forward(self, x):
            return x.copy()

        def backward(self, gy):
            gc.collect()
            seen["alive_during_walk"] = seen["exp_output"]() is not None
            return gy

    x = dg.tensor(np.ones(1000), requires_grad=True)
    loss = Probe.apply(x).exp().sum()
    seen["exp_output"] = weakref.ref(loss.grad_fn.inputs[0].data)  # the array Exp made (and saved)
    loss.backward()
    assert seen["alive_during_walk"] is False
    np.testing.assert_allclose(x.grad.numpy(), np.e)
