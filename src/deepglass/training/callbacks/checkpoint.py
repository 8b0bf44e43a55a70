"""ModelCheckpoint: save the model (or its weights) after each epoch, or only when it improved.

`filepath` may hold `{epoch:02d}` and any log key (`{val_loss:.2f}`). Files are written atomically, so a
crash mid-save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os

from .monitor import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Save to `filepath` at each epoch end; with `save_best_only`, only when `monitor` improved."""

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        initial_value_threshold: float | None = None,
    ):
        super().__init__(monitor, mode)
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint saves once per epoch (save_freq='epoch')")
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        if initial_value_threshold is not None:
            self.best = initial_value_threshold

    def on_train_begin(self, logs=None):
        if self.save_best_only:
            super().on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            value = self.current(logs)
            if value is None or not self.improved(value):
                return
            if self.verbose:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {value:.5f}, "
                    f"saving model to {path}"
                )
            self.best = value
        elif self.verbose:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)

    def state_dict(self) -> dict:
        return {"best": float(self.best)}

    def load_state_dict(self, state: dict) -> None:
        self.best = state["best"]
