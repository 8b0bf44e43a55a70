"""History: records every epoch's logs; `fit()` returns it (`history.history['val_loss']`)."""

from __future__ import annotations

from .base import Callback


class History(Callback):
    """`history` maps each log key to a list of Python floats, one per epoch; `epoch` lists the epochs."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        # a model trained twice continues one History, as in Keras when fit() is called again
        if not hasattr(self, "history"):
            self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"
