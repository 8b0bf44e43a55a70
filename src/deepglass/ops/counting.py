"""Counting and searching, as in PyTorch: unique, bincount, histc, isin, searchsorted, bucketize.

None of these is differentiable: they return counts, positions or booleans, outside the graph.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def _array(value, like: Tensor):
    return value.data if isinstance(value, Tensor) else like.xp.asarray(value)


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: int | None = None):
    """The distinct values of `x` in ascending order (or its distinct slices along `dim`), with, when asked, the
    int64 inverse (x's shape; len(x.shape[dim]) along dim) and counts, as torch.unique (always sorted)."""
    data = x.data
    axis = None if dim is None else dim % max(x.ndim, 1)
    values, inverse, counts = x.xp.unique(data, return_inverse=True, return_counts=True, axis=axis)
    out = [Tensor._wrap(values)]
    if return_inverse:
        shape = x.shape if axis is None else (x.shape[axis],)
        out.append(Tensor._wrap(inverse.reshape(shape).astype("int64", copy=False)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype("int64", copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(x: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0..max(x) occurs in the 1-D non-negative integer tensor `x` (int64), or the sum of
    `weights` for each (their dtype if float, else float64), at least `minlength` long, as torch.bincount."""
    data = x.data
    if data.ndim != 1 or data.dtype.kind not in "iub" or (data.size and int(data.min()) < 0):
        raise ValueError(f"bincount: expects a 1-D tensor of non-negative integers, got shape {x.shape} of "
                         f"{data.dtype}")
    if weights is None:
        return Tensor._wrap(x.xp.bincount(data, minlength=minlength).astype("int64", copy=False))
    w = _array(weights, x)
    if w.shape != data.shape:
        raise ValueError(f"bincount: weights of shape {w.shape} must match x of shape {x.shape}")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype("float64")
    return Tensor._wrap(x.xp.bincount(data, weights=w, minlength=minlength).astype(dtype, copy=False))


def histc(x: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002 - PyTorch's names
    """Counts of `x` in `bins` equal-width bins over [min, max] (the data's range when min == max; values
    outside are ignored), in x's float dtype, as torch.histc."""
    if x.dtype.kind != "f" or bins <= 0:
        raise ValueError(f"histc: expects a float tensor and bins > 0, got {x.dtype} and bins={bins}")
    xp, data = x.xp, x.data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise ValueError(f"histc: max {max} must be larger than min {min}")
    inside = data[(data >= lo) & (data <= hi)]
    index = ((inside - lo) * (bins / (hi - lo))).astype("int64")
    index = xp.minimum(index, bins - 1)  # the right edge belongs to the last bin
    return Tensor._wrap(xp.bincount(index, minlength=bins).astype(x.dtype))


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """A boolean tensor of `elements`' shape: whether each element is in `test_elements`, as torch.isin."""
    like = elements if isinstance(elements, Tensor) else test_elements
    a, b = _array(elements, like), _array(test_elements, like)
    return Tensor._wrap(like.xp.isin(a, b, assume_unique=assume_unique, invert=invert))


def searchsorted(sorted_sequence: Tensor, values, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter=None) -> Tensor:
    """Where each of `values` would be inserted to keep `sorted_sequence` sorted along its last axis (the
    leftmost place, or the rightmost with `right`); N-D sequences search row by row, as torch.searchsorted."""
    seq, xp = sorted_sequence.data, sorted_sequence.xp
    vals = _array(values, sorted_sequence)
    right = right or side == "right"
    if sorter is not None:
        sorter = _array(sorter, sorted_sequence)
        seq = xp.take_along_axis(seq, sorter, axis=-1)
    if seq.ndim <= 1:
        found = xp.searchsorted(seq, vals, side="right" if right else "left")
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise ValueError(f"searchsorted: sorted_sequence of shape {seq.shape} and values of shape {vals.shape} "
                             "must match but for the last dimension")
        before = seq[..., None, :] <= vals[..., None] if right else seq[..., None, :] < vals[..., None]
        found = before.sum(axis=-1)  # the number of entries before each value's place
    return Tensor._wrap(xp.asarray(found).astype("int32" if out_int32 else "int64"))


def bucketize(x: Tensor, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The index of the bucket of each element of `x` given 1-D sorted `boundaries`: i with
    boundaries[i-1] < x <= boundaries[i] (or boundaries[i-1] <= x < boundaries[i] with `right`), as torch.bucketize."""
    if boundaries.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {boundaries.shape}")
    return searchsorted(boundaries, x, out_int32=out_int32, right=right)
