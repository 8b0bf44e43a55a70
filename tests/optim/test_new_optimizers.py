"""Adamax, RAdam, ASGD and Rprop beyond the step-by-step torch parity (in test_optimizer_parity.py):
argument checks, float32 parameters, learning-rate schedulers, frozen parameters and convergence."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

NEW = ["Adamax", "RAdam", "ASGD", "Rprop"]


def _quadratic_run(name, steps, **kwargs):
    """Minimize ½‖A p − b‖² from a fixed start; returns the final loss and the start loss."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((6, 4)), rng.standard_normal(6)
    p = dg.tensor(np.zeros(4), requires_grad=True)
    opt = getattr(dg.optim, name)([p], **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        r = dg.tensor(a) @ p - dg.tensor(b)
        loss = (r * r).sum() * 0.5
        loss.backward()
        losses.append(float(loss.item()))
        opt.step()
    return losses[-1], losses[0]


@pytest.mark.parametrize(
    "name, kwargs",
    [("Adamax", dict(lr=0.1)), ("RAdam", dict(lr=0.1)), ("ASGD", dict(lr=0.05)), ("Rprop", dict(lr=0.01))],
)
def test_each_optimizer_decreases_a_quadratic(name, kwargs):
    final, first = _quadratic_run(name, 150, **kwargs)
    assert final < 0.7 * first


def test_exported_names():
    for name in NEW:
        assert name in dg.optim.__all__ and issubclass(getattr(dg.optim, name), dg.optim.Optimizer)


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("Adamax", dict(lr=-1.0), "invalid lr"),
        ("Adamax", dict(betas=(1.0, 0.9)), "invalid betas"),
        ("RAdam", dict(eps=-1.0), "invalid eps"),
        ("RAdam", dict(betas=(0.9, 1.5)), "invalid betas"),
        ("ASGD", dict(weight_decay=-0.1), "invalid weight_decay"),
        ("Rprop", dict(etas=(1.2, 0.5)), "invalid etas"),
        ("Rprop", dict(lr=-0.1), "invalid lr"),
    ],
)
def test_invalid_arguments_are_refused(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(dg.optim, name)([dg.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.torch
@pytest.mark.parametrize("name", NEW)
def test_defaults_are_torchs(torch, name):
    ours = getattr(dg.optim, name)([dg.zeros(2, requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in ours.items():
        assert theirs[key] == value, f"{name}.{key}"


@pytest.mark.parametrize("name", NEW)
def test_float32_parameters_keep_their_dtype_and_state(name):
    p = dg.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    opt = getattr(dg.optim, name)([p])
    for step in range(3):
        p.grad = dg.tensor(np.full((2, 3), 0.5 - step, dtype=np.float32))
        opt.step()
    assert p.dtype == np.float32
    for key, value in opt.state[p].items():
        if hasattr(value, "dtype"):
            assert value.dtype == np.float32, f"{name} state {key}"


@pytest.mark.parametrize("name", NEW)
def test_frozen_parameters_and_missing_gradients_are_skipped(name):
    a = dg.tensor(np.ones(3), requires_grad=True)
    b = dg.tensor(np.ones(3), requires_grad=True)
    c = dg.tensor(np.ones(3), requires_grad=True)
    opt = getattr(dg.optim, name)([a, b, c])
    a.grad, b.grad = dg.ones(3, dtype=np.float64), dg.ones(3, dtype=np.float64)
    b.requires_grad_(False)
    opt.step()
    assert not np.array_equal(a.numpy(), np.ones(3))
    np.testing.assert_array_equal(b.numpy(), np.ones(3))
    np.testing.assert_array_equal(c.numpy(), np.ones(3))
    assert set(opt.state) == {a}


@pytest.mark.torch
@pytest.mark.parametrize("name", ["Adamax", "RAdam", "ASGD"])
def test_a_step_lr_scheduler_drives_the_rate_as_in_torch(torch, name):
    """StepLR halves group lr every 3 steps; the trajectories agree with torch's under the same schedule."""
    values = np.random.default_rng(3).standard_normal(5)
    ours = dg.tensor(values.copy(), requires_grad=True)
    theirs = torch.tensor(values.copy(), requires_grad=True)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        opt, t_opt = getattr(dg.optim, name)([ours], lr=0.05), getattr(torch.optim, name)([theirs], lr=0.05)
        sched = dg.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        t_sched = torch.optim.lr_scheduler.StepLR(t_opt, step_size=3, gamma=0.5)
        for step in range(10):
            g = np.random.default_rng(50 + step).standard_normal(5)
            ours.grad, theirs.grad = dg.tensor(g), torch.tensor(g)
            opt.step()
            t_opt.step()
            sched.step()
            t_sched.step()
            assert opt.param_groups[0]["lr"] == pytest.approx(t_opt.param_groups[0]["lr"], rel=1e-15)
            np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=0, atol=1e-12)
    finally:
        torch.set_default_dtype(previous)


def test_rprop_step_sizes_grow_shrink_and_stay_in_bounds():
    p = dg.tensor(np.zeros(3), requires_grad=True)
    opt = dg.optim.Rprop([p], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.01, 0.3))
    signs = [np.array([1.0, 1.0, 0.0]), np.array([1.0, -1.0, 1.0]), np.array([1.0, -1.0, 1.0])]
    for g in signs:
        p.grad = dg.tensor(g)
        opt.step()
    state = opt.state[p]
    # coordinate 0: the same sign three times: 0.1 → 0.2 → 0.4, capped at 0.3;
    # coordinate 1: flips at step 2 (step halves to 0.05, no move, sign forgotten), then moves 0.05;
    # coordinate 2: no sign at step 1 (step kept at 0.1, no move), then 0.1 and 0.2
    np.testing.assert_allclose(state["step_size"], [0.3, 0.05, 0.2])
    np.testing.assert_allclose(p.numpy(), [-(0.1 + 0.2 + 0.3), -0.1 + 0.0 + 0.05, -0.1 - 0.2])


def test_asgd_average_starts_after_t0():
    p = dg.tensor(np.zeros(2), requires_grad=True)
    opt = dg.optim.ASGD([p], lr=0.1, lambd=0.0, t0=2)
    iterates = []
    for _ in range(5):
        p.grad = dg.tensor(np.array([1.0, -2.0]))
        opt.step()
        iterates.append(p.numpy().copy())
    # mu (set after step t to 1 / max(1, t - t0)) stays 1 up to step t0 + 1, so the average copies the
    # iterate until step t0 + 2 and averages the iterates from there on
    expected = np.mean(iterates[3:], axis=0)
    np.testing.assert_allclose(opt.state[p]["ax"], expected, rtol=1e-12)
