"""Saving: bit-identical predictions after load, exact resume, atomic writes, refused bad files, no code."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepglass as dg
from deepglass import io, nn
from deepglass.keras import Sequential, load_model
from deepglass.keras.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D


def _cnn():
    return Sequential(
        [
            Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
            BatchNormalization(),
            MaxPooling2D(),
            Flatten(),
            Dropout(0.2),
            Dense(3, activation="softmax"),
        ]
    )


def _data():
    rng = np.random.default_rng(0)
    return rng.random((48, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, 48)


def test_save_load_gives_bit_identical_predictions(tmp_path):
    x, y = _data()
    model = _cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "model.safetensors")
    loaded = load_model(tmp_path / "model.safetensors")
    assert type(loaded) is Sequential and [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.epoch == 2 and type(loaded.optimizer).__name__ == "Adam"
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_resume_continues_exactly(tmp_path):
    x, y = _data()
    dg.manual_seed(1)
    straight = _cnn()
    straight.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    straight.fit(x, y, epochs=2, batch_size=16, verbose=0)
    straight.save(tmp_path / "mid.safetensors")
    rng_state = dg.get_rng_state()
    straight.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0)

    resumed = load_model(tmp_path / "mid.safetensors")
    dg.set_rng_state(rng_state)
    resumed.fit(x, y, epochs=4, initial_epoch=resumed.epoch, batch_size=16, verbose=0)
    for key, value in straight.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[key], value)  # Adam moments and steps were restored


def test_weights_only_files_are_plain_safetensors(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    model = dg.Model(nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)))
    model.save_weights(tmp_path / "w.safetensors")
    theirs = st.load_file(str(tmp_path / "w.safetensors"))
    assert set(theirs) == set(model.module.state_dict())
    other = dg.Model(nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)))
    other.load_weights(tmp_path / "w.safetensors")
    x = np.ones((4, 3), np.float32)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(RuntimeError, match=r"(?s)w\.safetensors.*shape mismatch"):
        dg.Model(nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5))).load_weights(tmp_path / "w.safetensors")


def test_plain_module_model_resumes_optimizer_state(tmp_path):
    x, y = np.random.default_rng(0).random((20, 3)).astype(np.float32), np.arange(20) % 2
    model = dg.Model(nn.Sequential(nn.Linear(3, 2)))
    model.compile(optimizer=dg.optim.Adam(model.module.parameters(), lr=0.01), loss=nn.CrossEntropyLoss())
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.safetensors")
    twin = dg.Model(nn.Sequential(nn.Linear(3, 2)))
    twin.compile(optimizer=dg.optim.Adam(twin.module.parameters(), lr=0.01), loss=nn.CrossEntropyLoss())
    twin.load_training_state(tmp_path / "m.safetensors")
    assert twin.epoch == 2
    a, b = model.optimizer.state_dict(), twin.optimizer.state_dict()
    for index, state in a["state"].items():
        np.testing.assert_array_equal(state["exp_avg_sq"], b["state"][index]["exp_avg_sq"])
    with pytest.raises(ValueError, match="no architecture.*load_weights"):
        load_model(tmp_path / "m.safetensors")


def test_truncated_checkpoint_is_refused_and_previous_survives(tmp_path):
    x, y = _data()
    model = _cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    path = tmp_path / "ckpt.safetensors"
    model.save(path)
    good = path.read_bytes()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(io.SafetensorsError, match=r"bad\.safetensors.*truncated"):
        load_model(bad)

    def crash(*args, **kwargs):
        raise OSError("disk full")  # a save that dies half way

    real = io.atomic.os.replace
    io.atomic.os.replace = crash
    try:
        with pytest.raises(OSError):
            model.fit(x, y, epochs=1, verbose=0)
            model.save(path)
    finally:
        io.atomic.os.replace = real
    assert path.read_bytes() == good
    assert load_model(path).count_params() == model.count_params()


def test_foreign_file_gives_clear_error(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(io.SafetensorsError, match=r"model\.h5 is not a valid safetensors file"):
        load_model(path)
    plain = io.save_file({"w": np.zeros(2, np.float32)}, tmp_path / "plain.safetensors")
    with pytest.raises(ValueError, match="not a deepglass model"):
        load_model(plain)


@pytest.mark.parametrize("class_name", ["os.system", "Lambda", "builtins.eval", "Module"])
def test_architecture_can_only_name_registered_layers(tmp_path, class_name):
    model = _cnn()
    model.save(tmp_path / "m.safetensors")
    tensors, metadata = io.load_file(tmp_path / "m.safetensors")
    info = json.loads(metadata["deepglass"])
    info["architecture"]["config"]["layers"][0]["class_name"] = class_name
    metadata["deepglass"] = json.dumps(info)
    io.save_file(tensors, tmp_path / "evil.safetensors", metadata=metadata)
    with pytest.raises(ValueError, match=f"names class '{class_name}', which is not a deepglass layer"):
        load_model(tmp_path / "evil.safetensors")


def test_registry_accepts_only_deepglass_classes():
    class Evil:
        pass

    with pytest.raises(ValueError, match="only deepglass classes"):
        io.register(Evil)


@pytest.mark.parametrize("loss", [
    nn.CrossEntropyLoss(weight=[1.0, 2.0, 0.5], ignore_index=1, label_smoothing=0.1, reduction="sum"),
    nn.MultiMarginLoss(p=2, margin=0.5, weight=dg.tensor([1.0, 3.0, 1.0])),
    nn.NLLLoss(),
])
def test_a_dg_nn_loss_keeps_its_options_through_save_and_load(tmp_path, loss):
    x, y = _data()
    model = _cnn()
    model.compile(optimizer="adam", loss=loss)
    model.save(tmp_path / "model.safetensors")
    rebuilt = load_model(tmp_path / "model.safetensors").loss_fn.fn
    assert type(rebuilt) is type(loss) and rebuilt is not loss
    assert json.dumps(rebuilt.get_config()) == json.dumps(loss.get_config())
    logits = dg.randn(6, 3)
    target = dg.tensor(y[:6])
    assert rebuilt(logits, target).item() == pytest.approx(loss(logits, target).item(), rel=1e-6)


def test_metrics_with_arguments_are_rebuilt_after_load(tmp_path):
    from deepglass.keras import metrics

    x, y = _data()
    binary = (y == 0).astype(np.float32)
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(64,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=[metrics.SensitivityAtSpecificity(0.6), metrics.TruePositives(thresholds=0.3),
                           metrics.BinaryIoU(target_class_ids=[1], threshold=0.4, name="iou_one"), "auc"])
    flat = x.reshape(48, -1)
    expected = model.evaluate(flat, binary, verbose=0, return_dict=True)
    model.save(tmp_path / "model.safetensors")
    loaded = load_model(tmp_path / "model.safetensors")
    assert loaded.evaluate(flat, binary, verbose=0, return_dict=True) == expected
    assert set(expected) == {"loss", "sensitivity_at_specificity", "true_positives", "iou_one", "auc"}
    config = metrics.SensitivityAtSpecificity(0.6).get_config()
    assert config == {"specificity": 0.6, "num_thresholds": 200, "class_id": None, "name": "sensitivity_at_specificity"}


def test_weighted_metrics_are_rebuilt_after_load(tmp_path):
    x, y = _data()
    w = np.linspace(0.0, 1.0, len(y)).astype(np.float32)
    model = _cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy", dg.training.metrics.SparseTopKCategoricalAccuracy(k=2)])
    model.fit(x, y, sample_weight=w, epochs=1, batch_size=16, verbose=0)
    want = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    assert list(want) == ["loss", "accuracy", "weighted_accuracy", "weighted_sparse_top_k_categorical_accuracy"]
    model.save(tmp_path / "weighted.safetensors")
    loaded = load_model(tmp_path / "weighted.safetensors")
    assert loaded.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True) == pytest.approx(want, rel=1e-6)
