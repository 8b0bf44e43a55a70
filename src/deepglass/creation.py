"""Making tensors: from data, filled, ranges, identity, and random (seeded by `manual_seed`)."""

from __future__ import annotations

import numpy as np

from . import backend
from .random import default_generator
from .tensor import Tensor, get_default_dtype


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _make(array: np.ndarray, device, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(backend.to_device(array, backend.normalize_device(device)))
    return t.requires_grad_(True) if requires_grad else t


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor copying `data` (lists, numbers, arrays). Python floats become float32."""
    t = Tensor(data, dtype=dtype, device=device)
    if isinstance(data, (np.ndarray, Tensor)) or hasattr(data, "__cuda_array_interface__"):
        t.data = t.data.copy()
    return t.requires_grad_(True) if requires_grad else t


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (dtype kept)."""
    return Tensor._wrap(np.asarray(array))


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, without a copy when it already is one with the right dtype/device."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return Tensor(data, dtype=dtype, device=device)


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros; `size` as ints or one tuple (default float dtype unless `dtype`)."""
    xp = backend.array_module_for(device)
    return _make_on(xp.zeros(_shape(size), dtype=_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones; `size` as ints or one tuple (default float dtype unless `dtype`)."""
    xp = backend.array_module_for(device)
    return _make_on(xp.ones(_shape(size), dtype=_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor (values are arbitrary); `size` as ints or one tuple."""
    xp = backend.array_module_for(device)
    return _make_on(xp.empty(_shape(size), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape `size` (an int or a tuple) filled with `fill_value`.

    Without `dtype`, the value decides: a Python float gives the default float dtype, an int int64, a bool bool.
    """
    xp = backend.array_module_for(device)
    if dtype is None:
        dtype = np.asarray(fill_value).dtype if not isinstance(fill_value, float) else get_default_dtype()
        if dtype == np.float64 and not isinstance(fill_value, float):
            dtype = get_default_dtype()
    size = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    return _make_on(xp.full(size, fill_value, dtype=np.dtype(dtype)), requires_grad)


def _make_on(array, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros with `x`'s shape, and its dtype and device unless given."""
    return zeros(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones with `x`'s shape, and its dtype and device unless given."""
    return ones(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """`fill_value` everywhere, with `x`'s shape, and its dtype and device unless given."""
    return full(x.shape, fill_value, dtype=dtype or x.dtype, device=device or x.device,
                 requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); ints give int64, floats the default float dtype."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else get_default_dtype()
    xp = backend.array_module_for(device)
    return _make_on(xp.arange(start, end, step, dtype=np.dtype(dtype)), requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included (default float dtype)."""
    xp = backend.array_module_for(device)
    return _make_on(xp.linspace(start, end, steps, dtype=_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix: ones on the diagonal, zeros elsewhere (m defaults to n)."""
    xp = backend.array_module_for(device)
    return _make_on(xp.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*size, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform samples in [0, 1)."""
    rng = generator or default_generator()
    return _make(rng.random(_shape(size)).astype(_dtype(dtype)), device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples."""
    rng = generator or default_generator()
    return _make(rng.standard_normal(_shape(size)).astype(_dtype(dtype)), device, requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None, generator=None) -> Tensor:
    """Integers in [low, high) (int64); `randint(high, size=...)` starts at 0."""
    if high is None:
        low, high = 0, low
    rng = generator or default_generator()
    size = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    return _make(rng.integers(low, high, size=size).astype(np.dtype(dtype or np.int64)), device, False)


def randperm(n: int, device=None, generator=None) -> Tensor:
    """A random permutation of 0 .. n-1 (int64), drawn from the seeded generator."""
    rng = generator or default_generator()
    return _make(rng.permutation(n).astype(np.int64), device, False)


def rand_like(x: Tensor, dtype=None) -> Tensor:
    """Uniform samples in [0, 1) with `x`'s shape, dtype (unless given) and device."""
    return rand(x.shape, dtype=dtype or x.dtype, device=x.device)


def randn_like(x: Tensor, dtype=None) -> Tensor:
    """Standard normal samples with `x`'s shape, dtype (unless given) and device."""
    return randn(x.shape, dtype=dtype or x.dtype, device=x.device)


def empty_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor with `x`'s shape, and its dtype and device unless given."""
    return empty(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """`steps` values base**v for v evenly spaced from `start` to `end`, both included (default float dtype)."""
    xp = backend.array_module_for(device)
    return _make_on(xp.logspace(start, end, steps, base=base).astype(_dtype(dtype)), requires_grad)


def _triangle_indices(which: str, row: int, col: int, offset: int, dtype, device) -> Tensor:
    xp = backend.array_module_for(device)
    rows, cols = getattr(xp, which)(row, offset, col)
    return _make_on(xp.stack([rows, cols]).astype(np.dtype(dtype)), False)


def tril_indices(row: int, col: int, offset: int = 0, dtype=np.int64, device=None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a (row, col) matrix (diagonal `offset`)."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, dtype=np.int64, device=None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a (row, col) matrix (diagonal `offset`)."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device)


def is_tensor(obj) -> bool:
    """True when `obj` is a deepglass Tensor."""
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    """The number of elements of `x`."""
    return int(x.data.size)
