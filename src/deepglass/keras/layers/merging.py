"""Layers joining several inputs: Concatenate (along an axis), Add, Subtract, Multiply, Average, Maximum, Minimum."""

from __future__ import annotations

from ... import ops
from ...io import register
from ..layer import Layer


@register
class Concatenate(Layer):
    """Join a list of tensors along `axis` (default the last, the channels)."""

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)


@register
class Add(Layer):
    """The elementwise sum of a list of same-shaped tensors (residual connections)."""

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


@register
class Subtract(Layer):
    """inputs[0] − inputs[1], for exactly two same-shaped tensors."""

    def call(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"{self.name}: Subtract takes exactly 2 inputs, got {len(inputs)}")
        return inputs[0] - inputs[1]


class _Elementwise(Layer):
    """Fold a list of same-shaped tensors with one binary op."""

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = self.combine(out, x)
        return out


@register
class Multiply(_Elementwise):
    """The elementwise product of a list of same-shaped tensors (gates, attention weights)."""

    @staticmethod
    def combine(a, b):
        return a * b


@register
class Maximum(_Elementwise):
    """The elementwise maximum of a list of same-shaped tensors."""

    @staticmethod
    def combine(a, b):
        return ops.maximum(a, b)


@register
class Minimum(_Elementwise):
    """The elementwise minimum of a list of same-shaped tensors."""

    @staticmethod
    def combine(a, b):
        return ops.minimum(a, b)


@register
class Average(Add):
    """The elementwise mean of a list of same-shaped tensors."""

    def call(self, inputs):
        return super().call(inputs) * (1.0 / len(inputs))
