"""EarlyStopping: stop when the monitored value stops improving; optionally restore the best weights.

Unlike Keras 2, the best weights are restored also when training runs to its last epoch without
stopping early (a known pitfall), and the state (best, wait, best weights) is saved by BackupAndRestore.
"""

from __future__ import annotations

import numpy as np

from .monitor import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stop after `patience` epochs without an improvement larger than `min_delta` in `monitor`."""

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self._reset()

    def _reset(self) -> None:
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_weights = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        value = self.current(logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.module.state_dict()  # so there is always something to restore
        self.wait += 1
        if self.improved(value):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.module.state_dict()
            if self.baseline is None or self.improved(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.module.load_state_dict(self.best_weights)

    def state_dict(self) -> dict:
        return {
            "wait": self.wait,
            "best": float(self.best),
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state: dict) -> None:
        self.wait, self.best, self.best_epoch = state["wait"], state["best"], state["best_epoch"]
        self.stopped_epoch = state["stopped_epoch"]
        self.best_weights = None if state["best_weights"] is None else dict(state["best_weights"])
