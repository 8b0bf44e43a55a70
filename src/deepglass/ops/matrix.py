"""Matrix structure, as in PyTorch: tril/triu, diag, diagonal, diag_embed and trace.

tril/triu keep a triangle of the last two axes (batched); `diagonal` reads a diagonal of two axes and
`diag_embed` writes one; their backward passes are each other.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor


def _diagonal_positions(xp, rows: int, cols: int, offset: int):
    """Row and column indices of diagonal `offset` of a (rows, cols) matrix (above the main one when > 0)."""
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    steps = xp.arange(length)
    return (steps, steps + offset) if offset >= 0 else (steps - offset, steps)


class Triangle(Function):
    def forward(self, x, k, lower):
        xp = get_array_module(x)
        self.k, self.lower = k, lower
        return xp.tril(x, k) if lower else xp.triu(x, k)

    def backward(self, gy):
        xp = get_array_module(gy)
        return xp.tril(gy, self.k) if self.lower else xp.triu(gy, self.k)


class Diagonal(Function):
    """Diagonal `offset` of axes (dim1, dim2), appended as the last axis (a copy, not a view)."""

    def forward(self, x, offset, dim1, dim2):
        xp = get_array_module(x)
        self.in_shape, self.dims, self.offset = x.shape, (dim1, dim2), offset
        moved = xp.moveaxis(x, (dim1, dim2), (-2, -1))
        rows, cols = _diagonal_positions(xp, *moved.shape[-2:], offset)
        return moved[..., rows, cols]

    def backward(self, gy):
        xp = get_array_module(gy)
        dim1, dim2 = self.dims
        moved_shape = tuple(n for i, n in enumerate(self.in_shape) if i not in self.dims) + (
            self.in_shape[dim1], self.in_shape[dim2])
        gx = xp.zeros(moved_shape, dtype=gy.dtype)
        rows, cols = _diagonal_positions(xp, *moved_shape[-2:], self.offset)
        gx[..., rows, cols] = gy
        return xp.moveaxis(gx, (-2, -1), (dim1, dim2))


class DiagEmbed(Function):
    """The last axis of x written on diagonal `offset` of two new axes (dim1, dim2) of zeros."""

    def forward(self, x, offset, dim1, dim2):
        xp = get_array_module(x)
        self.offset, self.dims = offset, (dim1, dim2)
        size = x.shape[-1] + abs(offset)
        out = xp.zeros(x.shape[:-1] + (size, size), dtype=x.dtype)
        rows, cols = _diagonal_positions(xp, size, size, offset)
        out[..., rows, cols] = x
        return xp.moveaxis(out, (-2, -1), (dim1, dim2))

    def backward(self, gy):
        xp = get_array_module(gy)
        moved = xp.moveaxis(gy, self.dims, (-2, -1))
        rows, cols = _diagonal_positions(xp, *moved.shape[-2:], self.offset)
        return moved[..., rows, cols]


def _two_axes(ndim: int, dim1: int, dim2: int, op: str, shape) -> tuple[int, int]:
    if not (-ndim <= dim1 < ndim and -ndim <= dim2 < ndim):
        raise IndexError(f"{op}: dims ({dim1}, {dim2}) are out of range for {ndim} dimensions (shape {shape})")
    dim1, dim2 = dim1 % ndim, dim2 % ndim
    if dim1 == dim2:
        raise ValueError(f"{op}: dim1 and dim2 must differ, both are {dim1} (shape {shape})")
    return dim1, dim2


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (on and below diagonal `diagonal`), the rest zero; (*, n, m)."""
    if x.ndim < 2:
        raise ValueError(f"tril: needs at least 2 dimensions, got shape {x.shape}")
    return Triangle.apply(x, k=int(diagonal), lower=True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (on and above diagonal `diagonal`), the rest zero; (*, n, m)."""
    if x.ndim < 2:
        raise ValueError(f"triu: needs at least 2 dimensions, got shape {x.shape}")
    return Triangle.apply(x, k=int(diagonal), lower=False)


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """Diagonal `offset` of axes dim1 and dim2 as the last axis (those two removed), as torch.diagonal."""
    dim1, dim2 = _two_axes(x.ndim, dim1, dim2, "diagonal", x.shape)
    return Diagonal.apply(x, offset=int(offset), dim1=dim1, dim2=dim2)


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """(*, n) → matrices (*, n+|offset|, n+|offset|) with x on diagonal `offset` of dims dim1, dim2."""
    if x.ndim < 1:
        raise ValueError("diag_embed: needs at least 1 dimension, got a 0-d tensor")
    dim1, dim2 = _two_axes(x.ndim + 1, dim1, dim2, "diag_embed", x.shape)
    return DiagEmbed.apply(x, offset=int(offset), dim1=dim1, dim2=dim2)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A vector (n,) → the square matrix with it on diagonal `diagonal`; a matrix → that diagonal, a vector."""
    if x.ndim == 1:
        return diag_embed(x, diagonal)
    if x.ndim == 2:
        return Diagonal.apply(x, offset=int(diagonal), dim1=0, dim2=1)
    raise ValueError(f"diag: expects a vector or a matrix, got shape {x.shape}")


def trace(x: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix (n, m), a 0-d tensor."""
    if x.ndim != 2:
        raise ValueError(f"trace: expects a matrix, got shape {x.shape}")
    return Diagonal.apply(x, offset=0, dim1=0, dim2=1).sum()
