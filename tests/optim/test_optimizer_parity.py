"""Every optimizer, with every option, against torch.optim: 25 steps on the same parameters and gradients.

Two parameter groups (the second with its own lr), one parameter that misses its gradient on some steps,
and float64 throughout, so the parameters and the optimizer state must agree within 1e-6 at every step.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

STEPS = 25

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.8, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, weight_decay=0.05, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.02, weight_decay=0.05, initial_accumulator_value=0.3, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.05, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.05)),
    ("Adadelta", dict(maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, betas=(0.8, 0.99))),
    ("NAdam", dict(lr=0.01, weight_decay=0.05)),
    ("NAdam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True, maximize=True)),
]

SECOND_GROUP_LR = 0.03


def _ids(case):
    name, kwargs = case
    return name + "-" + ("-".join(f"{k}={v}" for k, v in kwargs.items()) or "defaults")


def _initial_values():
    rng = np.random.default_rng(1)
    return [rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((2, 2))]


def _gradients(step: int):
    """The gradient of each parameter at `step`; the last parameter has none on every fourth step."""
    rng = np.random.default_rng(100 + step)
    grads = [rng.standard_normal(shape) for shape in ((4, 3), (3,), (2, 2))]
    if step % 4 == 3:
        grads[2] = None
    return grads


def _groups(params):
    return [{"params": params[:1]}, {"params": params[1:], "lr": SECOND_GROUP_LR}]


def _dg_run(name, kwargs, steps, start=None):
    """Our optimizer run from step `start` (0: fresh; else (values, state_dict) to resume)."""
    values, state = start if start is not None else (_initial_values(), None)
    params = [dg.tensor(v.copy(), requires_grad=True) for v in values]
    opt = getattr(dg.optim, name)(_groups(params), **kwargs)
    if state is not None:
        opt.load_state_dict(state)
    first = 0 if start is None else state["first_step"]
    history = []
    for step in range(first, first + steps):
        for p, g in zip(params, _gradients(step)):
            p.grad = None if g is None else dg.tensor(g)
        opt.step()
        history.append([p.numpy().copy() for p in params])
    return params, opt, history


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_torch_every_step(torch, case):
    name, kwargs = case
    t_params = [torch.tensor(v, requires_grad=True) for v in _initial_values()]
    t_opt = getattr(torch.optim, name)(_groups(t_params), **kwargs)
    _, opt, history = _dg_run(name, kwargs, STEPS)
    for step in range(STEPS):
        for p, g in zip(t_params, _gradients(step)):
            p.grad = None if g is None else torch.tensor(g)
        t_opt.step()
        for ours, p in zip(history[step], t_params):
            np.testing.assert_allclose(ours, p.detach().numpy(), rtol=0, atol=1e-6, err_msg=f"{name} step {step}")
    # the state has PyTorch's names and values
    ours, theirs = opt.state_dict(), t_opt.state_dict()
    stateless = name == "SGD" and not kwargs.get("momentum")
    assert set(ours["state"]) == set(theirs["state"]) == (set() if stateless else {0, 1, 2})
    for index, t_state in theirs["state"].items():
        assert set(ours["state"][index]) == set(t_state), f"{name}: state keys differ"
        for key, value in t_state.items():
            np.testing.assert_allclose(ours["state"][index][key], np.asarray(value), rtol=1e-6, atol=1e-9)
    assert [g["params"] for g in ours["param_groups"]] == [g["params"] for g in theirs["param_groups"]]


LARS_CASES = [("LARS", dict(lr=0.5, weight_decay=0.01, nesterov=True)), ("LARS", dict(exclude_bias_and_norm=False))]


@pytest.mark.parametrize("case", CASES + LARS_CASES, ids=[_ids(c) for c in CASES + LARS_CASES])
def test_resumed_run_equals_uninterrupted_run_bit_for_bit(case):
    name, kwargs = case
    _, _, straight = _dg_run(name, kwargs, STEPS)
    params, opt, first_half = _dg_run(name, kwargs, 12)
    state = opt.state_dict()
    state["first_step"] = 12
    _, _, second_half = _dg_run(name, kwargs, STEPS - 12, start=([p.numpy() for p in params], state))
    assert len(first_half + second_half) == STEPS
    for a, b in zip(straight, first_half + second_half):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)


def test_state_dict_is_a_snapshot_of_plain_values():
    params, opt, _ = _dg_run("Adam", dict(lr=0.01, amsgrad=True), 3)
    state = opt.state_dict()
    saved = state["state"][0]["exp_avg"].copy()
    assert isinstance(state["state"][0]["step"], int) and state["state"][0]["step"] == 3
    assert type(saved) is np.ndarray
    for p in params:
        p.grad = dg.ones_like(p)
    opt.step()
    np.testing.assert_array_equal(state["state"][0]["exp_avg"], saved)  # later steps do not change the snapshot
    assert state["param_groups"][1]["params"] == [1, 2] and state["param_groups"][1]["lr"] == SECOND_GROUP_LR
    assert state["param_groups"][0]["betas"] == (0.9, 0.999)


def test_load_state_dict_checks_the_groups():
    params, opt, _ = _dg_run("SGD", dict(lr=0.1, momentum=0.9), 2)
    other = dg.optim.SGD(params, lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="1 parameter groups|2 parameter groups"):
        other.load_state_dict(opt.state_dict())
    fewer = dg.optim.SGD([{"params": params[:1]}, {"params": params[1:2]}], lr=0.1)
    with pytest.raises(ValueError, match="group 1 has 1 parameters"):
        fewer.load_state_dict(opt.state_dict())


def test_load_state_dict_restores_hyper_parameters_and_casts_to_the_parameter_dtype():
    params, opt, _ = _dg_run("SGD", dict(lr=0.1, momentum=0.9), 2)
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = 0.5
    p32 = [dg.tensor(p.numpy().astype(np.float32), requires_grad=True) for p in params]
    new = dg.optim.SGD(_groups(p32), lr=0.1, momentum=0.9)
    new.load_state_dict(state)
    assert new.param_groups[0]["lr"] == 0.5 and new.param_groups[1]["lr"] == SECOND_GROUP_LR
    assert new.param_groups[0]["params"][0] is p32[0]
    buf = new.state[p32[0]]["momentum_buffer"]
    assert buf.dtype == np.float32 and not np.shares_memory(buf, state["state"][0]["momentum_buffer"])


# ---- Adamax, RAdam, ASGD, Rprop: the same step-by-step comparison with torch, tighter (float64 all through) ----
NEW_CASES = [
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.9))),  # rho_t > 5 from step 2: the rectified branch is taken
    ("RAdam", dict(lr=0.01, weight_decay=0.05)),
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.05, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.05)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.05, maximize=True)),
]


@pytest.mark.torch
@pytest.mark.parametrize("case", NEW_CASES, ids=[_ids(c) for c in NEW_CASES])
def test_new_optimizers_match_torch_every_step(torch, case):
    name, kwargs = case
    t_params = [torch.tensor(v, requires_grad=True) for v in _initial_values()]
    _, opt, history = _dg_run(name, kwargs, STEPS)
    # torch keeps ASGD's eta and mu in its default dtype: float64 here, so they are not rounded to float32
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        t_opt = getattr(torch.optim, name)(_groups(t_params), **kwargs)
        for step in range(STEPS):
            for p, g in zip(t_params, _gradients(step)):
                p.grad = None if g is None else torch.tensor(g)
            t_opt.step()
            for ours, p in zip(history[step], t_params):
                np.testing.assert_allclose(ours, p.detach().numpy(), rtol=0, atol=1e-12, err_msg=f"{name} step {step}")
    finally:
        torch.set_default_dtype(previous)
    ours, theirs = opt.state_dict(), t_opt.state_dict()
    assert set(ours["state"]) == set(theirs["state"]) == {0, 1, 2}
    for index, t_state in theirs["state"].items():
        assert set(ours["state"][index]) == set(t_state), f"{name}: state keys differ"
        for key, value in t_state.items():
            np.testing.assert_allclose(ours["state"][index][key], np.asarray(value), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("case", NEW_CASES, ids=[_ids(c) for c in NEW_CASES])
def test_new_optimizers_resume_bit_for_bit(case):
    test_resumed_run_equals_uninterrupted_run_bit_for_bit(case)
