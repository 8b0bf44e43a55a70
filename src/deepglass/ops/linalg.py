"""Matrix multiplication with NumPy's rules: 1-D operands, and broadcasting over batch axes."""

from __future__ import annotations

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .broadcast import pair, unbroadcast


class MatMul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return parallel.matmul(a, b)

    def backward(self, gy):
        a, b = self.a, self.b
        if a.ndim == 2 and b.ndim == 2:  # the common case, without the general path's overhead
            need_a, need_b = self.needs_input_grad
            return tuple(parallel.matmuls((gy, b.T) if need_a else None, (a.T, gy) if need_b else None))
        xp = get_array_module(gy)
        # treat vectors as a row (a) / column (b) matrix so one formula serves every case
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1 and b.ndim == 1:
            gy = gy.reshape(1, 1)  # a dot product: gy is a scalar
        elif a.ndim == 1:
            gy = xp.expand_dims(gy, -2)
        elif b.ndim == 1:
            gy = xp.expand_dims(gy, -1)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(parallel.matmul(gy, b2.swapaxes(-1, -2)), a2.shape)
            ga = ga.reshape(a.shape) if a.ndim == 1 else ga
        if self.needs_input_grad[1]:
            gb = unbroadcast(parallel.matmul(a2.swapaxes(-1, -2), gy), b2.shape)
            gb = gb.reshape(b.shape) if b.ndim == 1 else gb
        return ga, gb


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Σ a·b of two vectors of one length (torch.dot): a neuron's weighted sum."""
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"dot: expects two vectors of one length, got shapes {a.shape} and {b.shape}")
    return (a * b).sum()


def outer(a: Tensor, b: Tensor) -> Tensor:
    """The matrix a[i]·b[j] of two vectors (torch.outer)."""
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: expects two vectors, got shapes {a.shape} and {b.shape}")
    return a.reshape(-1, 1) * b.reshape(1, -1)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """(n, k) @ (k, m): `matmul` for two matrices only, as torch.mm (no broadcasting)."""
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: expects two matrices, got shapes {a.shape} and {b.shape} (use matmul for others)")
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """(B, n, k) @ (B, k, m): a batch of matrix products, as torch.bmm (same batch size, no broadcasting)."""
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: expects (B, n, k) and (B, k, m) with the same B, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def matmul(a, b) -> Tensor:
    """Matrix product a @ b; leading axes broadcast like NumPy's matmul."""
    a, b = pair(a, b)
    try:
        return MatMul.apply(a, b)
    except ValueError:
        pass
    # explain what went wrong (kept off the fast path)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match ({k_a} != {k_b} on the inner axis)")
    raise ValueError(f"matmul: batch axes of shapes {a.shape} and {b.shape} cannot be broadcast")
