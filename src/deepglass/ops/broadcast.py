"""Helpers shared by every op: turning Python numbers into tensors and undoing broadcasting."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, get_default_dtype


def as_tensor(value, like: Tensor) -> Tensor:
    """`value` as a Tensor on `like`'s device; Python numbers take `like`'s dtype (as in PyTorch)."""
    if isinstance(value, Tensor):
        return value
    xp = like.xp
    if isinstance(value, (bool, int, float)):
        kind = like.data.dtype.kind
        if isinstance(value, float) and kind not in "fc":
            dtype = get_default_dtype()
        elif isinstance(value, bool) or kind in "fc" or (isinstance(value, int) and kind in "iu"):
            dtype = like.data.dtype
        else:
            dtype = None
        return Tensor._wrap(xp.asarray(value, dtype=dtype))
    return Tensor(value, device=like.device)


def pair(a, b) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors (at least one already is), with PyTorch's type promotion."""
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = as_tensor(b, a)
    else:
        a = as_tensor(a, b)
    if a.data.dtype is not b.data.dtype:
        a, b = _promote(a, b)
    return a, b


def _promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Where NumPy and PyTorch differ: an int/bool tensor meeting a float one takes the float's dtype
    (NumPy would turn int64 + float32 into float64). Int tensors never need gradients, so the cast is free."""
    kind_a, kind_b = a.data.dtype.kind, b.data.dtype.kind
    if kind_a in "fc" and kind_b in "biu":
        b = Tensor._wrap(b.data.astype(a.data.dtype))
    elif kind_b in "fc" and kind_a in "biu":
        a = Tensor._wrap(a.data.astype(b.data.dtype))
    return a, b


def unbroadcast(g, shape: tuple):
    """Sum `g` over the axes that broadcasting added or stretched, so it has `shape` again."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def check_broadcastable(op: str, a: Tensor, b: Tensor) -> None:
    """Raise an error naming `op` and both shapes when they cannot broadcast."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None
