"""LayerMonitor: ratios equal hand-computed ones, flags, dead ReLUs, and NaN located in layer and op."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics import LayerMonitor


def _cross_entropy(logits, y):
    return -(dg.log_softmax(logits, axis=1)[np.arange(len(y)), y]).mean()


def _data(n=64, d=8, classes=3):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)
    return dg.tensor(x), y[:n] % classes


def _train(monitor, model, lr, steps, x, y):
    """A hand-written SGD loop calling the callback hooks as the engine does (grads zeroed at step start)."""
    monitor.on_train_begin()
    for step in range(steps):
        monitor.on_train_batch_begin(step)
        for p in model.parameters():
            p.grad = None
        loss = _cross_entropy(model(x), y)
        loss.backward()
        with dg.no_grad():
            for p in model.parameters():
                p.data -= lr * p.grad.data
        monitor.on_train_batch_end(step, {"loss": loss.item()})
    monitor.on_train_end()


def _mlp():
    nn = dg.nn
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))


def test_update_ratio_equals_lr_times_grad_over_weight():
    model, (x, y) = _mlp(), _data()
    monitor = LayerMonitor(every=1, module=model)
    w0 = model[0].weight.numpy().copy()
    monitor.on_train_batch_begin(0)
    loss = _cross_entropy(model(x), y)
    loss.backward()
    g = model[0].weight.grad.numpy().copy()
    with dg.no_grad():
        h = dg.relu(model[0](x)).numpy()
    with dg.no_grad():
        for p in model.parameters():
            p.data -= 0.1 * p.grad.data
    monitor.on_train_batch_end(0, {"loss": loss.item()})
    stats = monitor.param_stats["0.weight"]
    assert stats["norm"][0] == pytest.approx(np.linalg.norm(w0), rel=1e-5)
    assert stats["grad_norm"][0] == pytest.approx(np.linalg.norm(g), rel=1e-5)
    assert stats["update_ratio"][0] == pytest.approx(0.1 * np.linalg.norm(g) / np.linalg.norm(w0), rel=1e-4)
    assert monitor.steps == [0]
    relu = monitor.activation_stats["1"]
    assert relu["mean"][0] == pytest.approx(h.mean(), rel=1e-5)
    assert relu["std"][0] == pytest.approx(h.std(), rel=1e-4)
    assert relu["dead_fraction"][0] == pytest.approx((h <= 0).all(axis=0).mean())


def test_sampling_every_n_steps_and_activation_statistics():
    model, (x, y) = _mlp(), _data()
    monitor = LayerMonitor(every=3, module=model)
    _train(monitor, model, 0.05, 7, x, y)
    assert monitor.steps == [0, 3, 6]
    assert len(monitor.param_stats["2.bias"]["update_ratio"]) == 3
    relu = monitor.activation_stats["1"]
    assert len(relu["mean"]) == 3 and len(relu["dead_fraction"]) == 3
    assert 0 <= relu["dead_fraction"][-1] <= 1
    assert "dead_fraction" not in monitor.activation_stats["0"]
    assert not model[0]._forward_hooks  # hooks removed at the end of training


def test_learning_rate_too_high_and_too_low_are_flagged():
    x, y = _data()
    high, low = LayerMonitor(every=1, module=(m1 := _mlp())), LayerMonitor(every=1, module=(m2 := _mlp()))
    _train(high, m1, 5.0, 3, x, y)
    _train(low, m2, 1e-7, 3, x, y)
    assert any("too high" in f for f in high.flags())
    assert any("too low" in f for f in low.flags())
    assert "update/w" in low.format()


def test_dead_relus_are_counted_and_flagged():
    model, (x, y) = _mlp(), _data()
    with dg.no_grad():
        model[0].bias.fill_(-100.0)  # every unit negative: all ReLUs dead
    monitor = LayerMonitor(every=1, module=model)
    _train(monitor, model, 0.01, 2, x, y)
    assert monitor.activation_stats["1"]["dead_fraction"] == [1.0, 1.0]
    assert any("dead" in f for f in monitor.flags())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_is_located_in_the_first_layer_and_op():
    nn = dg.nn

    class LogLayer(nn.Module):
        def forward(self, x):
            return dg.log(x)  # log of negative numbers: NaN

    model = nn.Sequential(nn.Linear(8, 8), LogLayer(), nn.Linear(8, 3))
    x, y = _data()
    monitor = LayerMonitor(every=100, module=model)

    class Engine:
        stop_training = False

    monitor.set_model(Engine())
    monitor._module = model
    _train(monitor, model, 0.01, 2, x, y)
    event = monitor.nonfinite
    assert event is not None and event.step == 0
    assert event.layer == "1" and event.op == "Log" and event.where == "layer"
    assert "'1'" in event.message and "Log" in event.message
    assert monitor.model.stop_training is True
    assert any("Log" in f for f in monitor.flags())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_parameter_and_nan_loss_are_named():
    model, (x, y) = _mlp(), _data()
    with dg.no_grad():
        model[2].weight.data[0, 0] = math.inf
    monitor = LayerMonitor(module=model)
    _train(monitor, model, 0.01, 1, x, y)
    assert monitor.nonfinite.where == "parameter" and "2.weight" in monitor.nonfinite.message

    model = _mlp()
    monitor = LayerMonitor(module=model)
    monitor.on_train_batch_begin(0)
    model(x)
    monitor.on_train_batch_end(0, {"loss": float("nan")})
    assert monitor.nonfinite.where == "loss"


def test_every_must_be_positive():
    with pytest.raises(ValueError, match="every"):
        LayerMonitor(every=0)


def test_monitor_as_a_fit_callback():
    x, y = _data(256)
    model = dg.Model(_mlp())
    model.compile(optimizer=dg.optim.SGD(model.module.parameters(), lr=0.05), loss=dg.nn.CrossEntropyLoss())
    monitor = LayerMonitor(every=2)
    model.fit(x.numpy(), y, epochs=2, batch_size=32, verbose=0, callbacks=[monitor])
    assert monitor.steps == list(range(0, 16, 2))  # 8 steps per epoch, global step count
    assert set(monitor.param_stats) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert all(r > 0 for r in monitor.param_stats["0.weight"]["update_ratio"])
    assert monitor.params["epochs"] == 2  # the engine's set_params still works
    assert not model.module[0]._forward_hooks


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_fit_stops_at_the_first_nan_and_names_it():
    x, y = _data(256)
    x = x.numpy() * 1e30  # overflow in the first matmul's square terms and the softmax
    model = dg.Model(_mlp())
    model.compile(optimizer=dg.optim.SGD(model.module.parameters(), lr=1e3), loss=dg.nn.CrossEntropyLoss())
    monitor = LayerMonitor(every=1)
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0, callbacks=[monitor])
    assert monitor.nonfinite is not None
    assert len(history.history["loss"]) < 5  # training stopped early
    assert monitor.nonfinite.where in ("layer", "loss", "gradient", "parameter")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_gradient_with_a_finite_forward_pass_is_named():
    nn = dg.nn

    class SqrtOfZero(nn.Module):
        def forward(self, x):
            return x + dg.sqrt(x * 0.0)  # forward: x; backward: inf * 0 = NaN

    model = nn.Sequential(nn.Linear(8, 8), SqrtOfZero(), nn.Linear(8, 3))
    x, y = _data()
    monitor = LayerMonitor(every=1, module=model)
    monitor.on_train_batch_begin(0)
    loss = _cross_entropy(model(x), y)
    loss.backward()
    monitor.on_train_batch_end(0, {"loss": loss.item()})
    assert math.isfinite(loss.item())
    assert monitor.nonfinite.where == "gradient" and monitor.nonfinite.layer == "0.weight"
