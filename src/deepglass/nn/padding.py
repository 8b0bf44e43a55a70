"""Padding layers (PyTorch's names): ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad, 1d/2d.

`padding` is an int (every side) or PyTorch's tuple: (left, right) for 1d, (left, right, top, bottom) for 2d.
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Pad(Module):
    axes, mode = 1, "constant"

    def __init__(self, padding, value: float = 0.0):
        super().__init__()
        padding = (padding,) * (2 * self.axes) if isinstance(padding, int) else tuple(padding)
        if len(padding) != 2 * self.axes:
            raise ValueError(f"{type(self).__name__}: padding must be an int or {2 * self.axes} ints, got {padding}")
        self.padding, self.value = padding, float(value)

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x, self.padding, self.mode, self.value)

    def extra_repr(self) -> str:
        return f"{self.padding}" + (f", value={self.value}" if self.mode == "constant" and self.value else "")


class ConstantPad1d(_Pad):
    """Pad the last axis of (N, C, L) with `value`."""

    def __init__(self, padding, value: float):
        super().__init__(padding, value)


class ConstantPad2d(ConstantPad1d):
    """Pad the last two axes of (N, C, H, W) with `value`."""

    axes = 2


class ZeroPad1d(_Pad):
    """Pad the last axis of (N, C, L) with zeros."""


class ZeroPad2d(_Pad):
    """Pad the last two axes of (N, C, H, W) with zeros."""

    axes = 2


class ReflectionPad1d(_Pad):
    """Pad the last axis with its mirror image about the edge element (each side at most L - 1)."""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pad H and W with their mirror images about the edge elements."""

    axes = 2


class ReplicationPad1d(_Pad):
    """Pad the last axis by repeating its edge elements."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pad H and W by repeating their edge elements."""

    axes = 2


class CircularPad1d(_Pad):
    """Pad the last axis by wrapping around (the end before the start, the start after the end)."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """Pad H and W by wrapping around."""

    axes = 2
