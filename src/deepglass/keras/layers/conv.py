"""Conv2D and Conv2DTranspose on channels_last images (N, H, W, C), over dg.nn's NCHW convolutions.

Keras's 'same' padding (output ⌈size/stride⌉, any extra zero row/column at the bottom/right) is
passed to the dg.nn layer when symmetric, otherwise padded explicitly before a 'valid' convolution.
"""

from __future__ import annotations

from ... import nn, ops
from ...io import register
from ..layer import Layer, same_padding
from .core import init_weights


def pair(value) -> tuple[int, int]:
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value), int(value))


def to_nchw(x, data_format):
    return x if data_format == "channels_first" else x.permute(0, 3, 1, 2)


def from_nchw(x, data_format):
    return x if data_format == "channels_first" else x.permute(0, 2, 3, 1)


class _Conv(Layer):
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
        if padding not in ("valid", "same"):
            raise ValueError(f"{type(self).__name__}: padding must be 'valid' or 'same', got {padding!r}")
        self.filters, self.kernel_size, self.strides = int(filters), pair(kernel_size), pair(strides)
        self.padding, self.data_format = padding, data_format or "channels_last"
        self.dilation_rate, self.groups, self.use_bias = pair(dilation_rate), groups, use_bias
        self._set_weight_options(activation, kernel_initializer, bias_initializer, kernel_regularizer,
                                 bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def _channels(self, input_shape) -> int:
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected images of shape (H, W, C) per sample, got {tuple(input_shape)}")
        return int(input_shape[0] if self.data_format == "channels_first" else input_shape[-1])

    def expected_input_shape(self) -> str | None:
        if self.input_shape is None:
            return None
        if self.data_format == "channels_first":
            return f"(None, {self.input_shape[0]}, H, W)"
        return f"(None, H, W, {self.input_shape[-1]})"


@register
class Conv2D(_Conv):
    """2-D convolution: (N, H, W, C) → (N, H', W', filters); 'valid' or 'same' padding, strides, dilation."""

    def build(self, input_shape) -> None:
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation_rate
        self._explicit_pad = False
        padding = 0
        if self.padding == "same":
            if self.strides == (1, 1) and (dh * (kh - 1)) % 2 == 0 and (dw * (kw - 1)) % 2 == 0:
                padding = (dh * (kh - 1) // 2, dw * (kw - 1) // 2)
            else:
                self._explicit_pad = True
        self.op = nn.Conv2d(
            self._channels(input_shape),
            self.filters,
            self.kernel_size,
            stride=self.strides,
            padding=padding,
            dilation=self.dilation_rate,
            groups=self.groups,
            bias=self.use_bias,
        )
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        x = to_nchw(x, self.data_format)
        if self._explicit_pad:
            pads = [
                same_padding(size, k, s, d)
                for size, k, s, d in zip(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)
            ]
            x = ops.pad(x, [(0, 0), (0, 0), *pads])
        return self.activation(from_nchw(self.op(x), self.data_format))


@register
class Conv2DTranspose(_Conv):
    """Transposed convolution (upsampling): 'same' gives H·stride, 'valid' H·stride + max(k − stride, 0)."""

    def __init__(
        self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid", output_padding=None, **kwargs
    ):
        self.__dict__["output_padding"] = None if output_padding is None else pair(output_padding)  # build needs it
        super().__init__(filters, kernel_size, strides, padding, **kwargs)

    def build(self, input_shape) -> None:
        padding, output_padding = [], []
        for i, (k, s) in enumerate(zip(self.kernel_size, self.strides)):
            k = self.dilation_rate[i] * (k - 1) + 1
            if self.padding == "same":  # (in−1)·s − 2p + k + op = in·s  →  2p − op = k − s
                p = max(k - s + 1, 0) // 2
                op = 2 * p - (k - s)
            else:  # (in−1)·s + k + op = in·s + max(k − s, 0)
                p, op = 0, max(s - k, 0)
            if self.output_padding is not None:
                op = self.output_padding[i]
            padding.append(p)
            output_padding.append(op)
        self.op = nn.ConvTranspose2d(
            self._channels(input_shape),
            self.filters,
            self.kernel_size,
            stride=self.strides,
            padding=tuple(padding),
            output_padding=tuple(output_padding),
            dilation=self.dilation_rate,
            groups=self.groups,
            bias=self.use_bias,
        )
        init_weights(self.op, self.kernel_initializer, self.bias_initializer)

    def call(self, x):
        return self.activation(from_nchw(self.op(to_nchw(x, self.data_format)), self.data_format))
