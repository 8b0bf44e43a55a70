"""Normalization as one fused op: y = (x - mean) / sqrt(var + eps) * weight + bias over chosen axes.

Fused because the composition (mean, sub, var, add, rsqrt, mul, mul, add) would keep about eight
temporaries for backward and walk the array eight times. This op keeps x - mean and 1/σ, and backward
is one closed form, gx = (ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) / σ with ĝ = gy·weight (means over the normalized
axes), written as gx = gy·a + (x - mean)·b + c with per-row constants a, b, c so it takes four passes.
Per-channel sums of products run as batched dot products (BLAS) on the CPU, about twice as fast as
multiply-then-sum there; on a GPU they multiply and reduce (rather than launch N·C batched 1×1 GEMMs).
The same op serves BatchNorm (axes: all but channels), LayerNorm (the last axes) and GroupNorm.
"""

from __future__ import annotations

import numpy as np

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .broadcast import unbroadcast


def _batch_axes(axes: tuple, ndim: int) -> bool:
    """Whether `axes` are BatchNorm's: every axis of an (N, C, …) array but the channels."""
    return ndim >= 3 and axes == (0,) + tuple(range(2, ndim))


def _sum(a, axes: tuple):
    """Σ a over `axes`, keepdims. BatchNorm's axes are summed in two stages, each (sample, channel) row first:
    on the CPU as fast as one strided sum, and on a GPU the first stage has N·C contiguous rows to spread
    over the device instead of C strided ones."""
    if _batch_axes(axes, a.ndim):
        n, c = a.shape[:2]
        return a.reshape(n, c, -1).sum(axis=2).sum(axis=0).reshape((1, c) + (1,) * (a.ndim - 2))
    return a.sum(axis=axes, keepdims=True)


def _dot_sum(a, b, axes: tuple):
    """Σ a·b over `axes`, keepdims, as batched dot products when the axes allow a reshape to (rows, length)."""
    shape, nd = a.shape, a.ndim
    keep = tuple(1 if i in axes else n for i, n in enumerate(shape))
    if get_array_module(a) is not np:
        return _sum(a * b, axes)
    if _batch_axes(axes, nd):  # BatchNorm: (N, C, L)
        n, c = shape[:2]
        a3, b3 = a.reshape(n, c, -1), b.reshape(n, c, -1)
        return (a3[..., None, :] @ b3[..., :, None]).reshape(n, c).sum(axis=0).reshape(keep)
    if axes == tuple(range(nd - len(axes), nd)) and len(axes) < nd:  # LayerNorm / GroupNorm: trailing axes
        a2 = a.reshape(_rows(shape, axes), 1, -1)
        b2 = b.reshape(_rows(shape, axes), -1, 1)
        return (a2 @ b2).reshape(keep)
    return (a * b).sum(axis=axes, keepdims=True)


def _rows(shape: tuple, axes: tuple) -> int:
    rows = 1
    for i, n in enumerate(shape):
        if i not in axes:
            rows *= n
    return rows


def _batch_chunks(x, body):
    """body(s) over chunks s of the batch axis, on the CPU threads (`parallel_for`); the results in order."""
    return parallel.parallel_for(x.shape[0], body, min_chunk=parallel.min_samples(x),
                                 xp=get_array_module(x))


class Normalize(Function):
    def forward(self, x, weight=None, bias=None, axes=(), eps=1e-5, stats=None):
        xp = get_array_module(x)
        if 0 in axes and x.ndim > 1:  # BatchNorm: statistics over the batch, summed chunk by chunk on the threads
            count = x.size // _rows(x.shape, axes)
            mean = sum(_batch_chunks(x, lambda s: _sum(x[s], axes))) / x.dtype.type(count)
            centered = xp.empty(x.shape, dtype=x.dtype)

            def center(s):
                xp.subtract(x[s], mean, out=centered[s])
                return _dot_sum(centered[s], centered[s], axes)
            var = sum(_batch_chunks(x, center)) / x.dtype.type(count)
        else:  # LayerNorm, GroupNorm: statistics per sample
            mean = x.mean(axis=axes, keepdims=True)
            centered = x - mean
            count = x.size // mean.size
            var = _dot_sum(centered, centered, axes) / x.dtype.type(count)
        inv_std = 1 / xp.sqrt(var + x.dtype.type(eps))
        # BatchNorm's weight has the statistics' shape: fold it into one per-channel scale
        fold = weight is None or weight.shape == inv_std.shape
        self.centered, self.inv_std, self.axes, self.weight, self.count, self.fold = (
            centered, inv_std, axes, weight, count, fold)
        if stats is not None:  # hand the batch statistics to the caller (BatchNorm's running averages)
            stats["mean"], stats["var"] = mean, var
        if fold and 0 in axes:  # BatchNorm: one per-channel scale, chunk by chunk on the threads
            scale = inv_std if weight is None else inv_std * weight
            y = xp.empty(x.shape, dtype=x.dtype)

            def affine(s):
                xp.multiply(centered[s], scale, out=y[s])
                if bias is not None:
                    y[s] += bias
            _batch_chunks(x, affine)
            return y
        if fold:
            y = centered * (inv_std if weight is None else inv_std * weight)
        else:
            y = centered * inv_std
            y *= weight
        if bias is not None:
            y += bias
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        centered, inv_std, axes, weight, m = self.centered, self.inv_std, self.axes, self.weight, self.count
        needs = self.needs_input_grad
        dtype = gy.dtype.type
        g_weight = g_bias = None
        if self.fold:  # gy's per-channel sums serve both the parameter and the input gradients
            if 0 in axes and gy.ndim > 1:  # over the batch: chunk by chunk on the threads
                sums = _batch_chunks(gy, lambda s: (_sum(gy[s], axes), _dot_sum(gy[s], centered[s], axes)))
                s1, s2 = (sum((part[i] for part in sums[1:]), sums[0][i]) for i in (0, 1))
            else:
                s1 = gy.sum(axis=axes, keepdims=True)
                s2 = _dot_sum(gy, centered, axes)
            if weight is not None and needs[1]:
                g_weight = (s2 * inv_std).reshape(weight.shape)
            if len(needs) > 2 and needs[2]:
                g_bias = s1.reshape(weight.shape)
            g, w, scratch = gy, (1 if weight is None else weight), None
        else:  # LayerNorm: the parameter gradients sum over the other axes
            scratch = gy * centered
            scratch *= inv_std
            if needs[1]:
                g_weight = unbroadcast(scratch, weight.shape)
                g_weight = scratch.copy() if g_weight is scratch else g_weight  # scratch is reused below
            if len(needs) > 2 and needs[2]:
                g_bias = unbroadcast(gy, weight.shape)
            g, w = gy * weight, 1
            s1 = g.sum(axis=axes, keepdims=True)
            s2 = _dot_sum(g, centered, axes)
        gx = None
        if needs[0]:  # gx = g·a + centered·b + c, with few full-size temporaries (large allocations are slow)
            a = w * inv_std
            b = -a * inv_std * inv_std * s2 / dtype(m)
            c = -a * s1 / dtype(m)
            if g is gy and 0 in axes:  # BatchNorm: chunk by chunk on the threads
                gx = xp.empty(gy.shape, dtype=gy.dtype)

                def input_grad(s):
                    xp.multiply(gy[s], a, out=gx[s])
                    gx[s] += centered[s] * b
                    gx[s] += c
                _batch_chunks(gy, input_grad)
            else:
                gx = g * a if g is gy else xp.multiply(g, a, out=g)  # never overwrite the incoming gy
                gx += xp.multiply(centered, b, out=scratch) if scratch is not None else centered * b
                gx += c
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
