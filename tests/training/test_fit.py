"""The one training loop: fit/evaluate/predict on arrays, DataLoaders and generators, reproducibly."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

import deepglass as dg
from deepglass import nn
from deepglass.training.callbacks import LambdaCallback


def test_fit_learns_and_history_follows_keras(mlp, blobs):
    x, y = blobs
    history = mlp.fit(x, y, epochs=8, batch_size=32, validation_split=0.25, verbose=0)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(type(v) is float for values in history.history.values() for v in values)
    assert history.epoch == list(range(8)) and mlp.history is history
    assert history.history["loss"][-1] < history.history["loss"][0] * 0.5
    assert history.history["val_accuracy"][-1] > 0.9
    assert mlp.epoch == 8 and mlp.global_step == 8 * 6


def test_same_seed_gives_bit_identical_weights(blobs, make_model):
    x, y = blobs
    weights = []
    for _ in range(2):
        dg.manual_seed(3)
        model = make_model(dropout=0.3)
        model.compile(optimizer="adam", loss=nn.CrossEntropyLoss())
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        weights.append(model.module.state_dict())
    for key in weights[0]:
        np.testing.assert_array_equal(weights[0][key], weights[1][key])


def test_dataloader_and_generator_inputs(blobs, make_model):
    x, y = blobs
    loader = dg.data.DataLoader(dg.data.ArrayDataset(x, y), batch_size=40, shuffle=True)
    model = make_model()
    model.compile(optimizer=dg.keras.optimizers.Adam(0.02), loss=nn.CrossEntropyLoss(), metrics=["accuracy"])
    history = model.fit(loader, epochs=5, validation_data=loader, verbose=0)
    assert len(history.history["val_loss"]) == 5 and model.global_step == 5 * 6

    def batches():
        while True:
            for i in range(0, 240, 60):
                yield x[i : i + 60], y[i : i + 60]

    model.fit(batches(), steps_per_epoch=4, epochs=2, verbose=0)
    assert model.global_step == 5 * 6 + 2 * 4
    assert model.evaluate(loader, verbose=0)[1] > 0.8


def test_predict_evaluate_and_batch_methods(mlp, blobs):
    x, y = blobs
    mlp.fit(x, y, epochs=3, verbose=0)
    out = mlp.predict(x, batch_size=50, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (240, 3)
    np.testing.assert_allclose(out[:7], mlp.predict_on_batch(x[:7]), rtol=1e-6)
    loss, acc = mlp.evaluate(x, y, batch_size=64, verbose=0)
    assert mlp.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx({"loss": loss, "accuracy": acc})
    # evaluate weighs batches by their size: a different batch size gives the same mean loss
    assert mlp.evaluate(x, y, batch_size=7, verbose=0)[0] == pytest.approx(loss, rel=1e-5)
    before = mlp.module.state_dict()["0.weight"].copy()
    result = mlp.train_on_batch(x[:32], y[:32])
    assert isinstance(result, list) and type(result[0]) is float
    assert not np.array_equal(before, mlp.module.state_dict()["0.weight"])
    assert type(mlp.test_on_batch(x[:32], y[:32], return_dict=True)["loss"]) is float


def test_sample_and_class_weights_weigh_the_loss(blobs, make_model):
    x, y = blobs
    model = make_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.module.train()  # the module outputs logits: compare with from_logits=True by hand
    w = np.random.default_rng(0).random(240).astype(np.float32)
    logits = model.predict(x, verbose=0)
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    per_sample = -log_p[np.arange(240), y]
    model.compile(optimizer="sgd", loss=dg.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert model.evaluate(x, y, sample_weight=w, batch_size=240, verbose=0) == pytest.approx(
        float(np.mean(per_sample * w)), rel=1e-5
    )
    class_weight = {0: 1.0, 1: 2.0, 2: 0.5}
    expected = np.mean(per_sample * np.array([1.0, 2.0, 0.5])[y])
    loss = model.test_on_batch(x, y, sample_weight=np.array([1.0, 2.0, 0.5], np.float32)[y])
    assert loss == pytest.approx(float(expected), rel=1e-5)
    model.fit(x, y, class_weight=class_weight, epochs=1, verbose=0)  # accepted by fit


def test_gradients_are_readable_at_batch_end(mlp, blobs):
    x, y = blobs
    seen = []
    grab = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(mlp.module[0].weight.grad))
    mlp.fit(x, y, epochs=1, batch_size=80, verbose=0, callbacks=[grab])
    assert len(seen) == 3 and all(g is not None and np.abs(g.numpy()).sum() > 0 for g in seen)


def test_forward_error_names_the_layer(mlp):
    expected = r"Sequential layer 2 '2' \(Linear\) failed on input of shape \(2, 8\); it expects \(\*, 16\)"
    with pytest.raises(ValueError, match=expected):
        mlp.module[2].in_features = 16
        mlp.module[0] = nn.Linear(4, 8)  # now layer 2 receives 8 features
        mlp.predict(np.zeros((2, 4), np.float32), verbose=0)


def test_fit_needs_compile(blobs, make_model):
    with pytest.raises(RuntimeError, match="compile"):
        make_model().fit(*blobs, verbose=0)


def test_lazy_module_is_built_before_the_optimizer(blobs):
    x, y = blobs
    model = dg.Model(nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.Linear(8, 3)))
    model.compile(optimizer="adam", loss=nn.CrossEntropyLoss())
    assert model.optimizer is None
    history = model.fit(x, y, epochs=3, verbose=0)
    assert model.module[0].weight.shape == (8, 4)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_progress_output_modes(mlp, blobs, capsys):
    x, y = blobs
    mlp.fit(x, y, epochs=2, batch_size=60, verbose=1)  # captured stdout is not a terminal: one line per epoch
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 2 and "\r" not in out
    assert re.search(r"4/4 - \d+s - \d+(us|ms|s)/step - loss: [\d.]+ - accuracy: [\d.]+ - lr: 0.0200", out)
    mlp.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    mlp.fit(x, y, epochs=1, verbose=2)
    assert capsys.readouterr().out.count("\n") == 2


def test_progress_bar_on_a_terminal():
    from deepglass.training.progress import Progbar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = Progbar(10, stream=stream, interval=0.0)
    for step in range(1, 10):
        bar.update(step, {"loss": 0.5})
    bar.update(10, {"loss": 0.25})
    text = stream.getvalue()
    assert text.count("\r") == 10 and "ETA: " in text and text.endswith("\n") and text.rstrip().endswith("loss: 0.2500")
    assert "10/10 ━━━━━━━━━━━━━━━━━━━━" in text


def test_fit_function_trains_any_module(blobs):
    x, y = blobs
    module = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    history = dg.training.fit(module, x, y, optimizer=dg.keras.optimizers.Adam(0.02), loss=nn.CrossEntropyLoss(),
                              metrics=["accuracy"], epochs=5, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_model_to_moves_the_wrapped_module_and_keeps_the_optimizer(blobs, mlp):
    x, y = blobs
    params = list(mlp.parameters())
    assert mlp.to(dtype=np.float64) is mlp and mlp.cpu() is mlp
    assert list(mlp.parameters()) == params and all(p.dtype == np.float64 for p in params)
    history = mlp.fit(x.astype(np.float64), y, epochs=3, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(p.dtype == np.float64 for p in mlp.parameters())
