"""Functional activations (PyTorch's names and arguments)."""

from __future__ import annotations

from ... import ops
from ...ops.activation import elu, gelu, leaky_relu, silu, softplus
from ...tensor import Tensor

__all__ = [
    "relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "log_softmax",
    "softplus", "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "logsigmoid", "softsign",
]


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0). `inplace` is accepted for PyTorch compatibility and ignored (ops never mutate inputs)."""
    return ops.relu(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x), stable for any x."""
    return ops.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent, in (-1, 1)."""
    return ops.tanh(x)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, weight * x elsewhere; `weight` has 1 or C (= x.shape[1]) elements."""
    if weight.numel() != 1:
        if x.ndim < 2 or x.shape[1] != weight.numel():
            raise ValueError(f"prelu: weight of {weight.numel()} elements does not match input of shape {x.shape}")
        weight = weight.reshape((1, -1) + (1,) * (x.ndim - 2))
    return ops.relu(x) + weight * ops.minimum(x, 0.0)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """Clamp into [min_val, max_val]."""
    return ops.clip(x, min_val, max_val)


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6): ReLU capped at 6 (hardtanh into [0, 6])."""
    return ops.clip(x, 0.0, 6.0)


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between (a cheap sigmoid, MobileNetV3's)."""
    return ops.clip(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """x · hardsigmoid(x): a cheap SiLU (MobileNetV3's activation)."""
    return x * hardsigmoid(x)


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """x · tanh(softplus(x)), a smooth non-monotonic ReLU."""
    return x * ops.tanh(softplus(x))


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for any x."""
    return -softplus(-x)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|), in (-1, 1)."""
    return x / (ops.abs(x) + 1.0)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`."""
    return ops.softmax(x, dim=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) along `dim`, stable for large logits."""
    return ops.log_softmax(x, dim=dim)
