"""lr_find: sweeps exponentially, suggests a rate in the falling part, and restores everything."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.diagnostics import lr_find
from deepglass.diagnostics.lr_finder import suggest_lr


def _cross_entropy(logits, y):
    y = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    return -(dg.log_softmax(logits, axis=1)[np.arange(len(y)), y]).mean()


def _problem():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 10)).astype(np.float32)
    y = (x[:, :3].sum(axis=1) > 0).astype(np.int64)
    nn = dg.nn
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
    return model, x, y


def test_lr_find_suggests_a_rate_and_restores_weights_optimizer_and_rng():
    model, x, y = _problem()
    opt = dg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    # one real step first, so the optimizer has momentum state to restore
    opt.zero_grad()
    _cross_entropy(model(dg.tensor(x[:32])), y[:32]).backward()
    opt.step()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    momentum = {i: s["momentum_buffer"].copy() for i, s in opt.state_dict()["state"].items()}
    rng_before = dg.get_rng_state()

    result = lr_find(model, x, y, loss_fn=_cross_entropy, optimizer=opt, start_lr=1e-5, end_lr=100.0,
                     num_steps=60, batch_size=32)

    assert len(result.lrs) >= 20
    assert np.all(np.diff(np.log(result.lrs)) > 0)  # exponential sweep
    np.testing.assert_allclose(np.diff(np.log(result.lrs)), np.log(1e7) / 59, rtol=1e-6)
    assert 1e-4 < result.suggestion < 10
    assert result.suggestion <= result.min_loss_lr
    assert min(result.losses) < result.losses[0]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert opt.param_groups[0]["lr"] == 0.01
    for i, s in opt.state_dict()["state"].items():
        np.testing.assert_array_equal(s["momentum_buffer"], momentum[i])
    assert dg.get_rng_state() == rng_before
    assert model.training


def test_lr_find_stops_when_the_loss_explodes():
    model, x, y = _problem()
    opt = dg.optim.SGD(model.parameters(), lr=0.01)
    result = lr_find(model, x, y, loss_fn=_cross_entropy, optimizer=opt, start_lr=1e-3, end_lr=1e6,
                     num_steps=100)
    assert len(result.lrs) < 100
    assert result.lrs[-1] < 1e6


def test_lr_find_takes_an_iterable_of_batches():
    model, x, y = _problem()
    batches = [(x[i: i + 64], y[i: i + 64]) for i in range(0, 256, 64)]
    result = lr_find(model, batches, loss_fn=_cross_entropy, optimizer=dg.optim.SGD(model.parameters(), lr=0.1),
                     num_steps=10)
    assert len(result.lrs) == 10


def test_suggestion_is_the_steepest_fall():
    lrs = np.logspace(-5, 1, 13)
    losses = [2.0, 2.0, 2.0, 1.99, 1.9, 1.5, 0.9, 0.7, 0.65, 0.6, 0.9, 3.0, 9.0]
    steep, lowest = suggest_lr(list(lrs), losses)
    assert steep == pytest.approx(lrs[5]) and lowest == pytest.approx(lrs[9])


def test_lr_find_needs_loss_and_optimizer():
    model, x, y = _problem()
    with pytest.raises(ValueError, match="loss_fn"):
        lr_find(model, x, y)


def test_lr_find_on_a_compiled_training_model():
    module, x, y = _problem()
    model = dg.Model(module)
    model.compile(optimizer=dg.optim.SGD(module.parameters(), lr=0.01), loss=dg.nn.CrossEntropyLoss())
    before = {k: v.copy() for k, v in module.state_dict().items()}
    result = lr_find(model, x, y, num_steps=30, start_lr=1e-4, end_lr=10.0)
    assert len(result.lrs) > 10 and result.suggestion is not None
    for k, v in module.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    history = model.fit(x, y, epochs=1, batch_size=64, verbose=0)  # the model still trains normally
    assert np.isfinite(history.history["loss"][0])
