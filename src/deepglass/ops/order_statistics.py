"""Order statistics, as in PyTorch: median, nanmedian, kthvalue, mode, quantile and nanquantile.

Each finds, by a stable sort, which elements are selected, then picks them from the input with a
differentiable gather, so the gradient goes to the selected elements (quantile: split by the
interpolation weights). Over all elements, median's gradient is shared evenly by the elements equal
to the result, as PyTorch's. NaN is the largest value; median and quantile return NaN where there is
one, the nan* versions ignore them.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .indexing import gather
from .reduction import ValuesIndices, normalize_axis


class EvenlySelected(Function):
    """The reduction of `x` to the one value `value`; its gradient is shared evenly by the elements equal to
    it (NaN equals NaN here), as PyTorch's median() and nanmedian() over all elements."""

    def forward(self, x, value):
        xp = get_array_module(x)
        self.mask = (x == value) | (xp.isnan(x) & xp.isnan(value))
        return value

    def backward(self, gy):
        return gy * self.mask / self.mask.sum()


def _one_axis(x: Tensor, dim: int, op: str) -> int:
    if not isinstance(dim, int):
        raise TypeError(f"{op}: dim must be one int, got {dim!r}")
    return normalize_axis(dim, None, x.ndim)[0]


def _pick(x: Tensor, axis: int, order, position, keepdim: bool) -> ValuesIndices:
    """The elements at sorted `position` (one per slice, size 1 along `axis`) of `x`, with their indices."""
    xp = x.xp
    indices = xp.take_along_axis(order, position, axis=axis)
    values = gather(x, axis, Tensor._wrap(indices))
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, Tensor._wrap(indices))


def _by_rank(x: Tensor, dim, keepdim: bool, op: str, rank) -> ValuesIndices:
    """(values, indices) of the element of sorted rank `rank(n, nan_count)` along `dim`, as `op`."""
    if x.ndim == 0:
        values, indices = _by_rank(x.reshape(1), 0, False, op, rank)
        return ValuesIndices(values.reshape(()), indices.reshape(()))
    axis = _one_axis(x, dim, op)
    n = x.shape[axis]
    if n == 0:
        raise IndexError(f"{op}: dimension {dim} of a tensor of shape {x.shape} is empty")
    xp = x.xp
    nan_count = xp.isnan(x.data).sum(axis=axis, keepdims=True) if x.dtype.kind in "fc" else \
        xp.zeros(x.shape[:axis] + (1,) + x.shape[axis + 1:], dtype="int64")
    position = xp.asarray(rank(n, nan_count), dtype="int64")
    position = xp.broadcast_to(position, nan_count.shape)
    order = xp.argsort(x.data, axis=axis, kind="stable")  # NaN sorts last
    return _pick(x, axis, order, position, keepdim)


def median(x: Tensor, dim: int | None = None, keepdim: bool = False):
    """The lower median (of n values, the ((n-1)//2)-th smallest) of all elements, a 0-d tensor; over one
    `dim`, (values, indices), as torch.median. NaN where a slice holds NaN (its index: the first NaN)."""
    if dim is None:
        return _median_all(x, ignore_nan=False)
    return _by_rank(x, dim, keepdim, "median",
                    lambda n, nans: x.xp.where(nans > 0, n - nans, (n - 1) // 2))


def nanmedian(x: Tensor, dim: int | None = None, keepdim: bool = False):
    """`median` ignoring NaN: the lower median of the other values; NaN only where all are NaN."""
    if dim is None:
        return _median_all(x, ignore_nan=True)
    return _by_rank(x, dim, keepdim, "nanmedian", lambda n, nans: x.xp.maximum((n - nans - 1) // 2, 0))


def _median_all(x: Tensor, ignore_nan: bool) -> Tensor:
    xp = x.xp
    flat = xp.sort(x.data.reshape(-1))
    if flat.size == 0:
        raise IndexError(f"{'nanmedian' if ignore_nan else 'median'}: the tensor of shape {x.shape} is empty")
    nans = int(xp.isnan(flat).sum()) if x.dtype.kind in "fc" else 0
    if ignore_nan:
        position = max((flat.size - nans - 1) // 2, 0)
    else:
        position = flat.size - nans if nans else (flat.size - 1) // 2
    return EvenlySelected.apply(x, value=xp.asarray(flat[position]))



def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """(values, indices) of the `k`-th smallest element (k from 1) along `dim`, as torch.kthvalue."""
    size = x.shape[normalize_axis(dim, None, x.ndim)[0]] if x.ndim else 1
    if not 1 <= k <= size:
        raise IndexError(f"kthvalue: k={k} is out of range for dimension {dim} of size {size} (shape {x.shape})")
    return _by_rank(x, dim, keepdim, "kthvalue", lambda n, nans: k - 1)


def mode(x: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """(values, indices) of the most frequent value along `dim` (the smallest at a tie of counts) and the
    index of its last occurrence, as torch.mode."""
    if x.ndim == 0:
        values, indices = mode(x.reshape(1), 0)
        return ValuesIndices(values.reshape(()), indices.reshape(()))
    axis = _one_axis(x, dim, "mode")
    xp = x.xp
    moved = xp.moveaxis(x.data, axis, -1)
    n = moved.shape[-1]
    if n == 0:
        raise IndexError(f"mode: dimension {dim} of a tensor of shape {x.shape} is empty")
    rows = moved.reshape(-1, n)
    m = rows.shape[0]
    order = xp.argsort(rows, axis=-1, kind="stable")
    ordered = xp.take_along_axis(rows, order, axis=-1)
    # runs of equal values in each sorted row: run ids, then each run's start and length
    starts = xp.concatenate([xp.ones((m, 1), dtype=bool), ordered[:, 1:] != ordered[:, :-1]], axis=1)
    slot = xp.cumsum(starts, axis=1) - 1 + xp.arange(m).reshape(-1, 1) * (n + 1)  # run id, n + 1 per row
    bounds = xp.full(m * (n + 1), n, dtype="int64")  # the start of each run; n after the last one
    bounds[slot[starts]] = xp.broadcast_to(xp.arange(n), (m, n))[starts]
    length = bounds[slot + 1] - bounds[slot]
    best = xp.argmax(length, axis=1)  # the first longest run: the smallest most frequent value
    row = xp.arange(m)
    last = best + length[row, best] - 1  # stable order: the run's last element is the value's last occurrence
    indices = order[row, last].reshape(moved.shape[:-1] + (1,))
    indices = xp.moveaxis(indices, -1, axis)
    values = gather(x, axis, Tensor._wrap(indices))
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, Tensor._wrap(indices))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The `q`-quantiles (q a number or a 1-D tensor in [0, 1]) of all elements or along `dim`, as
    torch.quantile; a 1-D q adds a first axis of len(q). NaN where a slice holds NaN."""
    return _quantile(x, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(x: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """`quantile` ignoring NaN; NaN only where a slice is all NaN."""
    return _quantile(x, q, dim, keepdim, interpolation, True, "nanquantile")


def _quantile(x: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool, op: str) -> Tensor:
    xp = x.xp
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: the input must be a float tensor, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {', '.join(_INTERPOLATIONS)}, got {interpolation!r}")
    q_data = q.data if isinstance(q, Tensor) else q
    qs = xp.asarray(q_data, dtype=x.dtype)
    if qs.ndim > 1:
        raise ValueError(f"{op}: q must be a number or a 1-D tensor, got shape {tuple(qs.shape)}")
    one_q = qs.ndim == 0
    qs = qs.reshape(-1)
    if bool(xp.any((qs < 0) | (qs > 1) | xp.isnan(qs))):
        raise ValueError(f"{op}: q values must be in the range [0, 1], got {q_data!r}")
    if dim is None:
        moved = x.reshape(1, -1)
        batch = ()
    else:
        axis = _one_axis(x, dim, op) if x.ndim else 0
        others = tuple(i for i in range(x.ndim) if i != axis)
        moved = x.permute(*others, axis) if x.ndim else x.reshape(1)
        batch = moved.shape[:-1]
        moved = moved.reshape(-1, moved.shape[-1]) if moved.ndim != 2 else moved
    m, n = moved.shape
    if n == 0:
        raise IndexError(f"{op}: cannot take quantiles of an empty slice (input shape {x.shape}, dim {dim})")
    order = xp.argsort(moved.data, axis=-1, kind="stable")
    nans = xp.isnan(moved.data).sum(axis=-1, keepdims=True)  # (m, 1)
    qcol = qs.reshape(-1, 1, 1)
    if ignore_nan:
        ranks = xp.maximum(qcol * (n - nans - 1).astype(x.dtype), 0)
    else:
        ranks = xp.where(nans > 0, x.dtype.type(n - 1), qcol * x.dtype.type(n - 1))  # a NaN row takes the last: NaN
    if interpolation in ("lower", "higher", "nearest"):
        ranks = {"lower": xp.floor, "higher": xp.ceil, "nearest": xp.round}[interpolation](ranks)
    below = ranks.astype("int64")
    row = xp.arange(m).reshape(1, -1, 1)
    flat = moved.reshape(-1)
    result = flat[Tensor._wrap(row * n + order[row, below])]  # (len(q), m, 1); gradient to the picked elements
    if interpolation in ("linear", "midpoint"):
        above = xp.ceil(ranks).astype("int64")
        upper = flat[Tensor._wrap(row * n + order[row, above])]
        if interpolation == "linear":
            weights = ranks - below
        else:
            weights = xp.where(below == ranks, x.dtype.type(0), x.dtype.type(0.5))
        result = result + Tensor._wrap(weights.astype(x.dtype, copy=False)) * (upper - result)
    if dim is None:
        shape = (1,) * x.ndim if keepdim else ()
    else:
        shape = batch[:axis] + (1,) + batch[axis:] if keepdim and x.ndim else batch
    return result.reshape(shape if one_q else (len(qs),) + shape)
