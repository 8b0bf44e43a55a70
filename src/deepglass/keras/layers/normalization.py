"""BatchNormalization, LayerNormalization and GroupNormalization with Keras's arguments over dg.nn's layers.

Keras's momentum is the weight of the OLD running value (0.99), PyTorch's the weight of the new batch,
so `momentum=m` becomes `1 − m`; Keras's default epsilon is 1e-3. Normalizes the last axis (channels_last).
"""

from __future__ import annotations

from ... import nn
from ...io import register
from .. import initializers
from ..layer import Layer


def init_affine(layer, op) -> None:
    """Keras's gamma/beta initializers on a dg.nn norm layer's weight/bias; `scale=False` / `center=False`
    freeze them (at 1 and 0)."""
    if op.weight is not None:
        initializers.get(layer.gamma_initializer)(op.weight)
        initializers.get(layer.beta_initializer)(op.bias)
        op.weight.requires_grad_(layer.scale)
        op.bias.requires_grad_(layer.center)


@register
class BatchNormalization(Layer):
    """Normalize each channel (axis=-1) with batch statistics in training, running ones at inference."""

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def build(self, input_shape) -> None:
        rank = len(input_shape) + 1
        self._axis = self.axis % rank
        channels = int(input_shape[self._axis - 1])
        cls = nn.BatchNorm2d if rank == 4 else nn.BatchNorm1d
        self.op = cls(channels, eps=self.epsilon, momentum=1.0 - self.momentum, affine=self.center or self.scale)
        init_affine(self, self.op)

    def call(self, x):
        if self._axis == 1 or x.ndim == 2:
            return self.op(x)
        order = [0, self._axis] + [i for i in range(1, x.ndim) if i != self._axis]
        back = [order.index(i) for i in range(x.ndim)]
        return self.op(x.permute(*order)).permute(*back)


@register
class LayerNormalization(Layer):
    """Normalize each sample over its last axis (mean 0, variance 1), then scale by gamma and shift by beta."""

    def __init__(self, axis: int = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int):
            raise NotImplementedError(f"LayerNormalization: axis must be one int (the last), got {axis!r}")
        self.axis, self.epsilon, self.center, self.scale = axis, float(epsilon), center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def build(self, input_shape) -> None:
        if self.axis % (len(input_shape) + 1) != len(input_shape):
            raise NotImplementedError(f"{self.name}: only the last axis is supported (axis=-1), got axis={self.axis}")
        self.op = nn.LayerNorm(int(input_shape[-1]), eps=self.epsilon, elementwise_affine=self.center or self.scale)
        init_affine(self, self.op)

    def call(self, x):
        return self.op(x)


@register
class GroupNormalization(Layer):
    """Normalize groups of channels (the last axis) of each sample; `groups=-1` is instance normalization.
    Independent of the batch size, so it suits small medical-imaging batches."""

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if axis != -1:
            raise NotImplementedError(f"GroupNormalization: only axis=-1 (channels_last) is supported, got {axis}")
        self.groups, self.axis, self.epsilon, self.center, self.scale = groups, axis, float(epsilon), center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def build(self, input_shape) -> None:
        channels = int(input_shape[-1])
        groups = channels if self.groups == -1 else self.groups
        if channels % groups:
            raise ValueError(f"{self.name}: {channels} channels cannot be split into {groups} groups")
        self.op = nn.GroupNorm(groups, channels, eps=self.epsilon, affine=self.center or self.scale)
        init_affine(self, self.op)

    def call(self, x):
        order = (0, x.ndim - 1, *range(1, x.ndim - 1))  # channels_last → channels first, and back
        back = (0, *range(2, x.ndim), 1)
        return self.op(x.permute(*order)).permute(*back)
