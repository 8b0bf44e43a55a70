"""The Optimizer base: groups, skipping, in-place updates without allocations, zero_grad, closure, repr."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import deepglass as dg

ALL = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("Adadelta", dict(weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.01)),
    ("LARS", dict(lr=0.1, weight_decay=0.01, nesterov=True)),
]
NAMES = [name for name, _ in ALL]


def _param(shape=(3, 4), dtype=np.float64, seed=0):
    return dg.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=True)


@pytest.mark.parametrize("name, kwargs", ALL, ids=NAMES)
def test_updates_in_place_and_leaves_the_gradient_alone(name, kwargs):
    p = _param()
    array, before = p.data, p.numpy().copy()
    grad = np.random.default_rng(1).standard_normal(p.shape)
    p.grad = dg.tensor(grad.copy())
    getattr(dg.optim, name)([p], **kwargs).step()
    assert p.data is array, "the parameter array must be updated in place"
    assert not np.array_equal(p.numpy(), before)
    np.testing.assert_array_equal(p.grad.numpy(), grad)


@pytest.mark.parametrize("name, kwargs", ALL, ids=NAMES)
def test_keeps_float32_parameters_in_float32(name, kwargs):
    p = _param(dtype=np.float32)
    opt = getattr(dg.optim, name)([p], **kwargs)
    for _ in range(3):
        p.grad = dg.ones_like(p)
        opt.step()
    assert p.dtype == np.float32 and np.isfinite(p.numpy()).all()
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if hasattr(v, "dtype"))


@pytest.mark.parametrize("name, kwargs", ALL, ids=NAMES)
def test_skips_frozen_parameters_and_parameters_without_gradient(name, kwargs):
    frozen, no_grad, live = _param(seed=1), _param(seed=2), _param(seed=3)
    frozen.grad = dg.ones_like(frozen)
    frozen.requires_grad_(False)
    live.grad = dg.ones_like(live)
    values = [t.numpy().copy() for t in (frozen, no_grad, live)]
    opt = getattr(dg.optim, name)([frozen, no_grad, live], **kwargs)
    opt.step()
    np.testing.assert_array_equal(frozen.numpy(), values[0])
    np.testing.assert_array_equal(no_grad.numpy(), values[1])
    assert not np.array_equal(live.numpy(), values[2])
    assert frozen not in opt.state and no_grad not in opt.state


@pytest.mark.parametrize("name, kwargs", ALL, ids=NAMES)
def test_a_step_allocates_no_parameter_sized_memory(name, kwargs):
    """After the first step (state and scratch buffers made once), a step allocates almost nothing."""
    p = _param((500, 400))  # 1.6 MB
    p.grad = dg.tensor(np.random.default_rng(1).standard_normal(p.shape))
    opt = getattr(dg.optim, name)([p], **kwargs)
    opt.step()
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes // 20, f"{name} allocated {peak} bytes in one step"


def test_tracemalloc_sees_numpy_allocations():
    """Guards the test above: a parameter-sized temporary would be seen."""
    a = np.zeros((500, 400))
    tracemalloc.start()
    try:
        (a * 2).sum()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= a.nbytes


def test_zero_grad_sets_to_none_or_zeroes_in_place():
    p = _param()
    opt = dg.optim.SGD([p], lr=0.1)
    p.grad = dg.ones_like(p)
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and not p.grad.numpy().any()
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_use_their_own_hyper_parameters_and_defaults():
    a, b = _param(seed=1), _param(seed=2)
    va, vb = a.numpy().copy(), b.numpy().copy()
    opt = dg.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.0
    a.grad, b.grad = dg.ones_like(a), dg.ones_like(b)
    opt.step()
    np.testing.assert_allclose(a.numpy(), va - 0.1)
    np.testing.assert_allclose(b.numpy(), vb - 0.5)


def test_add_param_group_and_its_checks():
    a, b = _param(seed=1), _param(seed=2)
    opt = dg.optim.Adam([a], lr=0.01)
    opt.add_param_group({"params": [b], "lr": 0.1})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="only optimize Tensors"):
        opt.add_param_group({"params": [np.zeros(3)]})
    with pytest.raises(ValueError, match="non-leaf"):
        opt.add_param_group({"params": [_param() * 2]})
    with pytest.raises(TypeError, match="set"):
        opt.add_param_group({"params": {_param()}})
    with pytest.raises(ValueError, match="empty parameter list"):
        dg.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="wrap it in a list"):
        dg.optim.SGD(a, lr=0.1)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: dg.optim.SGD(p, lr=-1.0), "SGD: invalid lr"),
        (lambda p: dg.optim.SGD(p, lr=0.1, nesterov=True), "Nesterov"),
        (lambda p: dg.optim.Adam(p, betas=(1.0, 0.999)), "betas"),
        (lambda p: dg.optim.Adadelta(p, rho=1.5), "rho"),
        (lambda p: dg.optim.RMSprop(p, alpha=-0.1), "alpha"),
        (lambda p: dg.optim.LARS(p, trust_coefficient=-1), "trust_coefficient"),
    ],
)
def test_invalid_hyper_parameters_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make([_param()])


def test_step_with_closure_reevaluates_the_loss_with_gradients_enabled():
    p = _param((3,))
    opt = dg.optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with dg.no_grad():
        loss = opt.step(closure)
    assert loss.item() > 0 and p.grad is not None


def test_zero_dim_parameters_are_updated():
    p = dg.tensor(2.0, dtype=np.float64, requires_grad=True)
    opt = dg.optim.Adam([p], lr=0.5)
    p.grad = dg.tensor(1.0, dtype=np.float64)
    opt.step()
    assert p.item() == pytest.approx(1.5)
    new = dg.optim.Adam([p], lr=0.5)
    new.load_state_dict(opt.state_dict())
    assert new.state[p]["exp_avg"].shape == () and new.state[p]["step"] == 1


def test_repr_lists_each_group():
    text = repr(dg.optim.SGD([{"params": [_param()]}, {"params": [_param()], "lr": 0.5}], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 1" in text and "lr: 0.5" in text and "momentum: 0.9" in text


def test_learning_rate_is_read_from_the_group_at_each_step():
    p = _param((2,))
    opt = dg.optim.SGD([p], lr=0.1)
    before = p.numpy().copy()
    opt.param_groups[0]["lr"] = 1.0
    p.grad = dg.ones_like(p)
    opt.step()
    np.testing.assert_allclose(p.numpy(), before - 1.0)


def test_a_gradient_of_the_wrong_shape_is_named():
    p = _param((3, 4))
    p.grad = dg.ones(4)
    with pytest.raises(RuntimeError, match=r"Adam.step: a parameter of shape \(3, 4\) has a gradient of shape \(4,\)"):
        dg.optim.Adam([p]).step()
