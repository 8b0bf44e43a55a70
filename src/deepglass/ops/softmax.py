"""Softmax and log-softmax along an axis, each one fused op with a stable forward."""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .reduction import normalize_axis


class Softmax(Function):
    def forward(self, x, axis):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        self.y = e / e.sum(axis=axis, keepdims=True)
        self.axis = axis
        return self.y

    def backward(self, gy):
        y = self.y
        return y * (gy - (gy * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    def forward(self, x, axis):
        xp = get_array_module(x)
        shifted = x - x.max(axis=axis, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.axis = axis
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        return gy - xp.exp(self.y) * gy.sum(axis=self.axis, keepdims=True)


def _one_axis(x: Tensor, axis, dim) -> int:
    if type(dim) is int and axis is None and -x.ndim <= dim < x.ndim:  # fast path: dim=1
        return dim % x.ndim
    axes = normalize_axis(axis if axis is not None or dim is not None else -1, dim, x.ndim)
    if len(axes) != 1:
        raise ValueError("softmax takes one axis")
    return axes[0]


def softmax(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis` (the last by default)."""
    return Softmax.apply(x, axis=_one_axis(x, axis, dim))


def log_softmax(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along `axis`, computed without forming softmax (stable for large logits)."""
    return LogSoftmax.apply(x, axis=_one_axis(x, axis, dim))
