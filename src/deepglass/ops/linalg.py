"""Matrix multiplication with NumPy's rules (1-D operands, broadcasting over batch axes), and PyTorch's
mv, addmm/addmv/baddbmm/addbmm, cross and kron built on it."""

from __future__ import annotations

import numpy as np

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .broadcast import pair, unbroadcast
from .shape import broadcast_to, stack


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


def _scaled(t: Tensor, factor) -> Tensor:
    return t if factor == 1 else t * factor


def _add_scaled(input: Tensor, product: Tensor, beta, alpha) -> Tensor:  # noqa: A002
    """beta * input + alpha * product; with beta = 0 the input is ignored (NaN in it too), as in PyTorch."""
    out = _scaled(product, alpha)
    if beta == 0:
        return out
    return _scaled(input, beta) + out


def mv(mat: Tensor, vec: Tensor) -> Tensor:
    """(n, m) @ (m,) → (n,): a matrix times a vector, as torch.mv."""
    if mat.ndim != 2 or vec.ndim != 1 or mat.shape[1] != vec.shape[0]:
        raise ValueError(f"mv: expects (n, m) and (m,), got shapes {mat.shape} and {vec.shape}")
    return matmul(mat, vec)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (mat1 @ mat2): (n, k) @ (k, m), input broadcast to (n, m), as torch.addmm."""
    return _add_scaled(input, mm(mat1, mat2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (mat @ vec): (n, m) @ (m,), input broadcast to (n,), as torch.addmv."""
    return _add_scaled(input, mv(mat, vec), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (batch1 @ batch2): (B, n, k) @ (B, k, m), input broadcast to (B, n, m)."""
    return _add_scaled(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """beta * input + alpha * Σ_b batch1[b] @ batch2[b]: (B, n, k), (B, k, m) → (n, m), as torch.addbmm."""
    b, n, k = batch1.shape if batch1.ndim == 3 else (None,) * 3
    if batch1.ndim != 3 or batch2.ndim != 3 or batch2.shape[:2] != (b, k):
        raise ValueError(f"addbmm: expects (B, n, k) and (B, k, m), got shapes {batch1.shape} and {batch2.shape}")
    # the batch folded into the inner axis: [b1[0] … b1[B-1]] @ [b2[0]; …; b2[B-1]] is the sum of the products
    product = mm(batch1.permute(1, 0, 2).reshape(n, b * k), batch2.reshape(b * k, batch2.shape[2]))
    return _add_scaled(input, product, beta, alpha)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along `dim` (by default the first axis of size 3), with broadcasting."""
    shape = tuple(np.broadcast_shapes(input.shape, other.shape))
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ValueError(f"cross: no dimension of size 3 in shapes {input.shape} and {other.shape}")
    axis = dim % len(shape) if -len(shape) <= dim < len(shape) else None
    if axis is None or shape[axis] != 3:
        raise ValueError(f"cross: dimension {dim} must have size 3, got shapes {input.shape} and {other.shape}")
    a, b = broadcast_to(input, shape), broadcast_to(other, shape)

    def part(t, i):
        return t[(slice(None),) * axis + (i,)]

    a0, a1, a2 = part(a, 0), part(a, 1), part(a, 2)
    b0, b1, b2 = part(b, 0), part(b, 1), part(b, 2)
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis)


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: blocks input[i, j, ...] * other; shape (a0*b0, a1*b1, ...), as torch.kron."""
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + input.shape)
    b = other.reshape((1,) * (nd - other.ndim) + other.shape)
    interleaved_a = tuple(s for n in a.shape for s in (n, 1))
    interleaved_b = tuple(s for n in b.shape for s in (1, n))
    out = a.reshape(interleaved_a) * b.reshape(interleaved_b)
    return out.reshape(tuple(m * n for m, n in zip(a.shape, b.shape)))
