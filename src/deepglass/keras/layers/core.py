"""Core Keras layers: Dense, Activation, Dropout, Flatten, Reshape, ReLU, LeakyReLU, Softmax.

Each wraps the dg.nn layer doing the work (`self.op`), so there is one implementation, two spellings.
"""

from __future__ import annotations

from ... import nn
from ...io import register
from .. import activations, initializers
from ..layer import Layer


def init_weights(op, kernel_initializer, bias_initializer) -> None:
    """Apply Keras initializers to a dg.nn layer's `weight` and `bias`."""
    initializers.get(kernel_initializer)(op.weight)
    if getattr(op, "bias", None) is not None:
        initializers.get(bias_initializer)(op.bias)


@register
class Dense(Layer):
    """`activation(x @ W + b)` over the last axis: (..., in) → (..., units). Built from the input size."""

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units, self.use_bias = int(units), use_bias
        self._set_weight_options(activation, kernel_initializer, bias_initializer, kernel_regularizer,
                                 bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def build(self, input_shape) -> None:
        self.op = nn.Linear(int(input_shape[-1]), self.units, bias=self.use_bias)
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        return self.activation(self.op(x))


@register
class Activation(Layer):
    """Apply an activation by name: Activation('relu')."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, x):
        return self.activation(x)


@register
class ReLU(Layer):
    """max(x, 0), optionally capped at `max_value`, with a leaky `negative_slope` below `threshold`."""

    def __init__(self, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, x):
        return activations.relu(x, self.negative_slope, self.max_value, self.threshold)


@register
class LeakyReLU(Layer):
    """x for x ≥ 0, negative_slope·x below (Keras's default slope 0.3; `alpha=` is the Keras 2 name)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def call(self, x):
        return activations.leaky_relu(x, self.negative_slope)


@register
class Softmax(Layer):
    """exp(x) / sum(exp(x)) along `axis` (the last by default); shape preserved."""
    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, x):
        return activations.softmax(x, self.axis)


@register
class Dropout(Layer):
    """Zero a fraction `rate` of the inputs during training (scaled by 1/(1−rate)); identity at inference."""

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if noise_shape is not None:
            raise NotImplementedError("Dropout: noise_shape is not supported")
        self.rate = float(rate)
        self.op = nn.Dropout(p=self.rate)

    def call(self, x):
        return self.op(x)


@register
class Flatten(Layer):
    """(N, d1, d2, ...) → (N, d1·d2·…), in channels_last order like Keras."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, x):
        if self.data_format == "channels_first" and x.ndim > 2:
            x = x.permute(0, *range(2, x.ndim), 1)
        return x.reshape(x.shape[0], -1)


@register
class Reshape(Layer):
    """(N, ...) → (N, *target_shape); one entry may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, x):
        return x.reshape((x.shape[0], *self.target_shape))
