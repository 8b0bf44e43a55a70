"""Reductions over axes: sum, mean, max/min, amax/amin, aminmax, var/std (and var_mean/std_mean), logsumexp,
prod, argmax, cumsum, cumprod, norm, nansum/nanmean, count_nonzero.

Every reduction takes `axis` (NumPy) or `dim` (PyTorch), an int or a tuple, and `keepdims`/`keepdim`.
`max`/`min` over one `dim` return (values, indices), as in PyTorch; with `axis=` the values only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .elementwise import maximum, minimum
from .indexing import gather


def normalize_axis(axis, dim, ndim: int) -> tuple | None:
    """`axis`/`dim` (int, tuple or None) as a sorted tuple of non-negative axes, or None for all."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give axis or dim, not both")
        axis = dim
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    bound = ndim if ndim > 0 else 1
    out = []
    for a in axes:
        if not -bound <= a < bound:
            raise IndexError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % bound)
    return tuple(sorted(out))


def _keep(keepdims, keepdim) -> bool:
    return bool(keepdims or keepdim)


def _expand_back(g, in_shape: tuple, axes, keepdims: bool):
    """Broadcast the gradient of a reduction back to the input's shape (a fresh, writable array)."""
    xp = get_array_module(g)
    if not keepdims and axes is not None:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(in_shape)))
    out = xp.empty(in_shape, dtype=g.dtype)
    out[...] = g  # faster than broadcast_to + copy for the small arrays where overhead matters
    return out


class Sum(Function):
    def forward(self, x, axes, keepdims):
        self.in_shape, self.axes, self.keepdims = x.shape, axes, keepdims
        return x.sum(axis=axes, keepdims=keepdims)

    def backward(self, gy):
        return _expand_back(gy, self.in_shape, self.axes, self.keepdims)


class Mean(Function):
    def forward(self, x, axes, keepdims):
        self.in_shape, self.axes, self.keepdims = x.shape, axes, keepdims
        self.count = x.size if axes is None else _count(x.shape, axes)
        if x.dtype.itemsize < 4:  # NumPy's mean accumulates float16 in float32
            return x.mean(axis=axes, keepdims=keepdims)
        return x.sum(axis=axes, keepdims=keepdims) / x.dtype.type(self.count)

    def backward(self, gy):
        return _expand_back(gy / self.count, self.in_shape, self.axes, self.keepdims)


def _count(shape, axes) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class Max(Function):
    """max/min over axes; ties share the gradient evenly (like amax/amin)."""

    def forward(self, x, axes, keepdims, is_max):
        xp = get_array_module(x)
        if x.size == 0:
            raise ValueError("max/min of an empty tensor")
        y = x.max(axis=axes, keepdims=True) if is_max else x.min(axis=axes, keepdims=True)
        self.mask = x == y
        self.axes, self.keepdims = axes, keepdims
        return y if keepdims else xp.squeeze(y, axis=axes) if axes is not None else y.reshape(())

    def backward(self, gy):
        xp = get_array_module(gy)
        mask = self.mask
        count = mask.sum(axis=self.axes, keepdims=True)
        g = _expand_back(gy, mask.shape, self.axes, self.keepdims)
        return xp.where(mask, g / count, xp.zeros((), dtype=gy.dtype)).astype(gy.dtype, copy=False)


class Prod(Function):
    def forward(self, x, axes, keepdims):
        self.x, self.axes, self.keepdims = x, axes, keepdims
        self.y = x.prod(axis=axes, keepdims=True)
        return self.y if keepdims else self.y.reshape(x.prod(axis=axes).shape)

    def backward(self, gy):
        g = _expand_back(gy, self.x.shape, self.axes, self.keepdims)
        if get_array_module(gy).all(self.x != 0):
            return g * self.y / self.x
        return g * _product_of_others(self.x, self.axes)


def _product_of_others(x, axes):
    """For each element, the product of the other elements in its reduced group (exact with zeros).

    The reduced axes are moved last and flattened; exclusive cumulative products from the left and
    from the right, multiplied, leave out exactly the element itself.
    """
    xp = get_array_module(x)
    axes = tuple(range(x.ndim)) if axes is None else axes
    kept = tuple(i for i in range(x.ndim) if i not in axes)
    moved = xp.transpose(x, kept + axes)
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
    ones = xp.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
    others = (left * right).reshape(moved.shape)
    return xp.transpose(others, tuple(int(i) for i in np.argsort(kept + axes)))


class Cumsum(Function):
    def forward(self, x, axis):
        self.axis = axis
        return get_array_module(x).cumsum(x, axis=axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        return xp.flip(xp.cumsum(xp.flip(gy, self.axis), axis=self.axis), self.axis)


def sum(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Sum over `axis` (all axes when None)."""
    return Sum.apply(x, axes=normalize_axis(axis, dim, x.ndim), keepdims=_keep(keepdims, keepdim))


def mean(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:
    """Arithmetic mean over `axis` (all axes when None)."""
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean of a {x.dtype} tensor: convert it with .float() first")
    return Mean.apply(x, axes=normalize_axis(axis, dim, x.ndim), keepdims=_keep(keepdims, keepdim))


class ValuesIndices(NamedTuple):
    """What `max`/`min` over one `dim`, `sort` and `topk` return, as PyTorch's: values and their indices."""

    values: Tensor
    indices: Tensor


def max(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False):  # noqa: A001
    """As `torch.max`: the largest value (a scalar); over one `dim`, (values, indices) like
    `_, predicted = dg.max(logits, 1)`; `max(x, other)`, the elementwise maximum. NumPy's `axis=` (an int or
    a tuple) gives the values only, like `amax`."""
    return _max_or_min(x, dim, keepdim, axis, keepdims, True)


def min(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False):  # noqa: A001
    """As `torch.min`: the smallest value; over one `dim`, (values, indices); `min(x, other)` elementwise.
    NumPy's `axis=` gives the values only, like `amin`."""
    return _max_or_min(x, dim, keepdim, axis, keepdims, False)


def amax(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """Largest values over `dim` (an int or a tuple; all by default); ties share the gradient evenly."""
    return Max.apply(x, axes=normalize_axis(axis, dim, x.ndim), keepdims=_keep(keepdims, keepdim), is_max=True)


def amin(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """Smallest values over `dim` (an int or a tuple; all by default); ties share the gradient evenly."""
    return Max.apply(x, axes=normalize_axis(axis, dim, x.ndim), keepdims=_keep(keepdims, keepdim), is_max=False)


def _max_or_min(x: Tensor, dim, keepdim: bool, axis, keepdims: bool, is_max: bool):
    name = "max" if is_max else "min"
    if isinstance(dim, Tensor):  # torch.max(a, b)
        return maximum(x, dim) if is_max else minimum(x, dim)
    if dim is None or axis is not None:
        reduce = amax if is_max else amin
        return reduce(x, dim, keepdim, axis=axis, keepdims=keepdims)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be one int (values and indices), got {dim!r}; for several axes use "
                        f"a{name}(x, dim) or {name}(x, axis=...), which give the values only")
    axis = normalize_axis(dim, None, x.ndim)[0]
    indices = (argmax if is_max else argmin)(x, axis, keepdims=True)
    values = gather(x, axis, indices)  # the gradient goes to the chosen element, as in PyTorch
    if not (keepdim or keepdims):
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)


def prod(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:
    """Product over `axis` (the gradient stays exact where elements are zero)."""
    return Prod.apply(x, axes=normalize_axis(axis, dim, x.ndim), keepdims=_keep(keepdims, keepdim))


def var(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False,
        correction: int | None = None, unbiased: bool | None = None, ddof: int | None = None) -> Tensor:
    """Variance over `axis`; divides by N - correction (PyTorch's default correction=1; NumPy's ddof=0)."""
    if correction is None:
        correction = ddof if ddof is not None else (0 if unbiased is False else 1)
    axes = normalize_axis(axis, dim, x.ndim)
    keep = _keep(keepdims, keepdim)
    n = x.data.size if axes is None else _count(x.shape, axes)
    centered = x - mean(x, axis=axes, keepdims=True)
    return sum(centered * centered, axis=axes, keepdims=keep) / float(n - correction)


def std(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False,
        correction: int | None = None, unbiased: bool | None = None, ddof: int | None = None) -> Tensor:
    """Standard deviation: sqrt(var) with the same arguments."""
    return var(x, axis, keepdims, dim=dim, keepdim=keepdim, correction=correction, unbiased=unbiased,
               ddof=ddof).sqrt()


def logsumexp(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over `axis`, shifted by the max so it never overflows."""
    axes = normalize_axis(axis, dim, x.ndim)
    shift = Tensor._wrap(x.data.max(axis=axes, keepdims=True))
    out = (x - shift).exp().sum(axis=axes, keepdims=True).log() + shift
    if _keep(keepdims, keepdim):
        return out
    return out.reshape(out.data.squeeze(axis=axes).shape if axes is not None else ())


def norm(x: Tensor, p: float = 2, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:
    """The p-norm over `axis` (the 2-norm of all elements by default)."""
    axes = normalize_axis(axis, dim, x.ndim)
    keep = _keep(keepdims, keepdim)
    if p == 2:
        return (x * x).sum(axis=axes, keepdims=keep).sqrt()
    if p == 1:
        return x.abs().sum(axis=axes, keepdims=keep)
    return (x.abs() ** p).sum(axis=axes, keepdims=keep) ** (1.0 / p)


def cumsum(x: Tensor, axis=None, *, dim=None) -> Tensor:
    """Running sum along one `axis` (`dim`); shape preserved."""
    axes = normalize_axis(axis, dim, x.ndim)
    if axes is None or len(axes) != 1:
        raise ValueError("cumsum needs exactly one axis")
    return Cumsum.apply(x, axis=axes[0])


def _arg(name: str):
    def arg(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:
        axes = normalize_axis(axis, dim, x.ndim)
        if axes is not None and len(axes) != 1:
            raise ValueError(f"{name} takes one axis")
        a = None if axes is None else axes[0]
        out = getattr(x.data, name)(axis=a, keepdims=_keep(keepdims, keepdim) and a is not None)
        return Tensor._wrap(x.xp.asarray(out, dtype="int64"))

    arg.__name__ = name
    arg.__doc__ = f"Indices of the {'largest' if name == 'argmax' else 'smallest'} values over `axis` (int64)."
    return arg


argmax, argmin = _arg("argmax"), _arg("argmin")


def all(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element over `axis` is nonzero (all axes by default); boolean, not differentiable."""
    return Tensor._wrap(x.xp.asarray(x.data.all(axis=normalize_axis(axis, dim, x.ndim),
                                                 keepdims=_keep(keepdims, keepdim))))


def any(x: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element over `axis` is nonzero (all axes by default); boolean, not differentiable."""
    return Tensor._wrap(x.xp.asarray(x.data.any(axis=normalize_axis(axis, dim, x.ndim),
                                                 keepdims=_keep(keepdims, keepdim))))


class Cumprod(Function):
    """Running product; the gradient stays exact where the input has zeros (as PyTorch's)."""

    def forward(self, x, axis):
        self.x, self.axis = x, axis
        self.y = get_array_module(x).cumprod(x, axis=axis)
        return self.y

    def backward(self, gy):
        xp, x, axis = get_array_module(gy), self.x, self.axis

        def reverse_cumsum(a):
            return xp.flip(xp.cumsum(xp.flip(a, axis), axis=axis), axis)

        zero = x == 0
        if not zero.any():
            return reverse_cumsum(gy * self.y) / x
        # before a row's first zero, the usual sum_{j>=i} gy_j y_j / x_i holds (y is 0 from there on); at that
        # zero, sum_{j>=i} gy_j y'_j with y' the running product where it is replaced by 1; after it, 0
        zeros_so_far = xp.cumsum(zero, axis=axis)
        first_zero = zero & (zeros_so_far == 1)
        before = zeros_so_far == 0
        safe_x = xp.where(before, x, xp.ones((), dtype=x.dtype))
        y_skip = xp.cumprod(xp.where(first_zero, xp.ones((), dtype=x.dtype), x), axis=axis)
        out = xp.where(before, reverse_cumsum(gy * self.y) / safe_x, xp.zeros((), dtype=gy.dtype))
        return xp.where(first_zero, reverse_cumsum(gy * y_skip), out)


def cumprod(x: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running product along `dim`, shape preserved (as torch.cumprod; exact gradients with zeros)."""
    axis = normalize_axis(dim, None, x.ndim)[0]
    if dtype is not None:
        x = x.astype(dtype)
    if x.ndim == 0:
        return Cumprod.apply(x.reshape(1), axis=0).reshape(())
    return Cumprod.apply(x, axis=axis)


class NanToZero(Function):
    """NaN replaced by 0; the gradient is gy * (x is not NaN), as PyTorch's nansum (so 0 * inf is NaN there)."""

    def forward(self, x):
        xp = get_array_module(x)
        self.keep = ~xp.isnan(x)
        return xp.where(self.keep, x, xp.zeros((), dtype=x.dtype))

    def backward(self, gy):
        return gy * self.keep


def nansum(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """Sum over `dim` counting NaN as zero (their gradient is zero), as torch.nansum."""
    if x.dtype.kind in "fc":
        x = NanToZero.apply(x)
    return sum(x, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)


def nanmean(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over `dim` of the non-NaN elements (NaN where all are NaN), as torch.nanmean."""
    if x.dtype.kind not in "fc":
        raise TypeError(f"nanmean of a {x.dtype} tensor: convert it with .float() first")
    axes = normalize_axis(axis, dim, x.ndim)
    count = (~x.xp.isnan(x.data)).sum(axis=axes, keepdims=_keep(keepdims, keepdim)).astype(x.dtype)
    return nansum(x, axis=axes, keepdims=_keep(keepdims, keepdim)) / Tensor._wrap(count)


def var_mean(x: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None, axis=None, keepdims: bool = False) -> tuple[Tensor, Tensor]:
    """(variance, mean) over `dim`, as torch.var_mean: the variance divides by N - correction (default 1)."""
    keep = _keep(keepdims, keepdim)
    axes = normalize_axis(axis, dim, x.ndim)
    return (var(x, axis=axes, keepdims=keep, correction=correction, unbiased=unbiased),
            mean(x, axis=axes, keepdims=keep))


def std_mean(x: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None, axis=None, keepdims: bool = False) -> tuple[Tensor, Tensor]:
    """(standard deviation, mean) over `dim`, as torch.std_mean (correction as in `var_mean`)."""
    keep = _keep(keepdims, keepdim)
    axes = normalize_axis(axis, dim, x.ndim)
    return (std(x, axis=axes, keepdims=keep, correction=correction, unbiased=unbiased),
            mean(x, axis=axes, keepdims=keep))


def count_nonzero(x: Tensor, dim=None) -> Tensor:
    """The int64 number of nonzero elements over `dim` (an int or a tuple; all by default); not differentiable."""
    axes = normalize_axis(dim, None, x.ndim)
    return Tensor._wrap(x.xp.asarray((x.data != 0).sum(axis=axes), dtype="int64"))


class MinMax(NamedTuple):
    """What `aminmax` returns, as PyTorch's: the smallest and the largest values."""

    min: Tensor
    max: Tensor


def aminmax(x: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
    """(min, max) over `dim` (all elements by default), as torch.aminmax; ties share the gradient evenly."""
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"aminmax: dim must be one int, got {dim!r}")
    return MinMax(amin(x, dim, keepdim), amax(x, dim, keepdim))

