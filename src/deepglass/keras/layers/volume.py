"""Volumetric Keras layers on channels_last volumes (N, D, H, W, C): Conv3D, Conv3DTranspose, Max/AveragePooling3D,
GlobalAverage/MaxPooling3D, UpSampling3D and ZeroPadding3D, each a thin front end over a dg.nn layer (NCDHW).

Keras's 'same' padding (output ⌈size/stride⌉, any extra zero plane at the end of an axis) is passed to the dg.nn
layer when symmetric, otherwise padded explicitly before a 'valid' convolution or pooling, as the 2-D layers do.
"""

from __future__ import annotations

import math

from ... import nn, ops
from ...io import register
from ...nn import functional as F
from ...tensor import Tensor
from ..layer import Layer, same_padding
from .conv import _Conv, transpose_padding
from .core import init_weights
from .pooling import GlobalAveragePooling2D, GlobalMaxPooling2D

__all__ = ["AveragePooling3D", "AvgPool3D", "Conv3D", "Conv3DTranspose", "Convolution3D", "Convolution3DTranspose",
           "GlobalAveragePooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D", "GlobalMaxPooling3D", "MaxPool3D",
           "MaxPooling3D", "UpSampling3D", "ZeroPadding3D"]


def triple(value) -> tuple[int, int, int]:
    """Keras's size spellings: n → (n, n, n); a triple as is."""
    if isinstance(value, (tuple, list)):
        if len(value) != 3:
            raise ValueError(f"expected an int or a triple, got {value}")
        return tuple(int(v) for v in value)
    return (int(value),) * 3


def to_ncdhw(x, data_format):
    return x if data_format == "channels_first" else x.permute(0, 4, 1, 2, 3)


def from_ncdhw(x, data_format):
    return x if data_format == "channels_first" else x.permute(0, 2, 3, 4, 1)


class _Conv3(_Conv):
    """What Conv3D and Conv3DTranspose share: Keras's arguments, sizes as triples."""

    RANK, SAMPLE = 3, ("D, H, W", "volumes")

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups: int = 1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        Layer.__init__(self, **kwargs)
        padding = padding.lower()
        if padding not in self.PADDINGS:
            raise ValueError(f"{type(self).__name__}: padding must be one of {self.PADDINGS}, got {padding!r}")
        self.filters, self.kernel_size, self.strides = int(filters), triple(kernel_size), triple(strides)
        self.padding, self.data_format = padding, data_format or "channels_last"
        self.dilation_rate, self.groups, self.use_bias = triple(dilation_rate), groups, use_bias
        self._set_weight_options(activation, kernel_initializer, bias_initializer, kernel_regularizer,
                                 bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)


@register
class Conv3D(_Conv3):
    """3-D convolution: (N, D, H, W, C) → (N, D', H', W', filters); 'valid' or 'same' padding, strides, dilation.
    get_weights gives the kernel as (kd, kh, kw, in, out), as Keras."""

    def build(self, input_shape) -> None:
        symmetric = self.strides == (1, 1, 1) and all(d * (k - 1) % 2 == 0
                                                      for k, d in zip(self.kernel_size, self.dilation_rate))
        self._explicit_pad = self.padding == "same" and not symmetric
        padding = 0
        if self.padding == "same" and symmetric:
            padding = tuple(d * (k - 1) // 2 for k, d in zip(self.kernel_size, self.dilation_rate))
        self.op = nn.Conv3d(self._channels(input_shape), self.filters, self.kernel_size, stride=self.strides,
                            padding=padding, dilation=self.dilation_rate, groups=self.groups, bias=self.use_bias)
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        x = to_ncdhw(x, self.data_format)
        if self._explicit_pad:
            pads = [same_padding(size, k, s, d)
                    for size, k, s, d in zip(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)]
            x = ops.pad(x, [(0, 0), (0, 0), *pads])
        return self.activation(from_ncdhw(self.op(x), self.data_format))


@register
class Conv3DTranspose(_Conv3):
    """Transposed 3-D convolution (upsampling): 'same' gives D·stride, 'valid' D·stride + max(k − stride, 0) per
    axis. get_weights gives the kernel as (kd, kh, kw, out, in), as Keras."""

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid", output_padding=None,
                 **kwargs):
        self.__dict__["output_padding"] = None if output_padding is None else triple(output_padding)  # build needs it
        super().__init__(filters, kernel_size, strides, padding, **kwargs)

    def build(self, input_shape) -> None:
        padding, output_padding = transpose_padding(self)
        self.op = nn.ConvTranspose3d(self._channels(input_shape), self.filters, self.kernel_size, stride=self.strides,
                                     padding=padding, output_padding=output_padding,
                                     dilation=self.dilation_rate, groups=self.groups, bias=self.use_bias)
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        return self.activation(from_ncdhw(self.op(to_ncdhw(x, self.data_format)), self.data_format))


class _Pool3(Layer):
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding: str = "valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = triple(pool_size)
        self.strides = triple(strides) if strides is not None else self.pool_size
        self.padding, self.data_format = padding.lower(), data_format or "channels_last"
        if self.padding not in ("valid", "same"):
            raise ValueError(f"{type(self).__name__}: padding must be 'valid' or 'same', got {padding!r}")

    def _pads(self, x):
        return [same_padding(size, k, s) for size, k, s in zip(x.shape[2:], self.pool_size, self.strides)]

    def call(self, x):
        x = to_ncdhw(x, self.data_format)
        pads = self._pads(x) if self.padding == "same" else []
        return from_ncdhw(self._pool(x, pads if any(p for pair_ in pads for p in pair_) else None), self.data_format)


@register
class MaxPooling3D(_Pool3):
    """The maximum of each pool_size window of (N, D, H, W, C) (stride defaults to pool_size)."""

    def _pool(self, x, pads):
        if pads:
            x = ops.pad(x, [(0, 0), (0, 0), *pads], value=-math.inf)
        return F.max_pool3d(x, self.pool_size, self.strides)


@register
class AveragePooling3D(_Pool3):
    """The mean of each pool_size window of (N, D, H, W, C) ('same' padding averages only the real values, as
    Keras)."""

    def _pool(self, x, pads):
        if not pads:
            return F.avg_pool3d(x, self.pool_size, self.strides)
        sums = F.avg_pool3d(ops.pad(x, [(0, 0), (0, 0), *pads]), self.pool_size, self.strides, divisor_override=1)
        ones = Tensor._wrap(x.xp.ones((1, 1, *x.shape[2:]), dtype=x.dtype))
        counts = F.avg_pool3d(ops.pad(ones, [(0, 0), (0, 0), *pads]), self.pool_size, self.strides,
                              divisor_override=1)
        return sums / counts


@register
class GlobalAveragePooling3D(GlobalAveragePooling2D):
    """(N, D, H, W, C) → (N, C): the mean of each channel over the volume."""

    RANK = 3


@register
class GlobalMaxPooling3D(GlobalMaxPooling2D):
    """(N, D, H, W, C) → (N, C): the maximum of each channel over the volume."""

    RANK = 3


@register
class UpSampling3D(Layer):
    """(N, D, H, W, C) → (N, D·sd, H·sh, W·sw, C): each voxel repeated (Keras's only mode)."""

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size, self.data_format = triple(size), data_format or "channels_last"

    def call(self, x):
        x = to_ncdhw(x, self.data_format)
        return from_ncdhw(F.interpolate(x, scale_factor=self.size, mode="nearest"), self.data_format)


@register
class ZeroPadding3D(Layer):
    """Zero planes before/after each spatial axis: (N, D, H, W, C) → (N, D+d1+d2, H+h1+h2, W+w1+w2, C).
    padding: n, (d, h, w) or ((d1, d2), (h1, h2), (w1, w2)), as Keras."""

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = (padding,) * 3
        pairs = tuple((int(p), int(p)) if isinstance(p, int) else (int(p[0]), int(p[1])) for p in padding)
        if len(pairs) != 3 or min(min(p) for p in pairs) < 0:
            raise ValueError(f"ZeroPadding3D: padding must be n, 3 ints or 3 non-negative pairs, got {padding}")
        self.padding, self.data_format = pairs, data_format or "channels_last"

    def call(self, x):
        (d1, d2), (h1, h2), (w1, w2) = self.padding
        return from_ncdhw(F.pad(to_ncdhw(x, self.data_format), (w1, w2, h1, h2, d1, d2)), self.data_format)


Convolution3D = Conv3D
Convolution3DTranspose = Conv3DTranspose
MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
