"""LambdaCallback: a callback made of plain functions, for one-off hooks."""

from __future__ import annotations

from .base import Callback


class LambdaCallback(Callback):
    """`LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`; any hook name of `Callback` is accepted."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}")
            if fn is not None:
                setattr(self, name, fn)
