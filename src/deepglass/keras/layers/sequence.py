"""Layers on sequences (N, steps, features) and small utility layers: ZeroPadding1D, Cropping1D,
UpSampling1D, RepeatVector, SpatialDropout1D, AlphaDropout, UnitNormalization, Dot, ActivityRegularization."""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from ...io import register
from ...nn import functional as F
from ...random import default_generator
from ...tensor import Tensor
from ..layer import Layer


def _pair_1d(value, name: str) -> tuple[int, int]:
    """n → (n, n); (a, b) stays; sizes must be non-negative integers."""
    a, b = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if int(a) != a or int(b) != b or min(a, b) < 0:
        raise ValueError(f"{name}: expected a non-negative int or a pair of them, got {value!r}")
    return int(a), int(b)


def _steps_axis(data_format) -> int:
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return 1 if data_format == "channels_last" else 2


def _mask(shape, keep_probability: float, like: Tensor) -> Tensor:
    """A 0/1 Tensor of `shape` (1 with probability `keep_probability`), drawn from deepglass's generator."""
    keep = default_generator().random(shape) < keep_probability
    return Tensor(keep.astype(like.dtype), device=like.device)


@register
class ZeroPadding1D(Layer):
    """Zero steps before and after each sequence: (N, steps, C) → (N, left + steps + right, C)."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding, self.axis = _pair_1d(padding, "ZeroPadding1D"), _steps_axis(data_format)

    def call(self, x):
        if x.ndim != 3:
            raise ValueError(f"{self.name}: expected a 3-D input (batch, steps, features), got shape {x.shape}")
        if self.axis == 2:
            return F.pad(x, self.padding)
        return F.pad(x.permute(0, 2, 1), self.padding).permute(0, 2, 1)


@register
class Cropping1D(Layer):
    """Drop steps at the start and end of each sequence: (N, steps, C) → (N, steps − start − end, C)."""

    def __init__(self, cropping=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping, self.axis = _pair_1d(cropping, "Cropping1D"), _steps_axis(data_format)

    def call(self, x):
        if x.ndim != 3:
            raise ValueError(f"{self.name}: expected a 3-D input (batch, steps, features), got shape {x.shape}")
        start, end = self.cropping
        steps = x.shape[self.axis]
        if start + end >= steps:
            raise ValueError(f"{self.name}: cropping {self.cropping} leaves nothing of {steps} steps")
        return x[:, start:steps - end] if self.axis == 1 else x[:, :, start:steps - end]


@register
class UpSampling1D(Layer):
    """Repeat each step `size` times: (N, steps, C) → (N, steps·size, C)."""

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(**kwargs)
        if int(size) < 1:
            raise ValueError(f"UpSampling1D: size must be >= 1, got {size}")
        self.size = int(size)

    def call(self, x):
        if x.ndim != 3:
            raise ValueError(f"{self.name}: expected a 3-D input (batch, steps, features), got shape {x.shape}")
        n, steps, c = x.shape
        return x.unsqueeze(2).expand(n, steps, self.size, c).reshape(n, steps * self.size, c)


@register
class RepeatVector(Layer):
    """Repeat a vector `n` times: (N, features) → (N, n, features) (e.g. to feed an encoding to a decoder RNN)."""

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise TypeError(f"RepeatVector: n must be a positive integer, got {n!r}")
        self.n = int(n)

    def call(self, x):
        if x.ndim != 2:
            raise ValueError(f"{self.name}: expected a 2-D input (batch, features), got shape {x.shape}")
        return x.unsqueeze(1).expand(x.shape[0], self.n, x.shape[1])


@register
class SpatialDropout1D(Layer):
    """Drop whole feature channels (the same ones at every step) with probability `rate` while training,
    scaling the rest by 1/(1 − rate); the identity at inference. Input (N, steps, C)."""

    def __init__(self, rate: float, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"SpatialDropout1D: rate must be in [0, 1], got {rate}")
        self.rate = float(rate)

    def call(self, x):
        if x.ndim != 3:
            raise ValueError(f"{self.name}: expected a 3-D input (batch, steps, features), got shape {x.shape}")
        if not self.training or self.rate == 0:
            return x
        if self.rate == 1:
            return x * 0.0
        return x * (_mask((x.shape[0], 1, x.shape[2]), 1.0 - self.rate, x) * (1.0 / (1.0 - self.rate)))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@register
class AlphaDropout(Layer):
    """Dropout for self-normalizing networks (SELU): dropped units are set to SELU's negative saturation
    `-alpha·scale`, then an affine map `a·x + b` restores the inputs' mean and variance. Training only."""

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"AlphaDropout: rate must be in [0, 1], got {rate}")
        self.rate, self.noise_shape = float(rate), None if noise_shape is None else tuple(noise_shape)

    def call(self, x):
        if not self.training or not 0 < self.rate < 1:
            return x
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        shape = x.shape if self.noise_shape is None else tuple(
            d if d is not None else x.shape[i] for i, d in enumerate(self.noise_shape)
        )
        keep = _mask(shape, 1.0 - self.rate, x)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = x * keep + (1.0 - keep) * alpha_p
        return x * a + b


def _l2_normalize(x, axis, epsilon: float = 1e-12):
    """`x / max(‖x‖₂, epsilon)` along `axis` (an int or a tuple), as keras.ops.normalize."""
    square_sum = (x * x).sum(dim=axis, keepdim=True)
    return x * ops.maximum(square_sum, epsilon * epsilon).rsqrt()  # = min(1/‖x‖, 1/epsilon)


@register
class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm along `axis` (default the last; an int or a list of axes)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, x):
        return _l2_normalize(x, self.axis)


def _batch_dot(x, y, axes: tuple[int, int]):
    """Keras's batch_dot: contract axis axes[0] of x with axis axes[1] of y, sample by sample. The result has
    x's other axes then y's (after the batch axis); a result of shape (N,) becomes (N, 1)."""
    ax, ay = axes
    x = x.movedim(ax, -1)
    y = y.movedim(ay, 1)
    x_rest, y_rest = x.shape[1:-1], y.shape[2:]
    n, d = x.shape[0], x.shape[-1]
    out = x.reshape(n, math.prod(x_rest), d).bmm(y.reshape(n, d, math.prod(y_rest)))
    out = out.reshape(n, *x_rest, *y_rest)
    return out.reshape(n, 1) if out.ndim == 1 else out


@register
class Dot(Layer):
    """The dot product of two samples along `axes`: `Dot(axes=1)([a, b])` on (N, d) inputs gives (N, 1);
    `Dot(axes=(2, 2))` on (N, s, d) and (N, t, d) gives (N, s, t) (attention scores). `normalize=True`
    L2-normalizes both along the contracted axes first: the cosine similarity."""

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2:
                raise ValueError(f"Dot: axes must be an int or a pair of ints, got {axes!r}")
            axes = (int(axes[0]), int(axes[1]))
        elif isinstance(axes, (int, np.integer)):
            axes = int(axes)
        else:
            raise TypeError(f"Dot: axes must be an int or a pair of ints, got {axes!r}")
        self.axes, self.normalize = axes, bool(normalize)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"{self.name}: Dot takes a list of exactly 2 inputs")
        x, y = inputs
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        axes = (axes[0] % x.ndim, axes[1] % y.ndim)
        if 0 in axes:
            raise ValueError(f"{self.name}: Dot cannot contract the batch axis (axes={self.axes})")
        if x.shape[axes[0]] != y.shape[axes[1]]:
            raise ValueError(f"{self.name}: incompatible shapes {x.shape} and {y.shape} along axes {axes} "
                             f"({x.shape[axes[0]]} != {y.shape[axes[1]]})")
        if self.normalize:
            x, y = _l2_normalize(x, axes[0]), _l2_normalize(y, axes[1])
        return _batch_dot(x, y, axes)


@register
class ActivityRegularization(Layer):
    """The identity, adding `l1·Σ|x| + l2·Σx²` of its input (summed over the batch, as Keras 3) to the loss
    that fit/evaluate minimize and report."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if l1 < 0 or l2 < 0:
            raise ValueError(f"ActivityRegularization: l1 and l2 must be >= 0, got l1={l1}, l2={l2}")
        self.l1, self.l2 = float(l1), float(l2)
        self.__dict__["_activity_loss"] = None

    def call(self, x):
        penalty = None
        if self.l1:
            penalty = ops.abs(x).sum() * self.l1
        if self.l2:
            term = (x * x).sum() * self.l2
            penalty = term if penalty is None else penalty + term
        self.__dict__["_activity_loss"] = penalty
        return x

    def regularization_loss(self):
        """The penalty of the latest call (then forgotten, so a loss is added once per forward pass)."""
        penalty = self.__dict__.get("_activity_loss")
        self.__dict__["_activity_loss"] = None
        return penalty

    @property
    def losses(self) -> list:
        """Keras's `layer.losses`: the penalty of the latest call, if any."""
        penalty = self.__dict__.get("_activity_loss")
        return [] if penalty is None else [penalty]
