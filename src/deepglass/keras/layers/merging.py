"""Layers joining several inputs: Concatenate (along an axis) and Add (elementwise sum)."""

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
