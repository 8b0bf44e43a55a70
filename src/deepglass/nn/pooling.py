"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvg/MaxPool1d/2d/3d, MaxUnpool1d/2d, LPPool1d/2d,
GlobalAvgPool2d (PyTorch's arguments). One class per kind holds the arguments; each rank names its function."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "GlobalAvgPool2d", "LPPool1d", "LPPool2d",
           "MaxPool1d", "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d"]


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else tuple(int(v) for v in value)


class _MaxPoolNd(Module):
    """The max pools' arguments (stride defaults to kernel_size) and repr; `_pool` is the rank's function."""

    _pool = staticmethod(F.max_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.dilation, self.ceil_mode, self.return_indices = dilation, ceil_mode, return_indices

    def forward(self, x: Tensor):
        args = (x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)
        return self._pool(*args, return_indices=True) if self.return_indices else self._pool(*args)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """The maximum of each kernel_size window: (N, C, H, W) → (N, C, H_out, W_out).

    Shape: H_out = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 (⌈…⌉ with ceil_mode);
    stride defaults to kernel_size. Example: MaxPool2d(3, 2) turns AlexNet's 55×55 maps into 27×27.
    return_indices=True returns (output, indices): each maximum's flat position in its H × W plane (MaxUnpool2d).
    """


class MaxPool1d(_MaxPoolNd):
    """The maximum of each window of an (N, C, L) batch (return_indices: positions along L, for MaxUnpool1d)."""

    _pool = staticmethod(F.max_pool1d)


class MaxPool3d(_MaxPoolNd):
    """The maximum of each kernel_size window of (N, C, D, H, W) → (N, C, D_out, H_out, W_out), sizes as
    MaxPool2d's along each axis. return_indices is not supported."""

    _pool = staticmethod(F.max_pool3d)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        if return_indices:
            raise NotImplementedError("MaxPool3d: return_indices=True is not supported")
        super().__init__(kernel_size, stride, padding, dilation, return_indices, ceil_mode)


class _AvgPoolNd(Module):
    """The average pools' arguments and repr; `_pool` is the rank's function.

    count_include_pad=True (the default) counts zero padding in the divisor; divisor_override fixes it.
    """

    _pool = staticmethod(F.avg_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        args = (x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)
        return self._pool(*args) if self.divisor_override is None else self._pool(*args, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """The mean of each kernel_size window: (N, C, H, W) → (N, C, H_out, W_out) (sizes as MaxPool2d, no dilation)."""


class AvgPool3d(_AvgPoolNd):
    """The mean of each kernel_size window of (N, C, D, H, W) (sizes as MaxPool3d, no dilation)."""

    _pool = staticmethod(F.avg_pool3d)


class AvgPool1d(_AvgPoolNd):
    """The mean of each window of an (N, C, L) batch."""

    _pool = staticmethod(F.avg_pool1d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class _AdaptivePoolNd(Module):
    """Pooling to a fixed output_size whatever the input size (an int, or one size per axis; None keeps that
    input size); `_pool` is the kind and rank's function. Max pools do not support return_indices."""

    _pool = staticmethod(F.adaptive_avg_pool2d)

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        if return_indices:
            raise NotImplementedError(f"{type(self).__name__}: return_indices=True is not supported")
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return self._pool(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling of (N, C, H, W) to (N, C, *output_size)."""

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """Max pooling of (N, C, H, W) to (N, C, *output_size)."""

    _pool = staticmethod(F.adaptive_max_pool2d)


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average pooling of (N, C, L) to (N, C, output_size)."""

    _pool = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveMaxPool1d(_AdaptivePoolNd):
    """Max pooling of (N, C, L) to (N, C, output_size)."""

    _pool = staticmethod(F.adaptive_max_pool1d)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average pooling of (N, C, D, H, W) to (N, C, *output_size)."""

    _pool = staticmethod(F.adaptive_avg_pool3d)


class AdaptiveMaxPool3d(_AdaptivePoolNd):
    """Max pooling of (N, C, D, H, W) to (N, C, *output_size)."""

    _pool = staticmethod(F.adaptive_max_pool3d)


class GlobalAvgPool2d(Module):
    """The mean of each channel over all pixels: (N, C, H, W) → (N, C) (Keras' GlobalAveragePooling2D)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.global_avg_pool2d(x)


class MaxUnpool2d(Module):
    """The partial inverse of MaxPool2d: `forward(x, indices, output_size=None)` puts each value of (N, C, H, W)
    back where MaxPool2d(return_indices=True) found it, zeros elsewhere → (N, C, H_out, W_out).

    Shape: H_out = (H − 1)·stride − 2·padding + kernel_size (stride defaults to kernel_size).
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.padding = _pair(kernel_size), _pair(padding)
        self.stride = _pair(stride) if stride is not None else self.kernel_size

    def forward(self, x: Tensor, indices: Tensor, output_size=None) -> Tensor:
        if x.ndim != 4:
            raise ValueError(f"MaxUnpool2d: expected input of shape (N, C, H, W), got {tuple(x.shape)}")
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(Module):
    """The partial inverse of MaxPool1d: (N, C, L) values back at their indices → (N, C, (L − 1)·stride − 2·padding
    + kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        one = lambda v: (int(v) if isinstance(v, int) else int(tuple(v)[0]),)  # noqa: E731
        self.kernel_size, self.padding = one(kernel_size), one(padding)
        self.stride = one(stride) if stride is not None else self.kernel_size

    def forward(self, x: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return F.max_unpool1d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class LPPool2d(Module):
    """Power-average pooling: (Σ x^p over each kernel_size window)^(1/p) of (N, C, H, W); p = norm_type
    (1: sum pooling, ∞ would be max pooling). Windows as AvgPool2d without padding."""

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, C, H, W), got {tuple(x.shape)}")
        return F.lp_pool2d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(LPPool2d):
    """Power-average pooling (Σ x^p over each window)^(1/p) of (N, C, L)."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3:
            raise ValueError(f"LPPool1d: expected input of shape (N, C, L), got {tuple(x.shape)}")
        return F.lp_pool1d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
