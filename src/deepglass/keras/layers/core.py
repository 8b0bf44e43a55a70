"""Core Keras layers: Dense, Activation, Dropout, Flatten, Reshape, ReLU, LeakyReLU, Softmax, ELU, PReLU,
Embedding, Identity, Lambda.

Each wraps the dg.nn layer doing the work (`self.op`), so there is one implementation, two spellings.
"""

from __future__ import annotations

import numpy as np

from ... import nn, ops
from ...io import register
from ...tensor import Tensor
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

    KERAS_LAYOUT = {"op.weight": "kernel"}  # get_weights: (in, units), as Keras

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


@register
class ELU(Layer):
    """x where x > 0, alpha·(eˣ − 1) elsewhere."""

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, x):
        return activations.elu(x, self.alpha)


@register
class PReLU(Layer):
    """x where x > 0, alpha·x elsewhere, with alpha learned per input element (Keras's default) or shared along
    `shared_axes` (e.g. [1, 2]: one alpha per channel of (N, H, W, C) images)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        if alpha_regularizer is not None or alpha_constraint is not None:
            raise NotImplementedError("PReLU: alpha_regularizer and alpha_constraint are not supported")
        self.alpha_initializer = alpha_initializer
        self.shared_axes = [] if shared_axes is None else [int(a) for a in np.atleast_1d(shared_axes)]
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def build(self, input_shape) -> None:
        shape = tuple(1 if i + 1 in self.shared_axes else int(d) for i, d in enumerate(input_shape))
        self.alpha = nn.Parameter(Tensor(np.zeros(shape, np.float32)))
        initializers.get(self.alpha_initializer)(self.alpha)

    def call(self, x):
        return ops.relu(x) - self.alpha * ops.relu(-x)


@register
class Embedding(Layer):
    """Integer indices (N, ...) → vectors (N, ..., output_dim): row i of a learned (input_dim, output_dim) table."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform", mask_zero: bool = False,
                 **kwargs):
        kwargs.pop("input_length", None)  # Keras 2's argument: the shape comes from the data
        super().__init__(**kwargs)
        if mask_zero:
            raise NotImplementedError("Embedding: mask_zero (masking) is not supported")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.op = nn.Embedding(self.input_dim, self.output_dim)
        initializers.get(embeddings_initializer)(self.op.weight)
        self.built = True

    def call(self, x):
        return self.op(x)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim}  # the base drops Dense's input_dim shortcut


@register
class Identity(Layer):
    """Its input, unchanged (a placeholder)."""

    def call(self, x):
        return x


class Lambda(Layer):
    """Wrap any function of the input as a layer: Lambda(lambda x: x * 2). It holds code, so a model with one
    saves its weights (`save_weights`), not its architecture."""

    def __init__(self, function, output_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function

    def call(self, x):
        return self.function(x)

    def get_config(self) -> dict:
        raise ValueError(f"{self.name}: a Lambda layer holds code, which deepglass never serializes; "
                         "save the weights (save_weights) and rebuild the model in code")
