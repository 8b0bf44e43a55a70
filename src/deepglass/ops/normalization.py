"""Normalization as one fused op: y = (x - mean) / sqrt(var + eps) * weight + bias over chosen axes.

Fused because the composition (mean, sub, var, add, rsqrt, mul, mul, add) would keep about eight
temporaries for backward and walk the array eight times; this keeps x̂ and 1/σ and has the closed-form
gradient gx = (ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) / σ with ĝ = gy·weight, means over the normalized axes.
The same op serves BatchNorm (axes: all but channels), LayerNorm (the last axes) and GroupNorm.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .broadcast import unbroadcast


class Normalize(Function):
    def forward(self, x, weight=None, bias=None, axes=(), eps=1e-5, stats=None):
        xp = get_array_module(x)
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = xp.mean(centered * centered, axis=axes, keepdims=True)
        inv_std = 1 / xp.sqrt(var + x.dtype.type(eps))
        x_hat = centered
        x_hat *= inv_std  # reuse the buffer: `centered` is not needed any more
        self.x_hat, self.inv_std, self.axes, self.weight = x_hat, inv_std, axes, weight
        if stats is not None:  # hand the batch statistics to the caller (BatchNorm's running averages)
            stats["mean"], stats["var"] = mean, var
        y = x_hat * weight if weight is not None else x_hat.copy()
        if bias is not None:
            y += bias
        return y

    def backward(self, gy):
        x_hat, axes, weight = self.x_hat, self.axes, self.weight
        needs = self.needs_input_grad
        g_hat = gy * weight if weight is not None else gy
        gx = None
        if needs[0]:
            gx = g_hat - g_hat.mean(axis=axes, keepdims=True)
            gx -= x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True)
            gx *= self.inv_std
        g_weight = unbroadcast(gy * x_hat, weight.shape) if weight is not None and needs[1] else None
        g_bias = unbroadcast(gy, weight.shape) if len(needs) > 2 and needs[2] else None
        return gx, g_weight, g_bias


def normalize(x: Tensor, axes: tuple, weight: Tensor | None = None, bias: Tensor | None = None,
              eps: float = 1e-5, stats: dict | None = None) -> Tensor:
    """(x - mean) / sqrt(var + eps) over `axes` (biased variance), then `* weight + bias` (broadcast to x).

    `weight` and `bias` go together (both or neither). When `stats` is a dict, the batch mean and
    biased variance (keepdims shape) are stored in it.
    """
    params = {"axes": tuple(axes), "eps": float(eps), "stats": stats}
    if weight is None:
        if bias is not None:
            raise ValueError("normalize: bias without weight is not supported; pass both or neither")
        return Normalize.apply(x, **params)
    if bias is None:
        return Normalize.apply(x, weight, **params)
    return Normalize.apply(x, weight, bias, **params)
