"""BackupAndRestore: a killed run, restarted with the same command, continues from the last completed
epoch and ends with exactly the weights an uninterrupted run would have.

After every epoch but the last it writes (atomically) one safetensors file with the
weights, the optimizer state (moments, step counts, learning rates), the epoch and step counters, the
random generator's state (so shuffling and dropout repeat), the History so far, and the state of every
callback that has `state_dict()` (EarlyStopping, ReduceLROnPlateau, LR schedulers, ...). On restart
`on_train_begin` loads it back; a finished run deletes it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ... import random
from .. import saving
from .base import Callback


class BackupAndRestore(Callback):
    """Back up training state to `backup_dir` each epoch; resume from it when `fit` is called again."""

    def __init__(self, backup_dir: str | os.PathLike, save_freq="epoch", delete_checkpoint: bool = True):
        super().__init__()
        if save_freq != "epoch":
            raise NotImplementedError("BackupAndRestore backs up once per epoch (save_freq='epoch')")
        self.backup_dir = Path(backup_dir)
        self.delete_checkpoint = delete_checkpoint

    @property
    def path(self) -> Path:
        return self.backup_dir / "backup.safetensors"

    def _callbacks(self) -> list:
        return [cb for cb in self.model._engine().get("callbacks", []) if cb is not self]

    def on_train_begin(self, logs=None):
        state = self.model._engine()
        if not self.path.exists():
            return
        tensors, info = saving.read(self.path)
        self.model.load_weights(self.path)
        saving.restore_training_state(self.model, tensors, info, self.path)
        extra = saving.extra_state(tensors, info)
        random.set_rng_state(extra["rng"])
        history = self.model.history
        history.history = {k: list(v) for k, v in extra["history"].items()}
        history.epoch = list(extra["epochs"])
        pending = {}
        for i, cb in enumerate(self._callbacks()):
            key = f"{i}:{type(cb).__name__}"
            if key in extra["callbacks"]:
                pending[cb] = extra["callbacks"][key]
        state["pending_callback_states"] = pending
        state["resume_epoch"] = state["epoch"]

    def _after_epoch_end(self, epoch: int) -> None:
        """Called by the engine after every callback's on_epoch_end, so their updates are included."""
        if epoch + 1 < self.params.get("epochs", 0) and not self.model.stop_training:
            self._backup()

    def _backup(self) -> None:
        callbacks = {}
        for i, cb in enumerate(self._callbacks()):
            if hasattr(cb, "state_dict"):
                callbacks[f"{i}:{type(cb).__name__}"] = cb.state_dict()
        extra = {
            "rng": random.get_rng_state(),
            "history": self.model.history.history,
            "epochs": self.model.history.epoch,
            "callbacks": callbacks,
        }
        saving.save_model(self.model, self.path, extra=extra)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and self.path.exists():
            self.path.unlink()
