"""Learning-rate callbacks: a schedule function per epoch, reduce-on-plateau, or any dg.optim scheduler.

They write `param_groups[i]['lr']` of the optimizer; the engine logs the rate as `lr` every epoch.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import Callback
from .monitor import MonitorCallback


def _set_lr(optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = float(lr)


class LearningRateScheduler(Callback):
    """At each epoch start, `lr = schedule(epoch, lr)` (or `schedule(epoch)`), as in Keras."""

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(self.model.optimizer.param_groups[0]["lr"])
        try:
            new = self.schedule(epoch, lr)
        except TypeError:
            new = self.schedule(epoch)
        if not isinstance(new, (float, int)):
            raise ValueError(f"LearningRateScheduler: the schedule must return a number, got {new!r}")
        _set_lr(self.model.optimizer, new)
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}.")


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the rate by `factor` after `patience` epochs without improvement (then wait `cooldown`)."""

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        super().__init__(monitor, mode, min_delta)
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.wait, self.cooldown_counter = 0, 0

    def on_epoch_end(self, epoch, logs=None):
        value = self.current(logs)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improved(value):
            self.best, self.wait = value, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.model.optimizer.param_groups[0]["lr"])
                new = max(old * self.factor, self.min_lr)
                if old - new > 1e-12:
                    _set_lr(self.model.optimizer, new)
                    if self.verbose:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                self.cooldown_counter, self.wait = self.cooldown, 0

    def state_dict(self) -> dict:
        return {"best": float(self.best), "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.wait, self.cooldown_counter = state["best"], state["wait"], state["cooldown_counter"]


class LRScheduler(Callback):
    """Step a `dg.optim.lr_scheduler` scheduler after every epoch (or batch, `interval='batch'`); a
    ReduceLROnPlateau scheduler is stepped with the `monitor` value. Its state is saved by backups."""

    def __init__(self, scheduler, interval: str = "epoch", monitor: str = "val_loss"):
        super().__init__()
        if interval not in ("epoch", "batch"):
            raise ValueError(f"interval must be 'epoch' or 'batch', got {interval!r}")
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor

    def on_train_batch_end(self, batch, logs=None):
        if self.interval == "batch":
            self.scheduler.step()

    def on_epoch_end(self, epoch, logs=None):
        if self.interval != "epoch":
            return
        if type(self.scheduler).__name__ == "ReduceLROnPlateau":
            self.scheduler.step((logs or {})[self.monitor])
        else:
            self.scheduler.step()

    def state_dict(self) -> dict:
        return {"scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.scheduler.load_state_dict(state["scheduler"])
