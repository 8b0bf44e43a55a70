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


def _positions(index, axis: int) -> tuple:
    """The full index tuple of `index` used along `axis`: element [i, j, ...] of `index` names the position
    (i, …, index[i, j, ...], …) — an open grid of the other axes (xp.indices(sparse=True) is NumPy-only)."""
    xp, nd = get_array_module(index), index.ndim
    grid = [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (nd - i - 1)) for i, n in enumerate(index.shape)]
    grid[axis] = index
    return tuple(grid)


class Gather(Function):
    def forward(self, x, index, axis):
        self.in_shape, self.index, self.axis = x.shape, index, axis
        return x[_positions(index, axis)]  # index may be smaller than x on the other axes, as in PyTorch

    def backward(self, gy):
        gx = get_array_module(gy).zeros(self.in_shape, dtype=gy.dtype)
        get_array_module(gy).add.at(gx, _positions(self.index, self.axis), gy)
        return gx


class Scatter(Function):
    """`x` with `src` written (or added, `add=True`) at `index` along `axis`; both inputs get gradients."""

    def forward(self, x, src, index, axis, add):
        xp = get_array_module(x)
        self.index, self.axis, self.add = index, axis, add
        out, where = x.copy(), _positions(index, axis)
        if add:
            xp.add.at(out, where, src)
        else:
            out[where] = src
            self.written = xp.zeros(x.shape, dtype=bool)
            self.written[where] = True
        return out

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = gy if self.add else xp.where(self.written, gy.dtype.type(0), gy)
        return gx, gy[_positions(self.index, self.axis)]


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


def _scatter(x: Tensor, dim: int, index, src, add: bool, op: str) -> Tensor:
    index = index.data if isinstance(index, Tensor) else x.xp.asarray(index)
    axis = dim % x.ndim
    if index.ndim != x.ndim or index.dtype.kind not in "iu":
        raise ValueError(f"{op}: index must be integers with the tensor's {x.ndim} dimensions, got shape "
                         f"{index.shape} of {index.dtype}")
    if not isinstance(src, Tensor):  # a value: written (or added) at every index, not differentiable
        src = Tensor._wrap(x.xp.full(index.shape, src, dtype=x.dtype))
    if any(i > s for i, s in zip(index.shape, src.shape)):
        raise ValueError(f"{op}: index of shape {index.shape} is larger than src of shape {src.shape}")
    src = src[tuple(slice(0, n) for n in index.shape)]  # PyTorch reads src only where index has entries
    return Scatter.apply(x, src, index=index, axis=axis, add=add)


def scatter(x: Tensor, dim: int, index, src) -> Tensor:
    """A copy of `x` with `src` (a Tensor, or one value) written at `index` along `dim`, as torch.scatter:
    `zeros(n, C).scatter(1, labels[:, None], 1.0)` is a one-hot matrix."""
    return _scatter(x, dim, index, src, False, "scatter")


def scatter_add(x: Tensor, dim: int, index, src) -> Tensor:
    """A copy of `x` with `src` added at `index` along `dim` (repeated indices accumulate), as torch.scatter_add."""
    return _scatter(x, dim, index, src, True, "scatter_add")


def masked_fill(x: Tensor, mask, value: float) -> Tensor:
    """`x` with `value` where `mask` is true (no gradient flows there)."""
    mask = mask.data if isinstance(mask, Tensor) else x.xp.asarray(mask)
    return MaskedFill.apply(x, mask=mask, value=value)
