"""LARS against a direct NumPy implementation of You et al. (2017), and its exclusion of biases and norms."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg


def _reference_lars(w, grads, lr, momentum, weight_decay, trust_coefficient, eps, nesterov=False, adapt=True):
    """The published update, written out: local lr from the trust ratio, then SGD momentum."""
    w, buf, out = w.copy(), None, []
    for g in grads:
        if adapt:
            w_norm, g_norm = np.sqrt(np.sum(w * w)), np.sqrt(np.sum(g * g))
            ratio = trust_coefficient * w_norm / (g_norm + weight_decay * w_norm + eps)
            if w_norm == 0 or g_norm == 0:
                ratio = 1.0
            step = ratio * (g + weight_decay * w)
        else:
            step = g
        buf = step.copy() if buf is None else momentum * buf + step
        w = w - lr * (step + momentum * buf if nesterov else buf)
        out.append(w.copy())
    return out


def _run(params, grads_per_step, groups=None, **kwargs):
    opt = dg.optim.LARS(groups or params, **kwargs)
    history = []
    for grads in grads_per_step:
        for p, g in zip(params, grads):
            p.grad = dg.tensor(g)
        opt.step()
        history.append([p.numpy().copy() for p in params])
    return history


@pytest.mark.parametrize("nesterov", [False, True])
def test_matches_the_published_formula(nesterov):
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((5, 4)), rng.standard_normal(4)
    grads = [[rng.standard_normal((5, 4)) * 10, rng.standard_normal(4)] for _ in range(25)]
    hyper = dict(lr=2.0, momentum=0.9, weight_decay=5e-4, trust_coefficient=0.02, eps=1e-8)
    w, b = dg.tensor(w0, requires_grad=True), dg.tensor(b0, requires_grad=True)
    history = _run([w, b], grads, nesterov=nesterov, **hyper)
    expected_w = _reference_lars(w0, [g[0] for g in grads], nesterov=nesterov, **hyper)
    expected_b = _reference_lars(b0, [g[1] for g in grads], nesterov=nesterov, adapt=False, **hyper)
    for step in range(25):
        np.testing.assert_allclose(history[step][0], expected_w[step], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(history[step][1], expected_b[step], rtol=1e-12, atol=1e-12)


def test_excluded_parameters_get_the_plain_sgd_momentum_step():
    rng = np.random.default_rng(1)
    b0 = rng.standard_normal(6)
    grads = [rng.standard_normal(6) for _ in range(10)]
    b, ref = dg.tensor(b0, requires_grad=True), dg.tensor(b0, requires_grad=True)
    lars = _run([b], [[g] for g in grads], lr=0.1, momentum=0.9, weight_decay=0.1)
    sgd = dg.optim.SGD([ref], lr=0.1, momentum=0.9)  # no weight decay either
    for step, g in enumerate(grads):
        ref.grad = dg.tensor(g)
        sgd.step()
        np.testing.assert_array_equal(lars[step][0], ref.numpy())


def test_exclusion_can_be_switched_off_per_group():
    rng = np.random.default_rng(2)
    b0 = rng.standard_normal(6)
    grads = [rng.standard_normal(6) * 100 for _ in range(5)]
    hyper = dict(lr=1.0, momentum=0.9, weight_decay=1e-3, trust_coefficient=1e-3, eps=1e-8)
    b = dg.tensor(b0, requires_grad=True)
    history = _run([b], [[g] for g in grads], groups=[{"params": [b], "exclude_bias_and_norm": False}], **hyper)
    expected = _reference_lars(b0, grads, **hyper)
    np.testing.assert_allclose(history[-1][0], expected[-1], rtol=1e-12)
    # the adapted step is about trust_coefficient * ||w|| per unit lr, whatever the gradient's scale
    first = np.linalg.norm(history[0][0] - b0)
    assert first == pytest.approx(1e-3 * np.linalg.norm(b0), rel=1e-2)


def test_trust_ratio_is_one_for_zero_weights():
    w = dg.zeros((3, 3), dtype=np.float64, requires_grad=True)
    w.grad = dg.ones_like(w)
    dg.optim.LARS([w], lr=0.1, momentum=0.0).step()
    np.testing.assert_allclose(w.numpy(), -0.1)


def test_step_size_is_invariant_to_the_gradient_scale():
    rng = np.random.default_rng(3)
    w0, g = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    moves = []
    for scale in (1e-3, 1.0, 1e3):
        w = dg.tensor(w0, requires_grad=True)
        w.grad = dg.tensor(g * scale)
        dg.optim.LARS([w], lr=1.0, momentum=0.0, eps=0.0).step()
        moves.append(w.numpy() - w0)
    np.testing.assert_allclose(moves[0], moves[1], rtol=1e-9)
    np.testing.assert_allclose(moves[2], moves[1], rtol=1e-9)
