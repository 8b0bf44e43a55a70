"""Scaled dot-product attention as one op: softmax(q·kᵀ·scale + mask)·v with its backward written out.

One node instead of six (matmul, scale, add, softmax, dropout, matmul) and only the probabilities kept for
backward. The softmax is stable (the row maximum is subtracted) and *safe*: a row whose scores are all -inf
(every key masked out) gets probabilities 0, so its output is 0 and its gradients are 0, as in PyTorch's
`scaled_dot_product_attention` (a plain softmax would give NaN there).
"""

from __future__ import annotations

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .broadcast import unbroadcast


def safe_softmax(s, xp):
    """softmax along the last axis, 0 for rows that are all -inf."""
    m = s.max(axis=-1, keepdims=True)
    m = xp.where(m == -xp.inf, 0, m)  # an all-masked row: exp(-inf - 0) = 0 everywhere
    e = xp.exp(s - m)
    total = e.sum(axis=-1, keepdims=True)
    return e / xp.where(total == 0, 1, total)


class ScaledDotProductAttention(Function):
    """Inputs q (..., L, E), k (..., S, E), v (..., S, Ev) and optionally a float mask broadcastable to
    (..., L, S) (differentiable: it is added to the scores). Params: `scale`, `bias` (a constant array added
    to the scores, e.g. -inf for bool or causal masks, or None), `keep` (dropout's 0 / 1/(1-p) array, or None).
    Output (..., L, Ev)."""

    def forward(self, q, k, v, mask=None, *, scale, bias=None, keep=None):
        xp = get_array_module(q)
        s = parallel.matmul(q, k.swapaxes(-1, -2))
        s *= s.dtype.type(scale)
        if mask is not None:
            s = s + mask
        if bias is not None:
            s = s + bias
        self.p = safe_softmax(s, xp)
        self.q, self.k, self.v, self.keep, self.scale = q, k, v, keep, scale
        self.mask_shape, self.mask_dtype = (None, None) if mask is None else (mask.shape, mask.dtype)
        pd = self.p if keep is None else self.p * keep
        return parallel.matmul(pd, v)

    def backward(self, gy):
        q, k, v, p, keep = self.q, self.k, self.v, self.p, self.keep
        needs = self.needs_input_grad
        pd = p if keep is None else p * keep
        gv = unbroadcast(parallel.matmul(pd.swapaxes(-1, -2), gy), v.shape) if needs[2] else None
        gp = parallel.matmul(gy, v.swapaxes(-1, -2))
        if keep is not None:
            gp *= keep
        gs = p * (gp - (gp * p).sum(axis=-1, keepdims=True))  # softmax's backward; 0 on all-masked rows
        gmask = unbroadcast(gs, self.mask_shape).astype(self.mask_dtype, copy=False) if len(needs) > 3 and needs[3] \
            else None
        gs = gs * gs.dtype.type(self.scale)
        gq = unbroadcast(parallel.matmul(gs, k), q.shape) if needs[0] else None
        gk = unbroadcast(parallel.matmul(gs.swapaxes(-1, -2), q), k.shape) if needs[1] else None
        return (gq, gk, gv) if len(needs) == 3 else (gq, gk, gv, gmask)


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None, *, scale: float,
                                 bias=None, keep=None) -> Tensor:
    """The fused op on Tensors (see `ScaledDotProductAttention`); `bias` and `keep` are raw arrays or None."""
    if mask is None:
        return ScaledDotProductAttention.apply(q, k, v, scale=scale, bias=bias, keep=keep)
    return ScaledDotProductAttention.apply(q, k, v, mask, scale=scale, bias=bias, keep=keep)
