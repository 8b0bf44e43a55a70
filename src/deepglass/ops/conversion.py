"""Differentiable copies: between devices and dtypes, and `clone`/`contiguous`."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor


class ToDevice(Function):
    def forward(self, x, device):
        self.source = backend.device_of(x)
        return backend.to_device(x, device)

    def backward(self, gy):
        return backend.to_device(gy, self.source)


class AsType(Function):
    def forward(self, x, dtype):
        self.source = x.dtype
        return x.astype(dtype)

    def backward(self, gy):
        return gy.astype(self.source)


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def clone(x: Tensor) -> Tensor:
    """A copy of `x` in new memory that stays in the graph (the gradient passes straight through)."""
    return Clone.apply(x)


def contiguous(x: Tensor) -> Tensor:
    """`x` itself when its array is C-contiguous, else a C-ordered copy of it (in the graph)."""
    return x if x.data.flags.c_contiguous else Clone.apply(x)


def to_device(x: Tensor, device: str) -> Tensor:
    """`x` on `device` ('cpu' or 'cuda'; no copy when already there); the gradient moves back to x's device."""
    return ToDevice.apply(x, device=device)


def astype(x: Tensor, dtype) -> Tensor:
    """`x` cast to `dtype`; the gradient is cast back to x's dtype.

    Casting to an integer or bool dtype detaches the result (no gradient flows through it).
    """
    dtype = np.dtype(dtype)
    if x.requires_grad and dtype.kind not in "fc":
        return Tensor._wrap(x.data.astype(dtype))
    return AsType.apply(x, dtype=dtype)
