"""Pooling on channels_last images: MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D."""

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
    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format, self.keepdims = data_format or "channels_last", keepdims

    def call(self, x):
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        return self._reduce(x, axes)


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
