"""Every optimizer on the GPU (CuPy): the CPU's steps and state, a CPU checkpoint resumed on the GPU, and
schedulers and gradient clipping on GPU parameters; skipped where no GPU is available."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg

from .test_optimizer_parity import CASES, LARS_CASES, NEW_CASES, _gradients, _groups, _ids, _initial_values

pytestmark = pytest.mark.skipif(not dg.is_available("cuda"), reason="needs CuPy and an NVIDIA GPU")

STEPS = 10


def _run(name, kwargs, device, steps=STEPS, state=None, first=0, values=None):
    values = _initial_values() if values is None else values
    params = [dg.tensor(v.copy(), device=device, requires_grad=True) for v in values]
    opt = getattr(dg.optim, name)(_groups(params), **kwargs)
    if state is not None:
        opt.load_state_dict(state)
    for step in range(first, first + steps):
        for p, g in zip(params, _gradients(step)):
            p.grad = None if g is None else dg.tensor(g, device=device)
        opt.step()
    return params, opt


@pytest.mark.parametrize("case", CASES + LARS_CASES + NEW_CASES, ids=[_ids(c) for c in CASES + LARS_CASES + NEW_CASES])
def test_optimizer_on_cuda_matches_cpu(case):
    name, kwargs = case
    cpu_params, cpu_opt = _run(name, kwargs, "cpu")
    gpu_params, gpu_opt = _run(name, kwargs, "cuda")
    for p, q in zip(cpu_params, gpu_params):
        assert q.device == "cuda"
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    cpu_state, gpu_state = cpu_opt.state_dict()["state"], gpu_opt.state_dict()["state"]
    assert cpu_state.keys() == gpu_state.keys()
    for index, values in cpu_state.items():
        for key, value in values.items():
            assert type(gpu_state[index][key]) is type(value), f"{name} state {key}: saved as a host value"
            np.testing.assert_allclose(gpu_state[index][key], value, rtol=1e-10, atol=1e-12)


def test_cpu_checkpoint_resumes_on_cuda():
    params, opt = _run("Adam", dict(lr=0.01, amsgrad=True), "cpu", steps=4)
    state = opt.state_dict()
    resumed, resumed_opt = _run("Adam", dict(lr=0.01, amsgrad=True), "cuda", steps=4, state=state, first=4,
                                 values=[p.numpy() for p in params])
    moved = resumed_opt.state[resumed[0]]
    assert {k for k, v in moved.items() if dg.backend.device_of(v) == "cuda"} == {"exp_avg", "exp_avg_sq",
                                                                                 "max_exp_avg_sq"}
    straight, _ = _run("Adam", dict(lr=0.01, amsgrad=True), "cpu", steps=8)
    for p, q in zip(straight, resumed):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-10, atol=1e-12)


def test_scheduler_and_clipping_on_cuda():
    model = dg.nn.Linear(5, 3).to("cuda")
    opt = dg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = dg.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=5)
    for _ in range(5):
        opt.zero_grad()
        (model(dg.randn(8, 5, device="cuda")) * 100).sum().backward()
        norm = dg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        total = np.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in model.parameters()))
        assert float(norm) > 1.0 and total == pytest.approx(1.0, rel=1e-5)
        opt.step()
        sched.step()
    assert all(p.device == "cuda" for p in model.parameters())
