"""Functional activations (PyTorch's names and arguments)."""

from __future__ import annotations

from ... import backend, ops
from ...ops import activation as _act
from ...ops.activation import elu, gelu, leaky_relu, silu, softplus
from ...random import default_generator
from ...tensor import Tensor

__all__ = [
    "relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "log_softmax",
    "softplus", "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "logsigmoid", "softsign",
    "selu", "celu", "rrelu", "softmin", "softshrink", "hardshrink", "tanhshrink", "threshold", "glu",
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


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """scale · elu(x, alpha) with the self-normalizing constants; `inplace` is accepted and ignored."""
    return _act.selu(x)


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, alpha · (e^(x/alpha) - 1) elsewhere; `inplace` is accepted and ignored."""
    return _act.celu(x, alpha)


def rrelu(x: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element when `training`
    (deepglass's generator, so `manual_seed` repeats it) and is (lower + upper) / 2 otherwise."""
    if not lower <= upper:
        raise ValueError(f"rrelu: lower bound {lower} must not exceed upper bound {upper}")
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    noise = default_generator().uniform(lower, upper, size=x.shape).astype(x.dtype)
    xp = x.xp
    slope = xp.where(x.data > 0, xp.ones((), x.dtype), backend.to_device(noise, x.device))
    return x * Tensor._wrap(slope)


def softmin(x: Tensor, dim: int | None = None) -> Tensor:
    """softmax(-x) along `dim` (the last when None, as deepglass's `softmax`)."""
    return ops.softmax(-x, dim=-1 if dim is None else dim)


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    return _act.softshrink(x, lambd)


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere."""
    return _act.hardshrink(x, lambd)


def tanhshrink(x: Tensor) -> Tensor:
    """x - tanh(x)."""
    return _act.tanhshrink(x)


def threshold(x: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, `value` elsewhere; `inplace` is accepted and ignored."""
    return _act.threshold(x, threshold, value)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit a · sigmoid(b), a and b the two halves of `x` along `dim`: (*, 2n, *) → (*, n, *)."""
    if x.ndim == 0:
        raise ValueError("glu: a 0-D input has no dimension to halve")
    size = x.shape[dim]
    if size % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {dim} of input of shape "
                         f"{tuple(x.shape)} has size {size}")
    a, b = ops.split(x, size // 2, dim=dim)
    return a * ops.sigmoid(b)
