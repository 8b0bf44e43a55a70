"""LRScheduler: the base of learning-rate schedules — it rewrites `group["lr"]` of an optimizer at each `step()`.

Semantics follow `torch.optim.lr_scheduler`: the constructor records `initial_lr` in every group and makes
an initial step (epoch 0); each `step()` then advances `last_epoch` by one and sets the new rates. Most
schedules are "chainable": they multiply the current `group["lr"]`, so two schedulers on one optimizer
compose (e.g. a warm-up times a decay).

    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(); sched.step()
"""

from __future__ import annotations

import types
from typing import Any

from ..optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses write `get_lr()` (the rates for `self.last_epoch`) and may write the
    closed form `_get_closed_form_lr()`, used by `step(epoch)` and when `SequentialLR` restarts a schedule."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param 'initial_lr' is not specified in param_groups[{i}] when "
                        f"resuming with last_epoch={last_epoch}; load the optimizer's state dict first"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._is_initial = False
        self._initial_step()

    def _initial_step(self) -> None:
        """The step the constructor makes, to epoch 0 (or `last_epoch + 1` when resuming)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of each parameter group at `self.last_epoch` (called by `step`)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest `step()`, one per parameter group."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or iteration) and write the new rates into the optimizer's groups.

        Call it after `optimizer.step()`. Passing `epoch` jumps there using the closed form (deprecated in
        PyTorch, kept for compatibility).
        """
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr") else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _group_lrs(self) -> list[float]:
        """The current rates, unchanged (what a schedule returns on epochs where nothing happens)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer, as plain values (functions given by the user are left out)."""
        return {
            key: value
            for key, value in self.__dict__.items()
            if key != "optimizer" and not isinstance(value, (types.FunctionType, types.MethodType))
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()`; build the scheduler first, with the same optimizer and arguments."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={getattr(self, 'last_epoch', None)}, last_lr={self.get_last_lr()})"


def format_per_group(name: str, optimizer: Optimizer, value) -> list:
    """A per-group argument (`max_lr`, `base_momentum`, ...): one value for all groups, or a list of them."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} has {len(value)} values but the optimizer has {len(optimizer.param_groups)} param groups"
            )
        return list(value)
    return [value] * len(optimizer.param_groups)
