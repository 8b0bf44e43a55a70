"""Indexing: basic slicing and integer-array (fancy) indexing, gather, masked_fill.

Backward scatters the gradient into zeros: a plain assignment for basic indexing, and
a scatter-add (`xp.add.at`) for integer arrays, where the same element may be picked twice.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor


def to_array_index(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return get_array_module(index[0].data if index and isinstance(index[0], Tensor) else 0).asarray(
            [i.item() if isinstance(i, Tensor) else i for i in index]
        )
    return index


def _is_basic(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice)) or p is None or p is Ellipsis for p in parts)


class GetItem(Function):
    def forward(self, x, index):
        self.in_shape, self.dtype, self.index = x.shape, x.dtype, index
        return x[index]

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype)
        if _is_basic(self.index):
            gx[self.index] = gy
        else:
            xp.add.at(gx, self.index, gy)
        return gx


class Gather(Function):
    def forward(self, x, index, axis):
        self.in_shape, self.index, self.axis = x.shape, index, axis
        return get_array_module(x).take_along_axis(x, index, axis=axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype)
        nd = self.index.ndim  # an open grid of every axis (xp.indices(sparse=True) is NumPy-only)
        grid = [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (nd - i - 1)) for i, n in enumerate(self.index.shape)]
        grid[self.axis] = self.index
        xp.add.at(gx, tuple(grid), gy)
        return gx


class MaskedFill(Function):
    def forward(self, x, mask, value):
        self.mask = mask
        return get_array_module(x).where(mask, x.dtype.type(value), x)

    def backward(self, gy):
        return get_array_module(gy).where(self.mask, gy.dtype.type(0), gy)


def getitem(x: Tensor, index) -> Tensor:
    """`x[index]`: ints, slices, None, Ellipsis, boolean masks and integer arrays/tensors."""
    index = to_array_index(index)
    try:
        return GetItem.apply(x, index=index)
    except IndexError as e:
        raise IndexError(f"index {index!r} into a tensor of shape {x.shape}: {e}") from None


def gather(x: Tensor, axis: int, index) -> Tensor:
    """Pick `x[..., index[i, j], ...]` along `axis` (PyTorch's gather; `index` has x's ndim)."""
    index = index.data if isinstance(index, Tensor) else x.xp.asarray(index)
    return Gather.apply(x, index=index, axis=axis % x.ndim)


def index_select(x: Tensor, dim: int, index) -> Tensor:
    """The slices `index` (1-D integers, repeats allowed) of `x` along `dim`, as torch.index_select."""
    index = index.data if isinstance(index, Tensor) else x.xp.asarray(index)
    if index.ndim != 1 or index.dtype.kind not in "iu":
        raise ValueError(f"index_select: index must be 1-D integers, got shape {index.shape} of {index.dtype}")
    return getitem(x, (slice(None),) * (dim % x.ndim) + (index,))


def flip(x: Tensor, dims) -> Tensor:
    """`x` reversed along `dims` (an int or a tuple), as torch.flip."""
    dims = {d % x.ndim for d in ((dims,) if isinstance(dims, int) else dims)}
    return getitem(x, tuple(slice(None, None, -1) if d in dims else slice(None) for d in range(x.ndim)))


def masked_fill(x: Tensor, mask, value: float) -> Tensor:
    """`x` with `value` where `mask` is true (no gradient flows there)."""
    mask = mask.data if isinstance(mask, Tensor) else x.xp.asarray(mask)
    return MaskedFill.apply(x, mask=mask, value=value)
