"""The closed registry of classes an architecture config may name.

A saved model's JSON config names its layers by class name ("Dense", "Conv2D", ...). Loading looks the
name up here and calls `cls.from_config(config)`; nothing else is ever imported or called. Only classes
defined inside deepglass can be registered, so a file cannot make the loader run arbitrary code (the
route of Keras's `safe_mode` CVEs).
"""

from __future__ import annotations

_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: allow `cls` (a deepglass class) in architecture configs under its class name."""
    if not cls.__module__.startswith("deepglass."):
        raise ValueError(f"only deepglass classes can be registered, not {cls.__module__}.{cls.__qualname__}")
    name = cls.__name__
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"two classes registered as {name!r}: {_REGISTRY[name]} and {cls}")
    _REGISTRY[name] = cls
    return cls


def lookup(name: str, source: str = "the config") -> type:
    """The registered class called `name`; a clear error listing the allowed names otherwise."""
    if not _REGISTRY:
        import deepglass.keras  # noqa: F401  (registers the Keras layers and models)
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(
            f"{source} names class {name!r}, which is not a deepglass layer; only these can be loaded: "
            f"{', '.join(sorted(_REGISTRY))}"
        )
    return _REGISTRY[name]


def registered() -> dict[str, type]:
    """A copy of the registry (name → class)."""
    return dict(_REGISTRY)
