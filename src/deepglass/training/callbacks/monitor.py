"""What "better" means for a monitored quantity: min for losses, max for accuracy-like metrics."""

from __future__ import annotations

import math

from .base import Callback, check_monitor

_MAX_WORDS = ("acc", "auc", "precision", "recall", "f1", "iou", "dice", "fmeasure")


def resolve_mode(monitor: str, mode: str) -> str:
    """'min' or 'max'; 'auto' picks max for accuracy, AUC, precision, recall, F1, IoU and Dice."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "max" if any(word in name for word in _MAX_WORDS) else "min"


class MonitorCallback(Callback):
    """Base for callbacks watching one logged value; checks at train begin that it will exist."""

    def __init__(self, monitor: str, mode: str = "auto", min_delta: float = 0.0):
        super().__init__()
        self.monitor, self.mode = monitor, resolve_mode(monitor, mode)
        self.min_delta = abs(min_delta)
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_train_begin(self, logs=None):
        check_monitor(self, self.monitor)

    def current(self, logs) -> float | None:
        logs = logs or {}
        if self.monitor not in logs:
            check_monitor(self, self.monitor, logs)
            return None
        return float(logs[self.monitor])

    def improved(self, value: float, reference: float | None = None) -> bool:
        reference = self.best if reference is None else reference
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta
