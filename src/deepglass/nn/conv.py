"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d/2d and LazyConv2d (NCHW, PyTorch's arguments and init)."""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from .lazy import LazyModuleMixin, UninitializedParameter
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "LazyConv2d"]


def _tuple(value, n: int) -> tuple:
    return (int(value),) * n if isinstance(value, int) else tuple(int(v) for v in value)


class _ConvNd(Module):
    """What every convolution shares: weight and bias, PyTorch's default init, checks and repr."""

    _dims = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", output_padding=0,
                 device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels={in_channels} and out_channels={out_channels} must both be "
                             f"divisible by groups={groups}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = _tuple(kernel_size, self._dims)
        self.stride, self.dilation = _tuple(stride, self._dims), _tuple(dilation, self._dims)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, self._dims)
        self.output_padding = _tuple(output_padding, self._dims)
        self.padding_mode = padding_mode
        self._dtype, self._device = np.dtype(dtype or np.float32), device
        self.weight = Parameter(Tensor(np.empty(self._weight_shape(), self._dtype), device=device))
        if bias:
            self.bias = Parameter(Tensor(np.empty(self.out_channels, self._dtype), device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _weight_shape(self) -> tuple:
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    def reset_parameters(self) -> None:
        # PyTorch's default: kaiming_uniform_(a=√5) is U(±1/√fan_in) for the weight, and the same bound for bias
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != self._dims + 2 or x.shape[1] != self.in_channels:
            layout = "(N, C, L)" if self._dims == 1 else "(N, C, H, W)"
            raise ValueError(f"{type(self).__name__}: expected input {layout} with C={self.in_channels}, "
                             f"got shape {x.shape}")

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if any(o for o in self.output_padding):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-D convolution over an (N, C_in, H, W) batch → (N, C_out, H_out, W_out).

    Shape: H_out = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 (likewise W);
    weight (C_out, C_in/groups, kh, kw), bias (C_out,). padding: int, pair, 'valid' or 'same'.
    Example (AlexNet's first layer): Conv2d(3, 96, 11, stride=4, padding=3) maps 224×224×3 to 55×55×96.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over an (N, C_in, L) batch → (N, C_out, L_out); weight (C_out, C_in/groups, k)."""

    _dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed ("de-") convolution, the gradient of Conv2d w.r.t. its input: upsamples (N, C_in, H, W).

    Shape: H_out = (H − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1;
    weight (C_in, C_out/groups, kh, kw). `forward(x, output_size=…)` picks output_padding for a target size.
    """

    transposed = True
    _conv_transpose = staticmethod(F.conv_transpose2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device=device, dtype=dtype)

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        self._check_input(x)
        output_padding = self.output_padding
        if output_size is not None:
            smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                        zip(x.shape[2:], self.stride, self.padding, self.dilation, self.kernel_size)]
            output_padding = tuple(int(o) - m for o, m in zip(tuple(output_size)[-self._dims:], smallest))
        return self._conv_transpose(x, self.weight, self.bias, self.stride, self.padding, output_padding,
                                    self.groups, self.dilation)


class ConvTranspose1d(ConvTranspose2d):
    """Transposed convolution of an (N, C_in, L) batch → (N, C_out, L_out), the gradient of Conv1d w.r.t. its input.

    Shape: L_out = (L − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1; weight (C_in,
    C_out/groups, k). `forward(x, output_size=…)` picks output_padding for a target length.
    """

    _dims = 1
    _conv_transpose = staticmethod(F.conv_transpose1d)


class LazyConv2d(LazyModuleMixin, Conv2d):
    """Conv2d whose in_channels is read from the first input (Keras-style shape inference).

    Weight and bias are `UninitializedParameter`s until the first call (or a `load_state_dict`), which
    shapes them in place (an optimizer made earlier keeps them) with PyTorch's default initialization;
    then the layer becomes an ordinary Conv2d.
    """

    cls_to_become = Conv2d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        # Conv2d checks and stores the arguments (in_channels=groups passes its checks); the input size is unknown
        super().__init__(groups, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device=device, dtype=dtype)
        self.in_channels = 0
        self.weight = UninitializedParameter(device=device, dtype=self._dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=self._dtype)
        self._register_lazy_hook()

    def initialize_parameters(self, x: Tensor) -> None:
        """Shape the weight for x's channel count and initialize weight and bias as Conv2d would."""
        if x.ndim != 4:
            raise ValueError(f"LazyConv2d: expected input of shape (N, C, H, W), got {x.shape}")
        if x.shape[1] % self.groups:
            raise ValueError(f"LazyConv2d: {x.shape[1]} input channels are not divisible by groups={self.groups}")
        self.in_channels = int(x.shape[1])
        self.weight.materialize(self._weight_shape())
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()

    def _on_loaded(self, x: Tensor) -> None:
        self.in_channels = int(self.weight.shape[1]) * self.groups
