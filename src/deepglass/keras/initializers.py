"""Keras initializer names and objects, applied to dg.nn weights (fans are the same in both layouts).

Keras's normal-distribution variance-scaling initializers (glorot_normal, he_normal, lecun_normal) draw
from a normal truncated at ±2σ, rescaled by 1/0.87962566 so the variance is still the intended one.
"""

from __future__ import annotations

import math

from ..autograd.grad_mode import no_grad
from ..nn import init
from ..nn.init import _calculate_fan_in_and_fan_out

_TRUNC_STD = 0.87962566103423978


class Initializer:
    """Fills a dg.nn weight in place: `initializer(tensor)`."""

    def __call__(self, tensor):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class VarianceScaling(Initializer):
    """scale / fan (fan_in, fan_out or their average), from a truncated normal, normal or uniform."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal", seed=None):
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, tensor):
        fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor) if tensor.ndim > 1 else (tensor.shape[0],) * 2
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        with no_grad():
            if self.distribution == "truncated_normal":
                std = math.sqrt(variance) / _TRUNC_STD
                return init.trunc_normal_(tensor, 0.0, std, -2 * std, 2 * std)
            if self.distribution in ("normal", "untruncated_normal"):
                return init.normal_(tensor, 0.0, math.sqrt(variance))
            limit = math.sqrt(3.0 * variance)
            return init.uniform_(tensor, -limit, limit)


def _variance(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config})


GlorotUniform = _variance("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _variance("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _variance("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _variance("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _variance("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Zeros(Initializer):
    def __call__(self, tensor):
        with no_grad():
            return init.zeros_(tensor)


class Ones(Initializer):
    def __call__(self, tensor):
        with no_grad():
            return init.ones_(tensor)


class Constant(Initializer):
    def __init__(self, value: float = 0.0):
        self.value = value

    def __call__(self, tensor):
        with no_grad():
            return init.constant_(tensor, self.value)


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, tensor):
        with no_grad():
            return init.normal_(tensor, self.mean, self.stddev)


class TruncatedNormal(RandomNormal):
    def __call__(self, tensor):
        with no_grad():
            return init.trunc_normal_(
                tensor, self.mean, self.stddev, self.mean - 2 * self.stddev, self.mean + 2 * self.stddev
            )


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, tensor):
        with no_grad():
            return init.uniform_(tensor, self.minval, self.maxval)


class Orthogonal(Initializer):
    def __init__(self, gain: float = 1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, tensor):
        with no_grad():
            return init.orthogonal_(tensor, self.gain)


_CLASSES = {
    cls.__name__: cls
    for cls in (
        GlorotUniform,
        GlorotNormal,
        HeUniform,
        HeNormal,
        LecunUniform,
        LecunNormal,
        Zeros,
        Ones,
        Constant,
        RandomNormal,
        TruncatedNormal,
        RandomUniform,
        Orthogonal,
        VarianceScaling,
    )
}
_BY_NAME = {
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "zeros": Zeros,
    "zero": Zeros,
    "ones": Ones,
    "one": Ones,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "normal": RandomNormal,
    "truncated_normal": TruncatedNormal,
    "orthogonal": Orthogonal,
    "constant": Constant,
    "xavier_uniform": GlorotUniform,
    "xavier_normal": GlorotNormal,
}


def get(identifier) -> Initializer:
    """An Initializer from a name ('he_normal'), a config dict, or an Initializer."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() not in _BY_NAME:
            raise ValueError(f"unknown initializer {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return _CLASSES[identifier["class_name"]](**identifier.get("config", {}))
    raise TypeError(f"cannot interpret {identifier!r} as an initializer")


def serialize(initializer) -> str | dict:
    if isinstance(initializer, str):
        return initializer
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
