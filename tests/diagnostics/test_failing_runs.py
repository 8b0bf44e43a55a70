"""Real MNIST runs made to fail on purpose, and what diagnose() and LayerMonitor say about them."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics import LayerMonitor, diagnose

_CACHE: dict = {}


@pytest.fixture
def mnist_small(shared_data):
    """2,000 training and 1,000 test digits, flattened (read once per test session)."""
    if "data" not in _CACHE:
        splits = dg.datasets.mnist(root=shared_data / "mnist", download=False).as_float()
        (x, y), (xt, yt) = splits["train"], splits["test"]
        _CACHE["data"] = x[:2000].reshape(2000, -1), y[:2000], xt[:1000].reshape(1000, -1), yt[:1000]
    return _CACHE["data"]


def _run(data, lr, n_train, epochs, every=5):
    x, y, xt, yt = data
    nn = dg.nn
    model = dg.Model(nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10)))
    model.compile(optimizer=dg.optim.SGD(model.module.parameters(), lr=lr), loss=nn.CrossEntropyLoss(),
                  metrics=["accuracy"])
    monitor = LayerMonitor(every=every)
    history = model.fit(x[:n_train], y[:n_train], epochs=epochs, batch_size=64, validation_data=(xt, yt),
                        verbose=0, callbacks=[monitor])
    return diagnose(history), monitor


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_huge_learning_rate(mnist_small):
    found, monitor = _run(mnist_small, lr=50.0, n_train=2000, epochs=3)
    assert set(found.kinds) & {"diverged", "diverging", "oscillating", "exploded"}, str(found)
    assert "learning rate" in str(found)
    assert "overfitting" not in found.kinds
    flags = " ".join(monitor.flags())
    assert "dead" in flags or "too high" in flags or "NaN" in flags, flags


def test_tiny_learning_rate(mnist_small):
    found, monitor = _run(mnist_small, lr=1e-6, n_train=2000, epochs=3)
    assert found.kinds == ["flat"]
    assert any("too low" in f for f in monitor.flags())
    assert monitor.steps == list(range(0, 3 * 32, 5))  # 32 steps per epoch (2000 / 64), sampled every 5


def test_tiny_training_set(mnist_small):
    found, _ = _run(mnist_small, lr=0.1, n_train=64, epochs=40, every=50)
    assert "overfitting" in found.kinds
    f = found[found.kinds.index("overfitting")]
    assert f.evidence.get("gap_end", f.evidence.get("val_rise_relative", 0)) > 0.1


def test_healthy_run_flags_nothing_alarming(mnist_small):
    found, monitor = _run(mnist_small, lr=0.05, n_train=2000, epochs=3)
    assert not set(found.kinds) & {"diverged", "diverging", "oscillating", "exploded", "flat", "overfitting"}
    ratios = [row["update_ratio"] for row in monitor.summary() if row["name"].endswith("weight")]
    assert all(1e-4 < r < 3e-2 for r in ratios), ratios
    assert monitor.nonfinite is None
    assert np.isfinite(monitor.param_stats["0.weight"]["grad_norm"]).all()
