"""Whether operations record the graph: `no_grad()` and `enable_grad()`."""

from __future__ import annotations

import functools


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return _GradMode.enabled


class _SetGradMode:
    """Context manager and decorator that sets grad mode and restores it afterwards."""

    mode = True

    def __enter__(self):
        self._previous = _GradMode.enabled
        _GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self._previous
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):
    """Record nothing inside: for evaluation, inference and in-place parameter updates.

    Use as `with dg.no_grad(): ...` or as a decorator `@dg.no_grad()`.
    """

    mode = False


class enable_grad(_SetGradMode):
    """Turn recording back on inside a `no_grad` block."""

    mode = True


class inference_mode(_SetGradMode):
    """`no_grad` under PyTorch's name for inference; `inference_mode(False)` leaves recording as it is."""

    def __init__(self, mode: bool = True):
        self.inference = bool(mode)

    def __enter__(self):
        self._previous = _GradMode.enabled
        if self.inference:
            _GradMode.enabled = False
        return self

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.inference):
                return func(*args, **kwargs)

        return wrapper


class set_grad_enabled(_SetGradMode):
    """Turn recording on or off: at once when called (`dg.set_grad_enabled(False)`), or for a `with` block,
    after which the previous mode comes back, as in PyTorch."""

    def __init__(self, mode: bool):
        self._previous, self.mode = _GradMode.enabled, bool(mode)
        _GradMode.enabled = self.mode

    def __enter__(self):
        return self

    def __call__(self, func):
        _GradMode.enabled = self._previous  # used as a decorator: only calls of `func` change the mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.mode):
                return func(*args, **kwargs)

        return wrapper
