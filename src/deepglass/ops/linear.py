"""Affine map y = x @ W.T + b as one op (fused: one GEMM each way, no transposed copy of W, bias summed once)."""

from __future__ import annotations

from .. import parallel
from ..autograd.function import Function
from ..tensor import Tensor


class Linear(Function):
    def forward(self, x, W, b=None):
        self.x, self.W = x, W
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        y = parallel.matmul(x2, W.T)
        if b is not None:
            y += b
        return y.reshape(*x.shape[:-1], W.shape[0]) if x.ndim != 2 else y

    def backward(self, gy):
        x, W = self.x, self.W
        gy2 = gy.reshape(-1, gy.shape[-1]) if gy.ndim != 2 else gy
        needs = self.needs_input_grad
        gx, gW = parallel.matmuls((gy2, W) if needs[0] else None,  # independent: side by side on the threads
                                  (gy2.T, x.reshape(-1, x.shape[-1])) if needs[1] else None)
        gx = None if gx is None else gx.reshape(x.shape)
        gb = gy2.sum(axis=0) if len(needs) > 2 and needs[2] else None
        return gx, gW, gb


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias. Shapes: x (*, in), weight (out, in), bias (out,) → (*, out)."""
    if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: input of shape {tuple(x.shape)} does not match weight of shape {tuple(weight.shape)} "
            f"(expected the last input axis to be {weight.shape[-1]})"
        )
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
