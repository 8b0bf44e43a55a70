"""Pooling on channels_last images and sequences: Max/AveragePooling1D/2D, GlobalAverage/MaxPooling1D/2D."""

from __future__ import annotations

import math

from ... import nn, ops
from ...io import register
from ..layer import Layer, same_padding
from .conv import from_nchw, pair, to_nchw


class _Pool(Layer):
    def __init__(self, pool_size=(2, 2), strides=None, padding: str = "valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = pair(pool_size)
        self.strides = pair(strides) if strides is not None else self.pool_size
        self.padding, self.data_format = padding.lower(), data_format or "channels_last"
        if self.padding not in ("valid", "same"):
            raise ValueError(f"{type(self).__name__}: padding must be 'valid' or 'same', got {padding!r}")
        self.op = self._make_op()

    def call(self, x):
        x = to_nchw(x, self.data_format)
        if self.padding == "same":
            pads = [same_padding(size, k, s) for size, k, s in zip(x.shape[2:], self.pool_size, self.strides)]
            if any(p for pair_ in pads for p in pair_):
                x = self._pad(x, pads)
        return from_nchw(self.op(x), self.data_format)


@register
class MaxPooling2D(_Pool):
    """The maximum of each pool_size window (stride defaults to pool_size)."""

    def _make_op(self):
        return nn.MaxPool2d(self.pool_size, self.strides)

    def _pad(self, x, pads):
        return ops.pad(x, [(0, 0), (0, 0), *pads], value=-math.inf)


@register
class AveragePooling2D(_Pool):
    """The mean of each pool_size window ('same' padding averages only the real values, like Keras)."""

    def _make_op(self):
        return nn.AvgPool2d(self.pool_size, self.strides)

    def _pad(self, x, pads):
        ones = x.xp.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
        from ...tensor import Tensor

        counts = self.op(ops.pad(Tensor._wrap(ones), [(0, 0), (0, 0), *pads]))
        self._counts = counts
        return ops.pad(x, [(0, 0), (0, 0), *pads])

    def call(self, x):
        self._counts = None
        out = super().call(x)
        if self._counts is not None:
            out = out / from_nchw(self._counts, self.data_format)
        return out


class _GlobalPool(Layer):
    """Reduce the `RANK` spatial axes: (N, H, W, C) → (N, C) for images, (N, L, C) → (N, C) for sequences."""

    RANK = 2

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format, self.keepdims = data_format or "channels_last", keepdims

    def call(self, x):
        first = 2 if self.data_format == "channels_first" else 1
        return self._reduce(x, tuple(range(first, first + self.RANK)))


@register
class GlobalAveragePooling2D(_GlobalPool):
    """(N, H, W, C) → (N, C): the mean of each feature map."""

    def _reduce(self, x, axes):
        return x.mean(axis=axes, keepdims=self.keepdims)


@register
class GlobalMaxPooling2D(_GlobalPool):
    """(N, H, W, C) → (N, C): the maximum of each feature map."""

    def _reduce(self, x, axes):
        return x.max(axis=axes, keepdims=self.keepdims)


class _Pool1D(Layer):
    """Pooling over sequences (N, L, C): the 2-D layer on (N, 1, L, C) images, so 'same' padding is shared."""

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = pool_size, strides, padding
        self.data_format = data_format or "channels_last"
        self.pool2d = self._pool2d((1, int(pool_size)), None if strides is None else (1, int(strides)), padding,
                                   name=f"{self.name}_2d")  # named: Keras's automatic names stay in step

    def call(self, x):
        x = x if self.data_format == "channels_last" else x.permute(0, 2, 1)
        out = self.pool2d(x.unsqueeze(1)).squeeze(1)
        return out if self.data_format == "channels_last" else out.permute(0, 2, 1)


@register
class MaxPooling1D(_Pool1D):
    """The maximum of each pool_size window along the sequence (stride defaults to pool_size)."""

    _pool2d = MaxPooling2D


@register
class AveragePooling1D(_Pool1D):
    """The mean of each pool_size window along the sequence ('same' averages only the real values)."""

    _pool2d = AveragePooling2D


@register
class GlobalAveragePooling1D(GlobalAveragePooling2D):
    """(N, L, C) → (N, C): the mean over the sequence."""

    RANK = 1


@register
class GlobalMaxPooling1D(GlobalMaxPooling2D):
    """(N, L, C) → (N, C): the maximum over the sequence."""

    RANK = 1
