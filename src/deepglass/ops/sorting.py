"""Sorting: `sort`, `argsort` and `topk` along one axis, as in PyTorch.

The values are gathered at the sorted indices, so their gradient goes back to the elements they came
from. Sorts are stable: equal values keep their order (PyTorch's `stable=True`).
"""

from __future__ import annotations

from ..tensor import Tensor
from .indexing import gather
from .reduction import ValuesIndices, normalize_axis


def argsort(x: Tensor, dim: int = -1, descending: bool = False) -> Tensor:
    """The int64 indices that sort `x` along `dim` (ascending unless `descending`); ties keep their order."""
    axis = normalize_axis(dim, None, x.ndim)[0] if x.ndim else None
    data = x.data
    if descending:  # sort the negated values: a stable descending order (unsigned and bool widened first)
        data = -(data.astype("int64") if data.dtype.kind in "ub" else data)
    return Tensor._wrap(x.xp.argsort(data, axis=axis, kind="stable").astype("int64", copy=False))


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    """(values, indices) of `x` sorted along `dim`, as torch.sort; always stable (`stable` is accepted)."""
    if x.ndim == 0:
        return ValuesIndices(x, Tensor._wrap(x.xp.zeros((), dtype="int64")))
    indices = argsort(x, dim, descending)
    return ValuesIndices(gather(x, dim, indices), indices)


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """(values, indices) of the `k` largest (or smallest) entries along `dim`, best first, as torch.topk."""
    axis = normalize_axis(dim, None, max(x.ndim, 1))[0]
    size = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= size:
        raise ValueError(f"topk: k={k} is out of range for dimension {dim} of size {size} (shape {x.shape})")
    order = argsort(x, axis, descending=largest)
    indices = Tensor._wrap(order.data.take(x.xp.arange(k), axis=axis)) if x.ndim else order
    return ValuesIndices(gather(x, axis, indices), indices)
