"""Volumetric convolution layers: Conv3d and ConvTranspose3d (NCDHW, PyTorch's arguments, shapes and init)."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .conv import ConvTranspose2d, _ConvNd

__all__ = ["Conv3d", "ConvTranspose3d"]


def _check_volume(layer, x: Tensor) -> None:
    if x.ndim != 5 or x.shape[1] != layer.in_channels:
        raise ValueError(f"{type(layer).__name__}: expected input (N, C, D, H, W) with C={layer.in_channels}, "
                         f"got shape {tuple(x.shape)}")


class Conv3d(_ConvNd):
    """3-D convolution over an (N, C_in, D, H, W) batch of volumes → (N, C_out, D_out, H_out, W_out).

    Shape: D_out = ⌊(D + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 (likewise H, W); weight
    (C_out, C_in/groups, kd, kh, kw), bias (C_out,). padding: int, triple, 'valid' or 'same'. Default init as
    PyTorch's (kaiming_uniform with a=√5, bias U(±1/√fan_in)). Example: Conv3d(1, 16, 3, padding=1) keeps a
    28×28×28 MedMNIST volume's size.
    """

    _dims = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device=device, dtype=dtype)

    def _check_input(self, x: Tensor) -> None:
        _check_volume(self, x)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return F.conv3d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose3d(ConvTranspose2d):
    """Transposed 3-D convolution, the gradient of Conv3d w.r.t. its input: upsamples (N, C_in, D, H, W).

    Shape: D_out = (D − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1 (likewise H, W);
    weight (C_in, C_out/groups, kd, kh, kw). `forward(x, output_size=…)` picks output_padding for a target size.
    """

    _dims = 3
    _conv_transpose = staticmethod(F.conv_transpose3d)

    def _check_input(self, x: Tensor) -> None:
        _check_volume(self, x)
