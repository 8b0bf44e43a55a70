"""Pixel and channel shuffles: reshape/permute compositions, so their gradients come from those ops."""

from __future__ import annotations

from ..tensor import Tensor
from . import shape as shape_ops


def _factor(value, name: str, op: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return value


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C·r², H, W) → (*, C, H·r, W·r): each group of r² channels becomes an r × r block of pixels."""
    r = _factor(upscale_factor, "upscale_factor", "pixel_shuffle")
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expected input (*, C·{r * r}, H, W) with channels divisible by "
                         f"upscale_factor²={r * r}, got shape {tuple(input.shape)}")
    *batch, c, h, w = input.shape
    b = len(batch)
    x = shape_ops.reshape(input, (*batch, c // (r * r), r, r, h, w))
    x = shape_ops.permute(x, (*range(b), b, b + 3, b + 1, b + 4, b + 2))
    return shape_ops.reshape(x, (*batch, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H·r, W·r) → (*, C·r², H, W): the inverse of pixel_shuffle."""
    r = _factor(downscale_factor, "downscale_factor", "pixel_unshuffle")
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ValueError(f"pixel_unshuffle: expected input (*, C, H, W) with H and W divisible by "
                         f"downscale_factor={r}, got shape {tuple(input.shape)}")
    *batch, c, h, w = input.shape
    b = len(batch)
    x = shape_ops.reshape(input, (*batch, c, h // r, r, w // r, r))
    x = shape_ops.permute(x, (*range(b), b, b + 2, b + 4, b + 1, b + 3))
    return shape_ops.reshape(x, (*batch, c * r * r, h // r, w // r))


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) with its channels regrouped (ShuffleNet): channel g·(C/groups) + i moves to i·groups + g."""
    g = _factor(groups, "groups", "channel_shuffle")
    if input.ndim < 3 or input.shape[1] % g:
        raise ValueError(f"channel_shuffle: expected input (N, C, *) with C divisible by groups={g}, got shape "
                         f"{tuple(input.shape)}")
    n, c, *rest = input.shape
    x = shape_ops.reshape(input, (n, g, c // g, *rest))
    x = shape_ops.permute(x, (0, 2, 1, *range(3, x.ndim)))
    return shape_ops.reshape(x, (n, c, *rest))
