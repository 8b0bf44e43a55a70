"""Keras learning-rate schedules (values from Keras's documented formulas), a schedule given to a Keras
optimizer (applied at every update, saved and resumed), and the Keras Adamax and Lion update rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass import keras
from deepglass.keras.optimizers import schedules

STEPS = [0, 1, 5, 10, 37, 99, 100, 101, 250, 1000]


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = schedules.ExponentialDecay(0.1, decay_steps=30, decay_rate=0.5, staircase=staircase)
    for step in STEPS:
        p = step // 30 if staircase else step / 30
        assert s(step) == pytest.approx(0.1 * 0.5**p, rel=1e-12)


def test_piecewise_constant_decay_includes_the_boundary_in_the_earlier_piece():
    s = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [s(t) for t in (0, 9, 10, 11, 19, 20, 21, 500)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5])


@pytest.mark.parametrize("cycle", [False, True])
def test_polynomial_decay(cycle):
    s = schedules.PolynomialDecay(0.1, decay_steps=40, end_learning_rate=0.01, power=0.5, cycle=cycle)
    for step in STEPS:
        if cycle:
            decay_steps = 40 * (1 if step == 0 else math.ceil(step / 40))
            t = step
        else:
            decay_steps, t = 40, min(step, 40)
        assert s(step) == pytest.approx((0.1 - 0.01) * (1 - t / decay_steps) ** 0.5 + 0.01, rel=1e-12)
    assert schedules.PolynomialDecay(0.1, 40)(40) == pytest.approx(1e-4)  # Keras's end_learning_rate default


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = schedules.InverseTimeDecay(0.1, decay_steps=7, decay_rate=0.5, staircase=staircase)
    for step in STEPS:
        p = step // 7 if staircase else step / 7
        assert s(step) == pytest.approx(0.1 / (1 + 0.5 * p), rel=1e-12)


def test_cosine_decay_without_and_with_warmup():
    s = schedules.CosineDecay(0.1, decay_steps=100, alpha=0.1)
    for step in STEPS:
        t = min(step, 100)
        assert s(step) == pytest.approx(0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * t / 100)) + 0.1), rel=1e-12)
    w = schedules.CosineDecay(0.0, decay_steps=100, warmup_target=0.2, warmup_steps=10)
    assert w(0) == 0.0 and w(5) == pytest.approx(0.1) and w(10) == pytest.approx(0.2)
    for step in (10, 35, 60, 110, 500):
        t = min(step, 110) - 10
        assert w(step) == pytest.approx(0.2 * 0.5 * (1 + math.cos(math.pi * t / 100)), abs=1e-15)


def _sgdr(step, initial, first, t_mul, m_mul, alpha):
    """Cosine decay with restarts, period by period (not Keras's closed form): the reference."""
    start, length, i = 0.0, float(first), 0
    while step >= start + length:
        start, length, i = start + length, length * t_mul, i + 1
    fraction = (step - start) / length
    return initial * ((1 - alpha) * 0.5 * m_mul**i * (1 + math.cos(math.pi * fraction)) + alpha)


@pytest.mark.parametrize("t_mul, m_mul", [(2.0, 1.0), (1.0, 0.5), (1.5, 0.8)])
def test_cosine_decay_restarts(t_mul, m_mul):
    s = schedules.CosineDecayRestarts(0.1, first_decay_steps=20, t_mul=t_mul, m_mul=m_mul, alpha=0.05)
    for step in [0, 1, 10, 19, 21, 45, 59, 61, 130, 300]:
        assert s(step) == pytest.approx(_sgdr(step, 0.1, 20, t_mul, m_mul, 0.05), rel=1e-9, abs=1e-12)
    assert s(20) == pytest.approx(0.1 * (0.95 * m_mul + 0.05))  # a restart at the end of the first period


def test_invalid_decay_steps_and_serialization_round_trip():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    for s in [
        schedules.ExponentialDecay(0.1, 30, 0.5, staircase=True),
        schedules.PiecewiseConstantDecay([3, 6], [1.0, 0.5, 0.1]),
        schedules.PolynomialDecay(0.1, 40, cycle=True),
        schedules.InverseTimeDecay(0.1, 7, 0.5),
        schedules.CosineDecay(0.0, 100, warmup_target=0.2, warmup_steps=10),
        schedules.CosineDecayRestarts(0.1, 20, t_mul=1.5),
    ]:
        again = schedules.deserialize(schedules.serialize(s))
        assert type(again) is type(s) and [again(t) for t in STEPS] == [s(t) for t in STEPS]


def test_a_schedule_sets_the_rate_of_every_update():
    sched = schedules.ExponentialDecay(0.5, decay_steps=2, decay_rate=0.5)
    opt = keras.optimizers.SGD(learning_rate=sched)
    assert opt.learning_rate == 0.5
    p = dg.tensor(np.zeros(3), requires_grad=True)
    built = opt.build([p])
    g = np.array([1.0, -2.0, 0.5])
    expected = np.zeros(3)
    for step in range(6):
        assert opt.learning_rate == pytest.approx(sched(step))
        p.grad = dg.tensor(g)
        built.step()
        expected -= sched(step) * g
        np.testing.assert_allclose(p.numpy(), expected, rtol=1e-12)
    assert opt.iterations == 6
    # the count is in the state dict: a new optimizer resumes at step 6
    again = keras.optimizers.SGD(learning_rate=sched)
    q = dg.tensor(p.numpy(), requires_grad=True)
    again.build([q]).load_state_dict(built.state_dict())
    q.grad = dg.tensor(g)
    again.built.step()
    np.testing.assert_allclose(q.numpy(), expected - sched(6) * g, rtol=1e-12)
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1


def test_fit_applies_the_schedule_per_step_and_save_load_keeps_it(tmp_path):
    sched = schedules.PiecewiseConstantDecay([2, 5], [0.1, 0.01, 0.001])
    rates = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(self.model.optimizer.param_groups[0]["lr"])

    dg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=sched), loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False, callbacks=[Record()])
    assert rates == pytest.approx([sched(t) for t in range(8)])
    assert history.history["lr"] == pytest.approx([sched(4), sched(8)])  # the next update's rate
    path = tmp_path / "m.safetensors"
    model.save(path)
    loaded = keras.load_model(path)
    assert loaded.optimizer.param_groups[0]["iterations"] == 8
    assert loaded.optimizer.param_groups[0]["lr"] == pytest.approx(sched(8))
    loaded.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    assert loaded.optimizer.param_groups[0]["lr"] == pytest.approx(sched(12))


def _keras_adamax(p, grads, lr, b1, b2, eps):
    m, u = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g))
        p = p - lr / (1 - b1**t) * m / (u + eps)
    return p


def _keras_lion(p, grads, lr, b1, b2, wd):
    m = np.zeros_like(p)
    for g in grads:
        p = p - p * wd * lr
        p = p - lr * np.sign(m * b1 + g * (1 - b1))
        m = m * b2 + g * (1 - b2)
    return p


def _run(opt, grads):
    p = dg.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    built = opt.build([p])
    for g in grads:
        p.grad = dg.tensor(g)
        built.step()
    return p.numpy()


def test_keras_adamax_and_lion_follow_keras_update_rules():
    rng = np.random.default_rng(7)
    grads = [rng.standard_normal(5) * 0.01 for _ in range(12)]
    start = np.linspace(-1, 1, 5)
    adamax = keras.optimizers.Adamax(learning_rate=0.01, epsilon=1e-3)
    assert adamax.config["beta_2"] == 0.999 and keras.optimizers.Adamax().learning_rate == 0.001
    np.testing.assert_allclose(_run(adamax, grads), _keras_adamax(start, grads, 0.01, 0.9, 0.999, 1e-3), atol=1e-13)
    lion = keras.optimizers.Lion(learning_rate=0.01, weight_decay=0.1)
    assert keras.optimizers.Lion().config["beta_2"] == 0.99
    np.testing.assert_allclose(_run(lion, grads), _keras_lion(start, grads, 0.01, 0.9, 0.99, 0.1), atol=1e-13)
    assert isinstance(keras.optimizers.get("lion"), keras.optimizers.Lion)
    assert isinstance(keras.optimizers.get("adamax"), keras.optimizers.Adamax)


def test_lion_and_adamax_train_a_model():
    x = np.random.default_rng(1).standard_normal((64, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]])).astype(np.float32)
    for opt in (keras.optimizers.Lion(learning_rate=0.05), keras.optimizers.Adamax(learning_rate=0.1)):
        dg.manual_seed(0)
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
        model.compile(optimizer=opt, loss="mse")
        losses = model.fit(x, y, batch_size=16, epochs=25, verbose=0).history["loss"]
        assert losses[-1] < 0.2 * losses[0]
