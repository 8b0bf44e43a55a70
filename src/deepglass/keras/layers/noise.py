"""Regularizing noise, active only while training: GaussianNoise, GaussianDropout, SpatialDropout2D."""

from __future__ import annotations

import math

from ... import nn
from ...creation import randn
from ...io import register
from ..layer import Layer
from .conv import from_nchw, to_nchw


@register
class GaussianNoise(Layer):
    """Add N(0, stddev²) noise to every input while training; the identity at inference."""

    def __init__(self, stddev: float, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = float(stddev)

    def call(self, x):
        if not self.training or self.stddev == 0:
            return x
        return x + randn(*x.shape, dtype=x.dtype, device=x.device) * self.stddev


@register
class GaussianDropout(Layer):
    """Multiply every input by N(1, rate/(1 − rate)) noise while training; the identity at inference."""

    def __init__(self, rate: float, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"GaussianDropout: rate must be in [0, 1), got {rate}")
        self.rate = float(rate)

    def call(self, x):
        if not self.training or self.rate == 0:
            return x
        std = math.sqrt(self.rate / (1.0 - self.rate))
        return x * (randn(*x.shape, dtype=x.dtype, device=x.device) * std + 1.0)


@register
class SpatialDropout2D(Layer):
    """Drop whole feature maps (channels) with probability `rate` while training, scaling the rest by 1/(1−rate)."""

    def __init__(self, rate: float, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.data_format = float(rate), data_format or "channels_last"
        self.op = nn.Dropout2d(self.rate)

    def call(self, x):
        return from_nchw(self.op(to_nchw(x, self.data_format)), self.data_format)
