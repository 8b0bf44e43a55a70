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
