"""Every learning-rate scheduler against torch.optim.lr_scheduler: the same rates over 100 steps,
resuming from state_dict(), and chaining two schedulers on one optimizer."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import deepglass as dg

STEPS = 100
LRS = (0.1, 0.05)


def _warmup(epoch):
    return min(1.0, (epoch + 1) / 10) * 0.97**epoch


def _decay(epoch):
    return 0.95


# (scheduler name, keyword arguments, optimizer name, optimizer keyword arguments)
CASES = [
    ("StepLR", dict(step_size=7, gamma=0.5), "SGD", {}),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 75], gamma=0.3), "SGD", {}),
    ("ExponentialLR", dict(gamma=0.95), "SGD", {}),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.001), "SGD", {}),
    ("CosineAnnealingLR", dict(T_max=100), "SGD", {}),
    ("CosineAnnealingWarmRestarts", dict(T_0=10), "SGD", {}),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, T_mult=2, eta_min=0.01), "SGD", {}),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=10), "SGD", dict(momentum=0.9)),
    (
        "CyclicLR",
        dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=7, step_size_down=13, mode="triangular2"),
        "SGD",
        dict(momentum=0.9),
    ),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=10, mode="exp_range", gamma=0.98), "Adam", {}),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=10, cycle_momentum=False), "Adagrad", {}),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=STEPS), "SGD", dict(momentum=0.9)),
    (
        "OneCycleLR",
        dict(
            max_lr=[0.5, 0.2],
            epochs=10,
            steps_per_epoch=10,
            anneal_strategy="linear",
            three_phase=True,
            div_factor=10.0,
        ),
        "Adam",
        {},
    ),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=120, pct_start=0.25, cycle_momentum=False), "Adagrad", {}),
    ("LinearLR", dict(start_factor=0.1, total_iters=10), "SGD", {}),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=50), "SGD", {}),
    ("ConstantLR", dict(factor=0.5, total_iters=20), "SGD", {}),
    ("PolynomialLR", dict(total_iters=60, power=2.0), "SGD", {}),
    ("LambdaLR", dict(lr_lambda=_warmup), "SGD", {}),
    ("LambdaLR", dict(lr_lambda=[_warmup, lambda e: 1 / (1 + e)]), "SGD", {}),
    ("MultiplicativeLR", dict(lr_lambda=_decay), "SGD", {}),
]


def _ids(case):
    name, kwargs, opt_name, _ = case
    return f"{name}-{opt_name}-" + "-".join(f"{k}={getattr(v, '__name__', v)}" for k, v in kwargs.items())


def _optimizer(lib, opt_name, opt_kwargs):
    """An optimizer of `lib` (deepglass or torch) with two groups at the LRS."""
    make = (lambda: lib.zeros(1, requires_grad=True)) if lib is not dg else (lambda: dg.zeros(1, requires_grad=True))
    groups = [{"params": [make()], "lr": lr} for lr in LRS]
    return getattr(lib.optim, opt_name)(groups, **opt_kwargs)


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _trace(sched, opt, steps, metrics=None):
    """Learning rates (and momenta) after each of `steps` scheduler steps."""
    out = [(list(sched.get_last_lr()), _momenta(opt))]
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        out.append((list(sched.get_last_lr()), _momenta(opt)))
    return out


def _assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for step, ((lr_a, m_a), (lr_b, m_b)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(lr_a, lr_b, rtol=1e-13, atol=0, err_msg=f"lr at step {step}")
        if m_b[0] is not None:
            np.testing.assert_allclose(m_a, m_b, rtol=1e-13, atol=0, err_msg=f"momentum at step {step}")


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_100_steps_match_torch(torch, case):
    name, kwargs, opt_name, opt_kwargs = case
    t_opt = _optimizer(torch, opt_name, opt_kwargs)
    t_sched = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    opt = _optimizer(dg, opt_name, opt_kwargs)
    sched = getattr(dg.optim.lr_scheduler, name)(opt, **kwargs)
    ours, theirs = _trace(sched, opt, STEPS), _trace(t_sched, t_opt, STEPS)
    _assert_same(ours, theirs)
    assert len({tuple(lr) for lr, _ in ours}) > 1, "the schedule should actually change the rate"


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_resuming_from_state_dicts_continues_the_same_schedule(case):
    name, kwargs, opt_name, opt_kwargs = case
    opt = _optimizer(dg, opt_name, opt_kwargs)
    straight = _trace(getattr(dg.optim.lr_scheduler, name)(opt, **kwargs), opt, STEPS)
    opt = _optimizer(dg, opt_name, opt_kwargs)
    sched = getattr(dg.optim.lr_scheduler, name)(opt, **kwargs)
    first = _trace(sched, opt, 40)
    opt_state = opt.state_dict()
    sched_state = json.loads(json.dumps(sched.state_dict()))  # plain values: safe to save as JSON
    new_opt = _optimizer(dg, opt_name, opt_kwargs)
    new_sched = getattr(dg.optim.lr_scheduler, name)(new_opt, **kwargs)  # build, then load (PyTorch's order)
    new_opt.load_state_dict(opt_state)
    new_sched.load_state_dict(sched_state)
    second = _trace(new_sched, new_opt, STEPS - 40)
    assert first + second[1:] == straight


@pytest.mark.torch
def test_cosine_warm_restarts_with_fractional_epochs_matches_torch(torch):
    t_opt, opt = _optimizer(torch, "SGD", {}), _optimizer(dg, "SGD", {})
    t_sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(t_opt, T_0=3, T_mult=2, eta_min=1e-3)
    sched = dg.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=1e-3)
    for i in range(100):
        epoch = i / 7
        t_sched.step(epoch)
        sched.step(epoch)
        np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-13)


PLATEAU_CASES = [
    dict(),
    dict(mode="min", factor=0.5, patience=3, threshold=0.01, cooldown=2, min_lr=0.002),
    dict(mode="min", factor=0.5, patience=2, threshold=0.05, threshold_mode="abs", min_lr=[0.01, 0.001]),
    dict(mode="max", factor=0.2, patience=4, cooldown=1),
    dict(mode="max", factor=0.7, patience=1, threshold=0.1, threshold_mode="abs", eps=1e-3),
]


def _metrics():
    """A loss that improves, plateaus with noise, improves again, then flattens."""
    rng = np.random.default_rng(0)
    curve = np.concatenate([np.linspace(2.0, 1.0, 20), np.full(30, 1.0), np.linspace(1.0, 0.5, 20), np.full(30, 0.5)])
    return (curve + 0.02 * rng.standard_normal(STEPS)).tolist()


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(k) for k in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(torch, kwargs):
    metrics = _metrics()
    if kwargs.get("mode") == "max":
        metrics = [-m for m in metrics]
    t_opt, opt = _optimizer(torch, "SGD", {}), _optimizer(dg, "SGD", {})
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    sched = dg.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    ours, theirs = _trace(sched, opt, STEPS, metrics), _trace(t_sched, t_opt, STEPS, metrics)
    _assert_same(ours, theirs)
    assert ours[-1][0] != ours[0][0], "the plateaus should have reduced the rate"


def test_reduce_lr_on_plateau_resumes_from_its_state_dict():
    metrics = _metrics()
    opt = _optimizer(dg, "SGD", {})
    straight = _trace(dg.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, cooldown=3), opt, STEPS, metrics)
    opt = _optimizer(dg, "SGD", {})
    sched = dg.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, cooldown=3)
    first = _trace(sched, opt, 45, metrics)
    new_opt = _optimizer(dg, "SGD", {})
    new_sched = dg.optim.lr_scheduler.ReduceLROnPlateau(new_opt, patience=2, cooldown=3)
    new_opt.load_state_dict(opt.state_dict())
    new_sched.load_state_dict(sched.state_dict())
    assert first + _trace(new_sched, new_opt, STEPS - 45, metrics[45:])[1:] == straight


def _combined(lib, kind):
    s = lib.optim.lr_scheduler
    opt = _optimizer(lib, "SGD", dict(momentum=0.9))
    if kind == "sequential":
        warm = s.LinearLR(opt, start_factor=0.1, total_iters=10)
        cos = s.CosineAnnealingLR(opt, T_max=50)
        step = s.StepLR(opt, step_size=5, gamma=0.8)
        return opt, s.SequentialLR(opt, [warm, cos, step], milestones=[10, 60])
    if kind == "chained":
        return opt, s.ChainedScheduler([s.ExponentialLR(opt, gamma=0.98), s.MultiStepLR(opt, milestones=[20, 50])])
    return opt, [s.LinearLR(opt, start_factor=0.2, total_iters=15), s.CosineAnnealingLR(opt, T_max=80, eta_min=1e-3)]


def _trace_all(scheds, opt):
    scheds = scheds if isinstance(scheds, list) else [scheds]
    out = [list(scheds[-1].get_last_lr())]
    for _ in range(STEPS):
        opt.step()
        for s in scheds:
            s.step()
        out.append(list(scheds[-1].get_last_lr()))
    return out


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["sequential", "chained", "two-stepped-together"])
def test_combinations_match_torch(torch, kind):
    ours, theirs = _trace_all(*_combined(dg, kind)[::-1]), _trace_all(*_combined(torch, kind)[::-1])
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


def test_sequential_lr_resumes_from_its_state_dict():
    opt, sched = _combined(dg, "sequential")
    straight = _trace_all(sched, opt)
    opt, sched = _combined(dg, "sequential")
    out = [list(sched.get_last_lr())]
    for _ in range(30):
        opt.step()
        sched.step()
        out.append(list(sched.get_last_lr()))
    new_opt, new_sched = _combined(dg, "sequential")
    new_opt.load_state_dict(opt.state_dict())
    new_sched.load_state_dict(sched.state_dict())
    for _ in range(STEPS - 30):
        new_opt.step()
        new_sched.step()
        out.append(list(new_sched.get_last_lr()))
    assert out == straight


def test_scheduler_sets_initial_lr_and_the_optimizer_uses_the_new_rate():
    p = dg.tensor(np.zeros(2), requires_grad=True)
    opt = dg.optim.SGD([p], lr=1.0)
    sched = dg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    assert opt.param_groups[0]["initial_lr"] == 1.0 and sched.get_last_lr() == [1.0]
    sched.step()
    p.grad = dg.ones_like(p)
    opt.step()
    np.testing.assert_allclose(p.numpy(), -0.5)
    assert sched.last_epoch == 1 and "optimizer" not in sched.state_dict()
    assert repr(sched) == "StepLR(last_epoch=1, last_lr=[0.5])"


def test_closed_form_step_with_an_epoch():
    opt = _optimizer(dg, "SGD", {})
    sched = dg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    sched.step(5)
    assert sched.get_last_lr()[0] == pytest.approx(0.05 * (1 + math.cos(math.pi / 2)) * 1.0)


def test_errors_name_the_scheduler():
    opt = _optimizer(dg, "SGD", {})
    with pytest.raises(KeyError, match="initial_lr"):
        dg.optim.lr_scheduler.StepLR(opt, step_size=3, last_epoch=5)
    with pytest.raises(ValueError, match="cycle_momentum"):
        dg.optim.lr_scheduler.OneCycleLR(_optimizer(dg, "Adagrad", {}), max_lr=1.0, total_steps=10)
    with pytest.raises(ValueError, match="one milestone fewer"):
        dg.optim.lr_scheduler.SequentialLR(opt, [dg.optim.lr_scheduler.ExponentialLR(opt, 0.9)], milestones=[3])
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        dg.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(TypeError, match="not an Optimizer"):
        dg.optim.lr_scheduler.ExponentialLR(object(), gamma=0.9)
    sched = dg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    with pytest.raises(ValueError, match="total_steps is 3"):
        for _ in range(4):
            sched.step()
