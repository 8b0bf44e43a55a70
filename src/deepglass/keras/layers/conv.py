"""Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D on channels_last images (N, H, W, C), and Conv1D on
sequences (N, L, C), over dg.nn's channels-first convolutions.

Keras's 'same' padding (output ⌈size/stride⌉, any extra zero row/column at the bottom/right) is
passed to the dg.nn layer when symmetric, otherwise padded explicitly before a 'valid' convolution.
"""

from __future__ import annotations

from ... import nn, ops
from ...io import register
from ...nn import functional as F
from ..layer import Layer, same_padding
from .core import init_weights


def pair(value) -> tuple[int, int]:
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value), int(value))


def to_nchw(x, data_format):
    return x if data_format == "channels_first" else x.permute(0, 3, 1, 2)


def from_nchw(x, data_format):
    return x if data_format == "channels_first" else x.permute(0, 2, 3, 1)


class _Conv(Layer):
    """What the convolutions share: Keras's arguments, sizes as pairs (images) or single ints (sequences)."""

    RANK, PADDINGS, SAMPLE = 2, ("valid", "same"), ("H, W", "images")
    KERAS_LAYOUT = {"op.weight": "kernel"}  # get_weights: (*k, in, out), as Keras

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups: int = 1,
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
        padding = padding.lower()
        if padding not in self.PADDINGS:
            raise ValueError(f"{type(self).__name__}: padding must be one of {self.PADDINGS}, got {padding!r}")
        size = pair if self.RANK == 2 else (lambda v: int(v[0]) if isinstance(v, (tuple, list)) else int(v))
        self.filters, self.kernel_size, self.strides = int(filters), size(kernel_size), size(strides)
        self.padding, self.data_format = padding, data_format or "channels_last"
        self.dilation_rate, self.groups, self.use_bias = size(dilation_rate), groups, use_bias
        self._set_weight_options(activation, kernel_initializer, bias_initializer, kernel_regularizer,
                                 bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def _channels(self, input_shape) -> int:
        spatial, kind = self.SAMPLE
        if len(input_shape) != self.RANK + 1:
            raise ValueError(f"{self.name}: expected {kind} of shape ({spatial}, C) per sample, "
                             f"got {tuple(input_shape)}")
        return int(input_shape[0] if self.data_format == "channels_first" else input_shape[-1])

    def expected_input_shape(self) -> str | None:
        if self.input_shape is None:
            return None
        if self.data_format == "channels_first":
            return f"(None, {self.input_shape[0]}, {self.SAMPLE[0]})"
        return f"(None, {self.SAMPLE[0]}, {self.input_shape[-1]})"


@register
class Conv2D(_Conv):
    """2-D convolution: (N, H, W, C) → (N, H', W', filters); 'valid' or 'same' padding, strides, dilation."""

    def _conv_padding(self):
        """The dg.nn layer's padding: Keras's 'same' when it is symmetric; else 0, and `_pad_same` pads first."""
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation_rate
        symmetric = self.strides == (1, 1) and (dh * (kh - 1)) % 2 == 0 and (dw * (kw - 1)) % 2 == 0
        self._explicit_pad = self.padding == "same" and not symmetric
        return (dh * (kh - 1) // 2, dw * (kw - 1) // 2) if self.padding == "same" and symmetric else 0

    def _pad_same(self, x):
        """NCHW `x` with Keras's asymmetric 'same' padding (extra row/column at the end) where it needs one."""
        if not self._explicit_pad:
            return x
        pads = [same_padding(size, k, s, d)
                for size, k, s, d in zip(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)]
        return ops.pad(x, [(0, 0), (0, 0), *pads])

    def build(self, input_shape) -> None:
        self.op = nn.Conv2d(self._channels(input_shape), self.filters, self.kernel_size, stride=self.strides,
                            padding=self._conv_padding(), dilation=self.dilation_rate, groups=self.groups,
                            bias=self.use_bias)
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        x = self._pad_same(to_nchw(x, self.data_format))
        return self.activation(from_nchw(self.op(x), self.data_format))


@register
class DepthwiseConv2D(Conv2D):
    """One kh×kw filter per input channel (`depth_multiplier` of them): (N, H, W, C) → (N, H', W', C·m)."""

    KERAS_LAYOUT = {"op.weight": "depthwise"}  # get_weights: (kh, kw, C, m)

    def __init__(self, kernel_size, strides=(1, 1), padding: str = "valid", depth_multiplier: int = 1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 bias_regularizer=None, **kwargs):
        self.__dict__["depth_multiplier"] = int(depth_multiplier)  # build needs it
        super().__init__(1, kernel_size, strides, padding, data_format, dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, **kwargs)

    def build(self, input_shape) -> None:
        channels = self._channels(input_shape)
        self.filters, self.groups = channels * self.depth_multiplier, channels
        super().build(input_shape)


@register
class SeparableConv2D(Conv2D):
    """A depthwise convolution (one filter per channel) then a 1×1 pointwise one to `filters` channels, with
    the bias and activation after the second: far fewer weights than a Conv2D (MobileNet's block)."""

    KERAS_LAYOUT = {"depthwise.weight": "depthwise", "op.weight": "kernel"}

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        self.__dict__["depth_multiplier"] = int(depth_multiplier)  # build needs them
        self.__dict__["depthwise_initializer"] = depthwise_initializer
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer, **kwargs)

    def build(self, input_shape) -> None:
        channels = self._channels(input_shape)
        self.depthwise = nn.Conv2d(channels, channels * self.depth_multiplier, self.kernel_size,
                                   stride=self.strides, padding=self._conv_padding(), dilation=self.dilation_rate,
                                   groups=channels, bias=False)
        init_weights(self.depthwise, self.depthwise_initializer, None)
        self.op = nn.Conv2d(channels * self.depth_multiplier, self.filters, 1, bias=self.use_bias)
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        x = self._pad_same(to_nchw(x, self.data_format))
        return self.activation(from_nchw(self.op(self.depthwise(x)), self.data_format))


def transpose_padding(layer) -> tuple[tuple, tuple]:
    """(padding, output_padding) of the dg.nn transposed convolution that gives a Keras Conv*DTranspose's
    output size: in·stride for 'same', in·stride + max(k − stride, 0) for 'valid' (`output_padding` wins)."""
    padding, output_padding = [], []
    for i, (k, s) in enumerate(zip(layer.kernel_size, layer.strides)):
        k = layer.dilation_rate[i] * (k - 1) + 1
        if layer.padding == "same":  # (in−1)·s − 2p + k + op = in·s  →  2p − op = k − s
            p = max(k - s + 1, 0) // 2
            op = 2 * p - (k - s)
        else:  # (in−1)·s + k + op = in·s + max(k − s, 0)
            p, op = 0, max(s - k, 0)
        if layer.output_padding is not None:
            op = layer.output_padding[i]
        padding.append(p)
        output_padding.append(op)
    return tuple(padding), tuple(output_padding)


@register
class Conv2DTranspose(_Conv):
    """Transposed convolution (upsampling): 'same' gives H·stride, 'valid' H·stride + max(k − stride, 0)."""

    def __init__(
        self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid", output_padding=None, **kwargs
    ):
        self.__dict__["output_padding"] = None if output_padding is None else pair(output_padding)  # build needs it
        super().__init__(filters, kernel_size, strides, padding, **kwargs)

    def build(self, input_shape) -> None:
        padding, output_padding = transpose_padding(self)
        self.op = nn.ConvTranspose2d(
            self._channels(input_shape),
            self.filters,
            self.kernel_size,
            stride=self.strides,
            padding=padding,
            output_padding=output_padding,
            dilation=self.dilation_rate,
            groups=self.groups,
            bias=self.use_bias,
        )
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        return self.activation(from_nchw(self.op(to_nchw(x, self.data_format)), self.data_format))


@register
class Conv1D(_Conv):
    """1-D convolution over sequences (N, L, C) → (N, L', filters): 'valid', 'same' or 'causal' padding (causal
    pads only the start, so step t sees steps ≤ t: signals, time series)."""

    RANK, PADDINGS, SAMPLE = 1, ("valid", "same", "causal"), ("L", "sequences")

    def build(self, input_shape) -> None:
        self.op = nn.Conv1d(self._channels(input_shape), self.filters, self.kernel_size, stride=self.strides,
                            dilation=self.dilation_rate, groups=self.groups, bias=self.use_bias)
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        x = x if self.data_format == "channels_first" else x.permute(0, 2, 1)
        if self.padding == "same":
            x = F.pad(x, same_padding(x.shape[2], self.kernel_size, self.strides, self.dilation_rate))
        elif self.padding == "causal":
            x = F.pad(x, (self.dilation_rate * (self.kernel_size - 1), 0))
        out = self.activation(self.op(x))
        return out if self.data_format == "channels_first" else out.permute(0, 2, 1)
