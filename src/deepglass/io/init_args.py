"""Constructor arguments, recorded so an object can be described as JSON and built again (`get_config`).

`record_init_args(cls)` wraps a class's own `__init__`: the outermost constructor call of an instance stores
its arguments (defaults filled in, `**kwargs` spread out) in `instance._config`. Keras layers and metrics
use it, so a saved model is rebuilt from class names and these arguments, never from pickled objects.
"""

from __future__ import annotations

import functools
import inspect


def record_init_args(cls: type) -> None:
    """Make `cls(...)` keep its constructor arguments in `instance.__dict__['_config']` (once per instance)."""
    if "__init__" not in cls.__dict__:
        return
    original = cls.__dict__["__init__"]
    signature = inspect.signature(original)

    @functools.wraps(original)
    def __init__(self, *args, **kw):
        if "_config" not in self.__dict__:  # a subclass's constructor calling super() keeps the outer arguments
            bound = signature.bind(self, *args, **kw)
            bound.apply_defaults()
            config = dict(bound.arguments)
            config.pop("self")
            extra = config.pop("kwargs", {}) or {}
            self.__dict__["_config"] = {**config, **extra}
        original(self, *args, **kw)

    cls.__init__ = __init__
