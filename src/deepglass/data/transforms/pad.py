"""Pad: torchvision's padding of the image borders (constant, edge, reflect, symmetric)."""

from __future__ import annotations

import numpy as np

from .base import Transform, get_array_module

PAD_MODES = ("constant", "edge", "reflect", "symmetric")


def padding_widths(padding) -> tuple[int, int, int, int]:
    """torchvision's padding argument as (left, top, right, bottom): p, (p,), (left/right, top/bottom) or 4 values."""
    if isinstance(padding, (int, np.integer)):
        widths = (int(padding),) * 4
    elif len(padding) == 1:
        widths = (int(padding[0]),) * 4
    elif len(padding) == 2:
        widths = (int(padding[0]), int(padding[1])) * 2
    elif len(padding) == 4:
        widths = tuple(int(p) for p in padding)
    else:
        raise ValueError(f"Pad: padding must be an int or a sequence of 1, 2 or 4 ints, got {padding}")
    if min(widths) < 0:
        raise ValueError(f"Pad: negative padding is not supported, got {padding}")
    return widths


def pad(x, padding, fill=0, padding_mode: str = "constant"):
    """Pad a batch (N, C, H, W): 'constant' with `fill` (a number or one value per channel), 'edge' repeats
    the border pixel, 'reflect' mirrors without repeating it (d c b | a b c d), 'symmetric' with it (b a | a b)."""
    if padding_mode not in PAD_MODES:
        raise ValueError(f"Pad: padding_mode must be one of {PAD_MODES}, got {padding_mode!r}")
    xp = get_array_module(x)
    left, top, right, bottom = padding_widths(padding)
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    if padding_mode != "constant":
        return xp.pad(x, widths, mode=padding_mode)
    N, C, H, W = x.shape
    fill = xp.asarray(np.broadcast_to(np.asarray(fill, dtype=np.float64).reshape(-1), (C,)), dtype=x.dtype)
    out = xp.empty((N, C, H + top + bottom, W + left + right), dtype=x.dtype)
    out[...] = fill.reshape(1, C, 1, 1)
    out[:, :, top : top + H, left : left + W] = x
    return out


class Pad(Transform):
    """Pad all sides: `padding` p, (left/right, top/bottom) or (left, top, right, bottom) pixels."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        padding_widths(padding)
        if padding_mode not in PAD_MODES:
            raise ValueError(f"Pad: padding_mode must be one of {PAD_MODES}, got {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def apply_batch(self, x):
        return pad(x, self.padding, self.fill, self.padding_mode)
