"""Volumes (N, C, D, H, W) as functions: conv3d, conv_transpose3d, 3-D pooling, and `interpolate` extended to
5-D input ('nearest', 'trilinear'). The maths lives in `deepglass.ops.conv3d` and `deepglass.ops.pool3d`."""

from __future__ import annotations

from ...ops.conv3d import conv3d, conv_transpose3d
from ...ops.pool3d import (
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    avg_pool3d,
    global_avg_pool3d,
    interpolate3d,
    max_pool3d,
)
from ...ops.upsample import interpolate as _interpolate_images
from ...tensor import Tensor

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "conv3d", "conv_transpose3d",
           "global_avg_pool3d", "interpolate", "max_pool3d", "upsample"]


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                **kwargs) -> Tensor:
    """Resize images (N, C, H, W) ('nearest', 'bilinear') or volumes (N, C, D, H, W) ('nearest', 'trilinear') to
    `size` or by `scale_factor`, with PyTorch's source coordinates; other inputs go to the image version."""
    if input.ndim == 5:
        if kwargs:
            raise TypeError(f"interpolate: unsupported arguments for 5-D input: {sorted(kwargs)}")
        return interpolate3d(input, size, scale_factor, mode, align_corners)
    return _interpolate_images(input, size, scale_factor, mode, align_corners, **kwargs)


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Old PyTorch name of `interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)
