"""BackupAndRestore: a run killed with SIGKILL mid-epoch and restarted with the same command ends with
weights identical to an uninterrupted run (optimizer moments, LR schedule, RNG and callbacks restored)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    import deepglass as dg
    from deepglass.keras import Sequential, callbacks
    from deepglass.keras.layers import BatchNormalization, Dense, Dropout

    workdir = sys.argv[1]
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("int64")
    model = Sequential([Dense(32, activation="relu", input_shape=(6,)), BatchNormalization(), Dropout(0.3),
                        Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    marker = os.path.join(workdir, "killed-once")

    def maybe_die(batch, logs):
        # the first run kills itself in the middle of epoch 2; a restart (same command) runs through
        if os.environ.get("KILL_AT_EPOCH_2") and model.epoch == 2 and batch == 4 and not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)

    model.fit(x, y, epochs=5, batch_size=32, validation_split=0.2, verbose=0, callbacks=[
        callbacks.BackupAndRestore(os.path.join(workdir, "backup")),
        callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.8),  # depends on the restored rate
        callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0, min_delta=0.05),
        callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True),
        callbacks.LambdaCallback(on_train_batch_end=maybe_die),
    ])
    np.savez(os.path.join(workdir, "final.npz"), **model.state_dict(), lr=model.history.history["lr"],
             loss=model.history.history["loss"])
    """
)


def _run(workdir, kill: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, KILL_AT_EPOCH_2="1" if kill else "")
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(workdir)], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_epoch_then_rerun_matches_uninterrupted_run(tmp_path):
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    straight.mkdir()
    interrupted.mkdir()
    assert _run(straight, kill=False).returncode == 0

    first = _run(interrupted, kill=True)
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert (interrupted / "backup" / "backup.safetensors").is_file()  # epochs 0-1 completed and backed up
    assert not (interrupted / "final.npz").exists()
    second = _run(interrupted, kill=True)  # the same command again
    assert second.returncode == 0, second.stderr
    assert not (interrupted / "backup" / "backup.safetensors").exists()  # deleted after a finished run

    expected, got = np.load(straight / "final.npz"), np.load(interrupted / "final.npz")
    assert set(expected.files) == set(got.files)
    for key in expected.files:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    assert len(got["loss"]) == 5 and len(set(got["lr"].tolist())) == 5  # the LR schedule did act
