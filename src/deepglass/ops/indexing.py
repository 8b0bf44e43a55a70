"""Indexing: basic slicing and integer-array (fancy) indexing, gather/scatter, masked_fill/select/scatter,
index_add/copy/fill, take, take_along_dim and nonzero.

Backward scatters the gradient into zeros: a plain assignment for basic indexing, and
a scatter-add (`xp.add.at`) for integer arrays, where the same element may be picked twice.
"""

from __future__ import annotations

import numpy as np

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


# ---- along one axis: index_add, index_copy, index_fill -------------------------------------------------
def _along(axis: int, index) -> tuple:
    """The index tuple picking `index` (1-D) along `axis`."""
    return (slice(None),) * axis + (index,)


class IndexAdd(Function):
    """`x` with `alpha * source` added at the slices `index` along `axis`; repeated indices accumulate."""

    def forward(self, x, source, index, axis, alpha):
        self.where, self.alpha = _along(axis, index), alpha
        out = x.copy()
        get_array_module(x).add.at(out, self.where, source * alpha if alpha != 1 else source)
        return out

    def backward(self, gy):
        gs = gy[self.where]
        return gy, gs * self.alpha if self.alpha != 1 else gs


class IndexCopy(Function):
    """`x` with its slices `index` along `axis` replaced by `source`."""

    def forward(self, x, source, index, axis):
        self.where = _along(axis, index)
        out = x.copy()
        out[self.where] = source
        return out

    def backward(self, gy):
        gx = gy.copy()
        gx[self.where] = 0
        return gx, gy[self.where]


class IndexFill(Function):
    def forward(self, x, index, axis, value):
        self.where = _along(axis, index)
        out = x.copy()
        out[self.where] = value
        return out

    def backward(self, gy):
        gx = gy.copy()
        gx[self.where] = 0
        return gx


def _axis_index(x: Tensor, dim: int, index, op: str):
    """(axis, index array) for the ops along one axis; an error naming `op` when `index` is not 1-D integers."""
    index = index.data if isinstance(index, Tensor) else x.xp.asarray(index)
    if index.ndim > 1 or index.dtype.kind not in "iu":
        raise ValueError(f"{op}: index must be 1-D integers, got shape {index.shape} of {index.dtype}")
    return dim % max(x.ndim, 1), index.reshape(-1)


def _check_source(x: Tensor, axis: int, index, source: Tensor, op: str) -> None:
    expected = x.shape[:axis] + (len(index),) + x.shape[axis + 1:]
    if source.shape != expected:
        raise ValueError(f"{op}: source of shape {source.shape} does not match {expected}, the shape of x "
                         f"{x.shape} with dimension {axis} of length len(index) = {len(index)}")


def index_add(x: Tensor, dim: int, index, source: Tensor, alpha=1) -> Tensor:
    """A copy of `x` with `alpha * source` added at the slices `index` along `dim` (repeats accumulate);
    source has x's shape with len(index) along dim, as torch.index_add."""
    axis, index = _axis_index(x, dim, index, "index_add")
    _check_source(x, axis, index, source, "index_add")
    return IndexAdd.apply(x, source, index=index, axis=axis, alpha=alpha)


def index_copy(x: Tensor, dim: int, index, source: Tensor) -> Tensor:
    """A copy of `x` with the slices `index` along `dim` replaced by those of `source`, as torch.index_copy."""
    axis, index = _axis_index(x, dim, index, "index_copy")
    _check_source(x, axis, index, source, "index_copy")
    return IndexCopy.apply(x, source, index=index, axis=axis)


def index_fill(x: Tensor, dim: int, index, value) -> Tensor:
    """A copy of `x` with `value` in the slices `index` along `dim` (no gradient flows there)."""
    axis, index = _axis_index(x, dim, index, "index_fill")
    value = value.item() if isinstance(value, Tensor) else value
    return IndexFill.apply(x, index=index, axis=axis, value=value)


# ---- masks and flat positions: masked_select, masked_scatter, nonzero, take, take_along_dim ------------
def _mask_array(x: Tensor, mask, op: str):
    mask = mask.data if isinstance(mask, Tensor) else x.xp.asarray(mask)
    if mask.dtype.kind != "b":
        raise TypeError(f"{op}: mask must be boolean, got {mask.dtype}")
    return mask


def masked_select(x: Tensor, mask) -> Tensor:
    """The 1-D tensor of the elements of `x` where `mask` (broadcast with x) is true, as torch.masked_select."""
    mask = _mask_array(x, mask, "masked_select")
    try:
        shape = tuple(np.broadcast_shapes(x.shape, mask.shape))
    except ValueError:
        raise ValueError(f"masked_select: mask of shape {mask.shape} and x of shape {x.shape} cannot be "
                         "broadcast together") from None
    if shape != x.shape:
        x = x.expand(shape)
    return getitem(x, x.xp.broadcast_to(mask, shape))


class MaskedScatter(Function):
    """`x` with the first mask.sum() elements of `source` (row-major) written where `mask` is true."""

    def forward(self, x, source, mask):
        self.mask, self.source_shape, self.count = mask, source.shape, int(mask.sum())
        out = x.copy()
        out[mask] = source.reshape(-1)[:self.count]
        return out

    def backward(self, gy):
        xp = get_array_module(gy)
        gs = xp.zeros(int(np.prod(self.source_shape)), dtype=gy.dtype)
        gs[:self.count] = gy[self.mask]
        return xp.where(self.mask, gy.dtype.type(0), gy), gs.reshape(self.source_shape)


def masked_scatter(x: Tensor, mask, source: Tensor) -> Tensor:
    """A copy of `x` with consecutive elements of `source` written where `mask` (broadcast to x) is true."""
    mask = _mask_array(x, mask, "masked_scatter")
    try:
        mask = x.xp.broadcast_to(mask, x.shape)
    except ValueError:
        raise ValueError(f"masked_scatter: mask of shape {mask.shape} cannot broadcast to x of shape {x.shape}") \
            from None
    if int(mask.sum()) > source.data.size:
        raise ValueError(f"masked_scatter: the mask selects {int(mask.sum())} elements but source of shape "
                         f"{source.shape} has only {source.data.size}")
    return MaskedScatter.apply(x, source, mask=mask)


def nonzero(x: Tensor, as_tuple: bool = False):
    """The int64 (n, ndim) indices of the nonzero elements in row-major order (not differentiable), or with
    `as_tuple` one 1-D tensor per axis, as torch.nonzero."""
    found = x.xp.argwhere(x.data).astype("int64", copy=False)
    if as_tuple:
        return tuple(Tensor._wrap(found[:, i].copy()) for i in range(found.shape[1]))
    return Tensor._wrap(found)


def argwhere(x: Tensor) -> Tensor:
    """The int64 (n, ndim) indices of the nonzero elements, as torch.argwhere (`nonzero(x)`)."""
    return nonzero(x)


def take(x: Tensor, index) -> Tensor:
    """Elements of `x` read as 1-D at the positions `index` (any shape; the result has its shape)."""
    index = index.data if isinstance(index, Tensor) else x.xp.asarray(index)
    if index.dtype.kind not in "iu":
        raise ValueError(f"take: index must be integers, got {index.dtype}")
    n = x.data.size
    if index.size and (int(index.max()) >= n or int(index.min()) < -n):
        raise IndexError(f"take: index out of range for a tensor of shape {x.shape} ({n} elements)")
    return getitem(x.reshape(-1), index)


def take_along_dim(x: Tensor, indices, dim: int | None = None) -> Tensor:
    """`gather` along `dim` after broadcasting `x` and `indices` over the other axes; with dim=None, `take` on
    the flattened tensors, as torch.take_along_dim."""
    indices = indices.data if isinstance(indices, Tensor) else x.xp.asarray(indices)
    if dim is None:
        return take(x, indices.reshape(-1))
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_dim: indices of shape {indices.shape} need the {x.ndim} dimensions of x "
                         f"{x.shape}")
    axis = dim % x.ndim
    try:
        rest = np.broadcast_shapes(*(tuple(1 if i == axis else n for i, n in enumerate(s))
                                     for s in (x.shape, indices.shape)))
    except ValueError:
        raise ValueError(f"take_along_dim: x of shape {x.shape} and indices of shape {indices.shape} cannot be "
                         f"broadcast outside dimension {dim}") from None
    x_shape = rest[:axis] + (x.shape[axis],) + rest[axis + 1:]
    index_shape = rest[:axis] + (indices.shape[axis],) + rest[axis + 1:]
    if x_shape != x.shape:
        x = x.expand(x_shape)
    return gather(x, axis, x.xp.broadcast_to(indices, index_shape))
