"""Keras activation names → functions on Tensors (`Dense(64, activation='relu')`)."""

from __future__ import annotations

import math

from .. import ops
from ..tensor import Tensor


def linear(x: Tensor) -> Tensor:
    return x


def relu(x: Tensor, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Tensor:
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    out = ops.where(x >= threshold, x, negative_slope * (x - threshold))
    return out if max_value is None else ops.minimum(out, max_value)


def sigmoid(x: Tensor) -> Tensor:
    return ops.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return ops.tanh(x)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return ops.softmax(x, axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return ops.log_softmax(x, axis=axis)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    return ops.where(x > 0, x, alpha * ops.expm1(ops.minimum(x, 0.0)))


def selu(x: Tensor) -> Tensor:
    return 1.0507009873554805 * elu(x, 1.6732632423543772)


def softplus(x: Tensor) -> Tensor:
    return ops.relu(x) + ops.log1p(ops.exp(-ops.abs(x)))


def softsign(x: Tensor) -> Tensor:
    return x / (1.0 + ops.abs(x))


def swish(x: Tensor) -> Tensor:
    return x * ops.sigmoid(x)


silu = swish


def gelu(x: Tensor, approximate: bool = False) -> Tensor:
    if approximate:
        return 0.5 * x * (1.0 + ops.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)))
    from ..nn import functional as F

    return F.gelu(x) if hasattr(F, "gelu") else 0.5 * x * (1.0 + ops.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))


def leaky_relu(x: Tensor, negative_slope: float = 0.2) -> Tensor:
    return ops.where(x >= 0, x, negative_slope * x)


def relu6(x: Tensor) -> Tensor:
    return ops.clip(x, 0.0, 6.0)


def hard_sigmoid(x: Tensor) -> Tensor:
    return ops.clip(x / 6.0 + 0.5, 0.0, 1.0)


def exponential(x: Tensor) -> Tensor:
    return ops.exp(x)


_BY_NAME = {
    f.__name__: f
    for f in (
        linear,
        relu,
        sigmoid,
        tanh,
        softmax,
        log_softmax,
        elu,
        selu,
        softplus,
        softsign,
        swish,
        gelu,
        leaky_relu,
        relu6,
        hard_sigmoid,
        exponential,
    )
}
_BY_NAME["silu"] = swish


def get(identifier):
    """The activation function for a name (None → linear) or one of these functions."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"unknown activation {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise TypeError(f"cannot interpret {identifier!r} as an activation")


def serialize(activation) -> str | None:
    """The name to store in a config; only the functions of this module can be saved."""
    if activation is None or isinstance(activation, str):
        return activation
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    raise ValueError(f"activation {activation!r} is not a deepglass.keras activation, so it cannot be saved")
