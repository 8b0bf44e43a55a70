"""UpSampling2D: repeat rows and columns of channels_last images (nearest) or interpolate (bilinear)."""

from __future__ import annotations

from ... import nn
from ...io import register
from ..layer import Layer
from .conv import from_nchw, pair, to_nchw


@register
class UpSampling2D(Layer):
    """(N, H, W, C) → (N, H·sh, W·sw, C)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(**kwargs)
        self.size, self.data_format, self.interpolation = pair(size), data_format or "channels_last", interpolation
        align = False if interpolation == "bilinear" else None
        self.op = nn.Upsample(scale_factor=self.size, mode=interpolation, align_corners=align)

    def call(self, x):
        return from_nchw(self.op(to_nchw(x, self.data_format)), self.data_format)
