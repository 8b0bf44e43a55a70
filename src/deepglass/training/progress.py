"""Keras's progress output: a live bar at verbose=1, one line per epoch at verbose=2, nothing at 0.

When the output is not a terminal (log files, CI, batch jobs) verbose=1 falls back to one line per
epoch, so logs are not flooded with redraws. Redraws are throttled (at most every `interval` seconds),
so the bar costs nothing measurable.

    Epoch 2/5
    312/469 ━━━━━━━━━━━━━╺━━━━━━ ETA: 3s - 21ms/step - accuracy: 0.9712 - loss: 0.0931
    469/469 ━━━━━━━━━━━━━━━━━━━━ 10s 21ms/step - accuracy: 0.9731 - loss: 0.0874 - val_accuracy: ... - lr: 0.001
"""

from __future__ import annotations

import sys
import time

from .callbacks.base import Callback


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{seconds:.0f}s"


def _per_step(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _format_value(value: float) -> str:
    return f"{value:.4e}" if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e4) else f"{value:.4f}"


class Progbar:
    """A text progress bar over `target` steps (None when unknown) writing to `stream`."""

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1, stream=None, interval: float = 0.1):
        self.target, self.width, self.interval = target, width, interval
        self.stream = stream or sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.dynamic = bool(isatty and isatty())
        self.verbose = verbose if (verbose != 1 or self.dynamic) else 2
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._last_width = 0

    def update(self, current: int, values: dict | None = None, finalize: bool | None = None) -> None:
        """Show `current` steps done with `values` (name → float); `finalize` ends the line."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.perf_counter()
        if self.verbose == 1 and not finalize and now - self._last_draw < self.interval:
            return
        if self.verbose != 1 and not finalize:
            return
        self._last_draw = now
        elapsed = now - self.start
        per_step = elapsed / max(current, 1)
        metrics = "".join(f" - {k}: {_format_value(v)}" for k, v in (values or {}).items())
        total = self.target if self.target is not None else "?"
        counter = f"{current}/{total}".rjust(2 * len(str(total)) + 1)
        if self.verbose == 1:
            line = f"{counter} {self._bar(current)} "
            if finalize:
                line += f"{_duration(elapsed)} {_per_step(per_step)}{metrics}"
            else:
                eta = per_step * (self.target - current) if self.target is not None else elapsed
                line += f"ETA: {_duration(eta)} - {_per_step(per_step)}{metrics}"
            pad = " " * max(self._last_width - len(line), 0)
            self._last_width = len(line)
            self.stream.write("\r" + line + pad + ("\n" if finalize else ""))
        else:
            self.stream.write(f"{counter} - {_duration(elapsed)} - {_per_step(per_step)}{metrics}\n")
        self.stream.flush()

    def _bar(self, current: int) -> str:
        if self.target is None or self.target <= 0:
            return "━" * (current % self.width) + "╺"
        done = min(current / self.target, 1.0) * self.width
        full = int(done)
        if full >= self.width:
            return "━" * self.width
        return "━" * full + "╺" + " " * (self.width - full - 1)


class ProgbarLogger(Callback):
    """The callback `fit`/`evaluate`/`predict` add for verbose=1 or 2 (Keras's ProgbarLogger)."""

    def __init__(self, verbose: int = 1, stream=None):
        super().__init__()
        self.verbose, self.stream = verbose, stream
        self.bar: Progbar | None = None
        self.epochs = 1

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", self.verbose)
        self.epochs = params.get("epochs", 1)

    def _shown(self, logs) -> dict:
        names = self.params.get("metrics")
        logs = logs or {}
        if names:
            return {k: logs[k] for k in names if k in logs}
        return {k: v for k, v in logs.items() if k not in ("batch", "size", "batch_loss")}

    def _new_bar(self) -> None:
        self.bar = Progbar(self.params.get("steps"), verbose=self.verbose, stream=self.stream)
        self._seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            stream = self.stream or sys.stdout
            stream.write(f"Epoch {epoch + 1}/{self.epochs}\n")
            stream.flush()
            self._new_bar()

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self._seen = batch + 1
            if self.bar.verbose == 1 and (batch + 1) != self.bar.target:
                self.bar.update(batch + 1, self._shown(logs), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.update(self._seen, self._shown(logs), finalize=True)
            self.bar = None

    def on_test_begin(self, logs=None):
        if self.verbose and not self.params.get("fitting", False):
            self._new_bar()

    def on_test_batch_end(self, batch, logs=None):
        if self.bar is not None and not self.params.get("fitting", False):
            self._seen = batch + 1
            if self.bar.verbose == 1 and (batch + 1) != self.bar.target:
                self.bar.update(batch + 1, self._shown(logs), finalize=False)

    def on_test_end(self, logs=None):
        if self.bar is not None and not self.params.get("fitting", False):
            self.bar.update(self._seen, self._shown(logs), finalize=True)
            self.bar = None

    def on_predict_begin(self, logs=None):
        if self.verbose:
            self._new_bar()

    def on_predict_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self._seen = batch + 1
            if self.bar.verbose == 1 and (batch + 1) != self.bar.target:
                self.bar.update(batch + 1, finalize=False)

    def on_predict_end(self, logs=None):
        if self.bar is not None:
            self.bar.update(self._seen, finalize=True)
            self.bar = None
