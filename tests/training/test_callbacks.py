"""Callbacks: early stopping (best weights also at the last epoch), checkpoints, LR control, logging."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import deepglass as dg
from deepglass.training import callbacks as C


class _Scripted(C.Callback):
    """Overwrites val_loss with scripted values, so a test controls what 'improving' means."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


def test_early_stopping_stops_and_restores_best(mlp, blobs):
    x, y = blobs
    snapshots = []
    keep = C.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(mlp.module.state_dict()))
    stop = C.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = mlp.fit(
        x,
        y,
        epochs=10,
        validation_split=0.2,
        verbose=0,
        callbacks=[_Scripted([5, 3, 4, 4, 1, 1, 1, 1, 1, 1]), keep, stop],
    )
    assert len(history.epoch) == 4 and stop.stopped_epoch == 3 and stop.best_epoch == 1
    for key, value in snapshots[1].items():
        np.testing.assert_array_equal(mlp.module.state_dict()[key], value)


def test_best_weights_restored_when_training_reaches_its_last_epoch(mlp, blobs):
    x, y = blobs
    snapshots = []
    keep = C.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(mlp.module.state_dict()))
    stop = C.EarlyStopping(patience=5, restore_best_weights=True)
    mlp.fit(x, y, epochs=4, validation_split=0.2, verbose=0, callbacks=[_Scripted([3, 1, 2, 2]), keep, stop])
    assert stop.stopped_epoch == 0  # never stopped early
    for key, value in snapshots[1].items():
        np.testing.assert_array_equal(mlp.module.state_dict()[key], value)


@pytest.mark.parametrize(
    "callback",
    [
        lambda: C.EarlyStopping(monitor="val_acc"),
        lambda: C.ReduceLROnPlateau(monitor="val_acc"),
        lambda: C.ModelCheckpoint("unused.safetensors", monitor="val_acc", save_best_only=True),
    ],
)
def test_monitoring_a_missing_metric_fails_at_once(mlp, blobs, callback):
    x, y = blobs
    steps = []
    with pytest.raises(ValueError, match="'val_acc'.*available: loss, accuracy, val_loss, val_accuracy, lr"):
        mlp.fit(
            x,
            y,
            epochs=2,
            validation_split=0.2,
            verbose=0,
            callbacks=[callback(), C.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(b))],
        )
    assert steps == []  # before any training step


def test_model_checkpoint_save_best_only(mlp, blobs, tmp_path):
    x, y = blobs
    saved = []
    ckpt = C.ModelCheckpoint(
        str(tmp_path / "best-{epoch:02d}.safetensors"), save_best_only=True, save_weights_only=True
    )
    record = C.LambdaCallback(on_epoch_end=lambda e, logs: saved.append(sorted(p.name for p in tmp_path.iterdir())))
    mlp.fit(x, y, epochs=4, validation_split=0.2, verbose=0, callbacks=[_Scripted([3, 2, 2.5, 1]), ckpt, record])
    assert saved[-1] == ["best-01.safetensors", "best-02.safetensors", "best-04.safetensors"]
    every = C.ModelCheckpoint(tmp_path / "last.safetensors")
    mlp.fit(x, y, epochs=1, verbose=0, callbacks=[every])
    assert (tmp_path / "last.safetensors").is_file()


def test_learning_rate_scheduler_and_lr_in_history(mlp, blobs):
    x, y = blobs
    history = mlp.fit(
        x, y, epochs=3, verbose=0, callbacks=[C.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))]
    )
    assert history.history["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_reduce_lr_on_plateau(mlp, blobs):
    x, y = blobs
    mlp.optimizer.param_groups[0]["lr"] = 0.01
    reduce = C.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=0.002)
    history = mlp.fit(
        x, y, epochs=6, validation_split=0.2, verbose=0, callbacks=[_Scripted([1, 1, 1, 1, 1, 1]), reduce]
    )
    assert history.history["lr"] == pytest.approx([0.01, 0.01, 0.005, 0.0025, 0.002, 0.002])


def test_lr_scheduler_wraps_dg_optim_schedulers(mlp, blobs):
    x, y = blobs
    schedule = dg.optim.lr_scheduler.StepLR(mlp.optimizer, step_size=1, gamma=0.5)
    history = mlp.fit(x, y, epochs=3, verbose=0, callbacks=[C.LRScheduler(schedule)])
    assert history.history["lr"] == pytest.approx([0.02, 0.01, 0.005])  # the rate used during each epoch


def test_csv_logger(mlp, blobs, tmp_path):
    x, y = blobs
    path = tmp_path / "log.csv"
    mlp.fit(x, y, epochs=2, validation_split=0.2, verbose=0, callbacks=[C.CSVLogger(path)])
    mlp.fit(x, y, epochs=1, validation_split=0.2, verbose=0, callbacks=[C.CSVLogger(path, append=True)])
    rows = list(csv.DictReader(path.open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "0"]
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert float(rows[1]["loss"]) > 0


def test_terminate_on_nan(mlp, blobs):
    x, y = blobs
    x = x.copy()
    x[100:] = np.nan
    steps = []
    mlp.fit(
        x,
        y,
        epochs=3,
        batch_size=50,
        shuffle=False,
        verbose=0,
        callbacks=[C.TerminateOnNaN(), C.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(b))],
    )
    assert steps == [0, 1, 2] and math.isnan(mlp.history.history["loss"][0])


def test_lambda_callback_hooks_and_unknown_hook(mlp, blobs):
    x, y = blobs
    calls = []
    cb = C.LambdaCallback(
        on_train_begin=lambda logs: calls.append("begin"),
        on_epoch_end=lambda e, logs: calls.append(e),
        on_train_end=lambda logs: calls.append("end"),
    )
    mlp.fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert calls == ["begin", 0, 1, "end"]
    with pytest.raises(TypeError, match="on_epoch_ned"):
        C.LambdaCallback(on_epoch_ned=print)


def test_tensorboard_event_files(mlp, blobs, tmp_path):
    try:
        import tensorboardX  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"pip install 'deepglass\[tensorboard\]'"):
            C.TensorBoard(tmp_path)
        pytest.skip("tensorboardX is not installed; checked the error message only")
    x, y = blobs
    mlp.fit(x, y, epochs=2, validation_split=0.2, verbose=0, callbacks=[C.TensorBoard(tmp_path, histogram_freq=1)])
    from tensorboardX.proto import event_pb2

    def scalars(folder, tag):
        """Read a TFRecord event file (length, crc, Event proto, crc) the way TensorBoard does."""
        data, values, at = next(folder.iterdir()).read_bytes(), [], 0
        while at < len(data):
            size = int.from_bytes(data[at : at + 8], "little")
            event = event_pb2.Event.FromString(data[at + 12 : at + 12 + size])
            values += [v.simple_value for v in event.summary.value if v.tag == tag]
            at += 12 + size + 4
        return values

    assert scalars(tmp_path / "train", "epoch_loss") == pytest.approx(mlp.history.history["loss"])
    assert scalars(tmp_path / "validation", "epoch_loss") == pytest.approx(mlp.history.history["val_loss"])
