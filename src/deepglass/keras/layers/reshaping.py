"""Reshaping layers on channels_last images: UpSampling2D, ZeroPadding2D, Cropping2D, Permute."""

from __future__ import annotations

from ... import nn
from ...io import register
from ...nn import functional as F
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


def _two_pairs(value, name: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's spellings: n → ((n, n), (n, n)); (a, b) → ((a, a), (b, b)); ((top, bottom), (left, right))."""
    if isinstance(value, int):
        return (value, value), (value, value)
    a, b = value
    if isinstance(a, int) and isinstance(b, int):
        return (a, a), (b, b)
    (top, bottom), (left, right) = a, b
    if min(top, bottom, left, right) < 0:
        raise ValueError(f"{name}: negative sizes in {value}")
    return (int(top), int(bottom)), (int(left), int(right))


@register
class ZeroPadding2D(Layer):
    """Zero rows above/below and columns left/right of each image: (N, H, W, C) → (N, H+t+b, W+l+r, C)."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding, self.data_format = _two_pairs(padding, "ZeroPadding2D"), data_format or "channels_last"

    def call(self, x):
        (top, bottom), (left, right) = self.padding
        return from_nchw(F.pad(to_nchw(x, self.data_format), (left, right, top, bottom)), self.data_format)


@register
class Cropping2D(Layer):
    """Drop rows above/below and columns left/right of each image: (N, H, W, C) → (N, H−t−b, W−l−r, C)."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping, self.data_format = _two_pairs(cropping, "Cropping2D"), data_format or "channels_last"

    def call(self, x):
        (top, bottom), (left, right) = self.cropping
        x = to_nchw(x, self.data_format)
        h, w = x.shape[2:]
        if top + bottom >= h or left + right >= w:
            raise ValueError(f"{self.name}: cropping {self.cropping} leaves nothing of {h}×{w} images")
        return from_nchw(x[:, :, top:h - bottom, left:w - right], self.data_format)


@register
class Permute(Layer):
    """Reorder the axes after the batch: Permute((2, 1)) swaps the first two (1-based, as in Keras)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(self.dims)}, got {self.dims}")

    def call(self, x):
        return x.permute(0, *self.dims)
