"""Pairwise distances: `cdist`, the p-norm distance between every row of x1 and every row of x2.

For p=2 and more than 25 rows on either side, as in PyTorch, the distances come from one matrix product
(|a|² + |b|² - 2 a·b) instead of the (…, P, R, M) tensor of differences. Where a distance is zero its gradient
is zero, as PyTorch's.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .broadcast import unbroadcast


def _swap(a):
    return a.swapaxes(-1, -2)


class Cdist(Function):
    """(…, P, M) and (…, R, M) → (…, P, R) distances; the batch axes broadcast."""

    def forward(self, x1, x2, p):
        xp = get_array_module(x1)
        self.x1, self.x2, self.p = x1, x2, p
        if p == 2 and (x1.shape[-2] > 25 or x2.shape[-2] > 25):
            square = (x1 * x1).sum(-1)[..., :, None] + (x2 * x2).sum(-1)[..., None, :] - 2 * (x1 @ _swap(x2))
            self.dist = xp.sqrt(xp.maximum(square, 0))
            return self.dist
        diff = xp.abs(x1[..., :, None, :] - x2[..., None, :, :])
        if p == 0:
            dist = (diff != 0).sum(-1).astype(x1.dtype)
        elif p == 1:
            dist = diff.sum(-1)
        elif p == 2:
            dist = xp.sqrt((diff * diff).sum(-1))
        elif p == np.inf:
            dist = diff.max(-1)
        else:
            dist = (diff ** p).sum(-1) ** (1 / p)
        self.dist = dist
        return dist

    def backward(self, gy):
        xp, p, x1, x2, dist = get_array_module(gy), self.p, self.x1, self.x2, self.dist
        zero = gy.dtype.type(0)
        if p == 2:  # d/dx1 of |x1_p - x2_r| is (x1_p - x2_r) / d: two matrix products, no (P, R, M) tensor
            w = xp.where(dist == 0, zero, gy / xp.where(dist == 0, 1, dist))
            g1 = x1 * w.sum(-1)[..., None] - w @ x2
            g2 = x2 * w.sum(-2)[..., None] - _swap(w) @ x1
        else:
            diff = x1[..., :, None, :] - x2[..., None, :, :]
            if p == 0:
                g = xp.zeros_like(diff)
            elif p == 1:
                g = xp.sign(diff) * gy[..., None]
            elif p == np.inf:
                g = xp.sign(diff) * (xp.abs(diff) == dist[..., None]) * gy[..., None]
            else:
                scale = xp.where(dist == 0, zero, gy / xp.where(dist == 0, 1, dist) ** (p - 1))
                power = xp.where(diff == 0, zero, xp.abs(xp.where(diff == 0, 1, diff)) ** (p - 1))
                g = xp.sign(diff) * power * scale[..., None]
            g1, g2 = g.sum(-2), -g.sum(-3)
        return unbroadcast(g1, x1.shape), unbroadcast(g2, x2.shape)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances (…, P, R) between the rows of x1 (…, P, M) and x2 (…, R, M), batch axes broadcast,
    as torch.cdist (p >= 0; inf for the largest difference)."""
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: expects x1 (..., P, M) and x2 (..., R, M) with the same M, got shapes {x1.shape} "
                         f"and {x2.shape}")
    if p < 0:
        raise ValueError(f"cdist: p must be >= 0, got {p}")
    try:
        np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        raise ValueError(f"cdist: the batch axes of shapes {x1.shape} and {x2.shape} cannot be broadcast") from None
    return Cdist.apply(x1, x2, p=float(p))
