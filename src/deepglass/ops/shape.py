"""Shape ops: reshape, transpose/permute/movedim, squeeze/unsqueeze, expand, cat/stack/split, pad, repeat/tile,
roll, narrow, unbind, unflatten, hstack/vstack/dstack/column_stack, meshgrid and broadcast_tensors.

Their backward only moves gradients around: reshape back, permute back, sum what was expanded,
slice what was concatenated or padded.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .broadcast import unbroadcast


class Reshape(Function):
    def forward(self, x, shape):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, gy):
        return gy.reshape(self.in_shape)


class Permute(Function):
    def forward(self, x, axes):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, gy):
        return gy.transpose(np.argsort(self.axes))


class Expand(Function):
    def forward(self, x, shape):
        self.in_shape = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    def backward(self, gy):
        return unbroadcast(gy, self.in_shape)


class Concatenate(Function):
    def forward(self, *arrays, axis):
        self.axis = axis
        self.bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return get_array_module(arrays[0]).concatenate(arrays, axis=axis)

    def backward(self, gy):
        parts = get_array_module(gy).split(gy, self.bounds, axis=self.axis)
        return tuple(p if need else None for p, need in zip(parts, self.needs_input_grad))


class Stack(Function):
    def forward(self, *arrays, axis):
        self.axis = axis
        return get_array_module(arrays[0]).stack(arrays, axis=axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        return tuple(xp.take(gy, i, axis=self.axis) if need else None for i, need in enumerate(self.needs_input_grad))


class Pad(Function):
    def forward(self, x, pad_width, value):
        self.slices = tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, x.shape))
        return get_array_module(x).pad(x, pad_width, mode="constant", constant_values=value)

    def backward(self, gy):
        return gy[self.slices]


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def _resolve_shape(shape: tuple, x: Tensor) -> tuple:
    """`shape` with its -1 filled in; an error naming both shapes when the sizes differ."""
    known = 1
    for n in shape:
        known *= n if n != -1 else 1
    size = x.data.size
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or size % known)) or (-1 not in shape and known != size):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({size} elements) into {shape}")
    return tuple(size // known if n == -1 else n for n in shape)


def reshape(x: Tensor, *shape) -> Tensor:
    """The same elements in a new shape; one dimension may be -1. `x.reshape(2, 3)` or `x.reshape((2, 3))`."""
    target = _resolve_shape(_shape_arg(shape), x)
    if target == x.shape:
        return x
    return Reshape.apply(x, shape=target)


view = reshape


def permute(x: Tensor, *axes) -> Tensor:
    """Reorder the axes: `x.permute(0, 2, 3, 1)` turns NCHW into NHWC."""
    axes = _shape_arg(axes)
    if sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not a permutation of the {x.ndim} axes of shape {x.shape}")
    return Permute.apply(x, axes=tuple(a % x.ndim for a in axes))


def transpose(x: Tensor, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap two axes (`x.transpose(0, 1)`), or reverse all axes when none are given (`x.T`)."""
    if dim0 is None and dim1 is None:
        axes = tuple(reversed(range(x.ndim)))
    else:
        axes = list(range(x.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return Permute.apply(x, axes=tuple(axes))


def t(x: Tensor) -> Tensor:
    """The transpose of a matrix (`W.t()`); 0-D and 1-D tensors come back as they are, as in PyTorch."""
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {x.shape}; use transpose(d0, d1)")
    return x if x.ndim < 2 else Permute.apply(x, axes=(1, 0))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes start_dim..end_dim into one (all of them by default, as in PyTorch)."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    shape = x.shape[:start] + (-1,) + x.shape[end + 1:]
    return reshape(x, shape)


def squeeze(x: Tensor, axis=None, *, dim=None) -> Tensor:
    """Drop axes of length 1 (all of them, or only `axis`)."""
    axis = dim if dim is not None else axis
    if axis is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = {a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis)}
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return reshape(x, shape)


def unsqueeze(x: Tensor, axis=None, *, dim=None) -> Tensor:
    """Insert an axis of length 1 at `axis`."""
    axis = dim if dim is not None else axis
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def expand(x: Tensor, *shape) -> Tensor:
    """Broadcast to `shape` without copying; -1 keeps a dimension."""
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    target = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    try:
        np.broadcast_shapes(x.shape, target)
    except ValueError:
        raise ValueError(f"expand: a tensor of shape {x.shape} cannot expand to {shape}") from None
    return Expand.apply(x, shape=target)


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """`expand(x, other.shape)`: broadcast to `other`'s shape without copying."""
    return expand(x, other.shape)


def broadcast_to(x: Tensor, shape) -> Tensor:
    """Broadcast to `shape` without copying (NumPy's name for `expand`)."""
    return expand(x, tuple(shape))


def concatenate(tensors, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = list(tensors)
    axis = (dim if dim is not None else axis) % tensors[0].ndim
    ref = tensors[0].shape
    for t in tensors[1:]:
        if t.ndim != len(ref) or any(a != b for i, (a, b) in enumerate(zip(t.shape, ref)) if i != axis):
            raise ValueError(f"cat: shapes {[tuple(t.shape) for t in tensors]} differ outside axis {axis}")
    return Concatenate.apply(*tensors, axis=axis)


cat = concatenate


def stack(tensors, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    tensors = list(tensors)
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ValueError(f"stack: all shapes must be equal, got {[tuple(t.shape) for t in tensors]}")
    axis = (dim if dim is not None else axis) % (tensors[0].ndim + 1)
    return Stack.apply(*tensors, axis=axis)


def split(x: Tensor, split_size_or_sections, axis: int = 0, *, dim: int | None = None) -> list:
    """Split into pieces of `split_size` along `axis`, or of the listed sizes (PyTorch semantics)."""
    axis = (dim if dim is not None else axis) % x.ndim
    n = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the length of axis {axis}")
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * axis + (slice(start, start + size),)
        pieces.append(x[index])
        start += size
    return pieces


def chunk(x: Tensor, chunks: int, axis: int = 0, *, dim: int | None = None) -> list:
    """Split into `chunks` nearly equal pieces along `axis`."""
    axis = (dim if dim is not None else axis) % x.ndim
    size = -(-x.shape[axis] // chunks)
    return split(x, size, axis)


def pad(x: Tensor, pad_width, value: float = 0.0) -> Tensor:
    """Pad with a constant. `pad_width` is NumPy's: an int, or one (before, after) pair per axis."""
    if isinstance(pad_width, int):
        pad_width = [(pad_width, pad_width)] * x.ndim
    pad_width = tuple((int(a), int(b)) for a, b in pad_width)
    if len(pad_width) != x.ndim:
        raise ValueError(f"pad: {len(pad_width)} (before, after) pairs for a tensor of shape {x.shape}")
    return Pad.apply(x, pad_width=pad_width, value=value)


def repeat(x: Tensor, *repeats) -> Tensor:
    """Tile the tensor `repeats[i]` times along axis i (PyTorch's `repeat`)."""
    repeats = _shape_arg(repeats)
    if len(repeats) < x.ndim:
        raise ValueError(f"repeat: {len(repeats)} repeats for a tensor of shape {x.shape}")
    x = reshape(x, (1,) * (len(repeats) - x.ndim) + x.shape)
    shape_in = x.shape
    expanded = expand(reshape(x, tuple(v for n in shape_in for v in (1, n))),
                      tuple(v for r, n in zip(repeats, shape_in) for v in (r, n)))
    return reshape(expanded, tuple(r * n for r, n in zip(repeats, shape_in)))


# ---- rearranging: roll, narrow, unbind, tile, unflatten, movedim, swapaxes ------------------------------
class Roll(Function):
    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return get_array_module(x).roll(x, shifts, axis=axes)

    def backward(self, gy):
        back = -self.shifts if isinstance(self.shifts, int) else tuple(-s for s in self.shifts)
        return get_array_module(gy).roll(gy, back, axis=self.axes)


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically by `shifts` along `dims` (ints or tuples); without dims, over the flattened
    tensor (shape kept), as torch.roll."""
    if dims is None:
        if not isinstance(shifts, int) and len(shifts) != 1:
            raise ValueError(f"roll: {len(shifts)} shifts need as many dims (tensor of shape {x.shape})")
        return Roll.apply(x, shifts=shifts if isinstance(shifts, int) else int(shifts[0]), axes=None)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims (tensor of shape {x.shape})")
    return Roll.apply(x, shifts=shifts, axes=tuple(d % max(x.ndim, 1) for d in dims))


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice `start:start+length` of `x` along `dim` (a negative start counts from the end), as torch.narrow."""
    axis, n = dim % x.ndim, x.shape[dim % x.ndim]
    start = start + n if start < 0 else start
    if not (0 <= start and length >= 0 and start + length <= n):
        raise ValueError(f"narrow: start {start} and length {length} do not fit dimension {dim} of shape {x.shape}")
    return x[(slice(None),) * axis + (slice(start, start + length),)]


def unbind(x: Tensor, dim: int = 0) -> tuple:
    """The slices of `x` along `dim`, that dimension removed (a tuple), as torch.unbind."""
    axis = dim % x.ndim
    return tuple(x[(slice(None),) * axis + (i,)] for i in range(x.shape[axis]))


def tile(x: Tensor, dims) -> Tensor:
    """Repeat `x` `dims[i]` times along axis i; shorter `dims` are padded with leading 1s, as torch.tile."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    """Split axis `dim` into `sizes` (one may be -1), as torch.unflatten: (2, 12) with (1, (3, 4)) → (2, 3, 4)."""
    axis, sizes = dim % x.ndim, tuple(int(s) for s in sizes)
    known = int(np.prod([s for s in sizes if s != -1]))
    n = x.shape[axis]
    if sizes.count(-1) > 1 or (known * (n // max(known, 1)) != n if -1 in sizes else known != n):
        raise ValueError(f"unflatten: sizes {sizes} do not multiply to {n}, dimension {dim} of shape {x.shape}")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(x, x.shape[:axis] + sizes + x.shape[axis + 1:])


def movedim(x: Tensor, source, destination) -> Tensor:
    """Move axes `source` to positions `destination` (ints or tuples), the others keeping their order."""
    src = [s % x.ndim for s in ((source,) if isinstance(source, int) else source)]
    dst = [d % x.ndim for d in ((destination,) if isinstance(destination, int) else destination)]
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} must be distinct and as many "
                         f"(tensor of shape {x.shape})")
    rest = iter(a for a in range(x.ndim) if a not in src)
    placed = dict(zip(dst, src))
    return permute(x, tuple(placed[i] if i in placed else next(rest) for i in range(x.ndim)))


moveaxis = movedim


def swapaxes(x: Tensor, axis0: int, axis1: int) -> Tensor:
    """Exchange two axes (NumPy's name for `transpose(dim0, dim1)`)."""
    return transpose(x, axis0, axis1)


def swapdims(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Exchange two axes (another name for `transpose(dim0, dim1)`)."""
    return transpose(x, dim0, dim1)


# ---- joining with NumPy's rules: hstack, vstack, dstack, column_stack; meshgrid, broadcast_tensors ---------
def atleast_1d(x: Tensor) -> Tensor:
    """`x`, as (1,) when it is a scalar."""
    return reshape(x, 1) if x.ndim == 0 else x


def atleast_2d(x: Tensor) -> Tensor:
    """`x` with at least 2 axes: () → (1, 1), (n,) → (1, n)."""
    return reshape(x, (1,) * (2 - x.ndim) + x.shape) if x.ndim < 2 else x


def atleast_3d(x: Tensor) -> Tensor:
    """`x` with at least 3 axes: () → (1, 1, 1), (n,) → (1, n, 1), (m, n) → (m, n, 1)."""
    shape = {0: (1, 1, 1), 1: (1,) + x.shape + (1,), 2: x.shape + (1,)}.get(x.ndim, x.shape)
    return reshape(x, shape)


def hstack(tensors) -> Tensor:
    """Join along axis 1 (axis 0 for 1-D tensors), as torch.hstack."""
    tensors = [atleast_1d(t) for t in tensors]
    return concatenate(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join along axis 0, 1-D (n,) tensors becoming rows (1, n), as torch.vstack."""
    return concatenate([atleast_2d(t) for t in tensors], 0)


def dstack(tensors) -> Tensor:
    """Join along axis 2 (depth), after making each tensor at least 3-D, as torch.dstack."""
    return concatenate([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors) -> Tensor:
    """Join along axis 1, 0-D and 1-D (n,) tensors becoming columns (n, 1), as torch.column_stack."""
    return concatenate([reshape(t, (t.data.size, 1)) if t.ndim < 2 else t for t in tensors], 1)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids of 1-D tensors of lengths n1..nk: k tensors of shape (n1, ..., nk) ('ij'), or with the
    first two lengths swapped ('xy'), as torch.meshgrid."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if any(t.ndim > 1 for t in tensors):
        raise ValueError(f"meshgrid: expects 0-D or 1-D tensors, got shapes {[tuple(t.shape) for t in tensors]}")
    sizes = [t.data.size for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0  # the axis each input runs along
    shape = tuple(sizes[order[a]] for a in range(len(tensors)))
    grids = []
    for i, t in enumerate(tensors):
        axis = order.index(i)
        grids.append(expand(reshape(t, tuple(sizes[i] if a == axis else 1 for a in range(len(tensors)))), shape))
    return tuple(grids)


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common broadcast shape, as torch.broadcast_tensors."""
    try:
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError:
        raise ValueError(f"broadcast_tensors: shapes {[tuple(t.shape) for t in tensors]} cannot be broadcast "
                         "together") from None
    return tuple(t if t.shape == shape else expand(t, shape) for t in tensors)
