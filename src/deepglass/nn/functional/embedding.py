"""Functional embedding lookup, bags of embeddings (sum, mean or max per bag) and one-hot encoding."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...ops.embedding import embedding as _embedding
from ...tensor import Tensor

__all__ = ["embedding", "embedding_bag", "one_hot"]


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` (num_embeddings, dim) picked by integer `input` (*) → (*, dim); `padding_idx` gets no grad."""
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return _embedding(input, weight, padding_idx)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Integer class indices (*) → int64 one-hot (*, num_classes); num_classes=-1 uses max + 1."""
    xp = tensor.xp
    n = int(tensor.data.max()) + 1 if num_classes < 0 else num_classes
    return Tensor._wrap((tensor.data[..., None] == xp.arange(n)).astype("int64"))


def _bag_table(input: Tensor, offsets: Tensor | None, include_last_offset: bool):
    """(flat indices (L,), table (B, K) of positions into them, valid (B, K)): bag b is table[b, valid[b]]."""
    xp = input.xp
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"embedding_bag: offsets must be None for a 2-D input, got input {tuple(input.shape)}")
        b, k = input.shape
        return input.data.reshape(-1), xp.arange(b * k).reshape(b, k), xp.ones((b, k), dtype=bool)
    if input.ndim != 1 or offsets is None or offsets.ndim != 1:
        raise ValueError(f"embedding_bag: expected a 2-D input (B, K), or a 1-D input with 1-D offsets, got input "
                         f"{tuple(input.shape)} and offsets {None if offsets is None else tuple(offsets.shape)}")
    flat, starts = input.data, offsets.data if isinstance(offsets, Tensor) else xp.asarray(offsets)
    if starts.dtype.kind not in "iu":
        raise TypeError(f"embedding_bag: offsets must be integers, got dtype {starts.dtype}")
    n = flat.shape[0]
    ends = starts[1:] if include_last_offset else xp.concatenate([starts[1:], xp.asarray([n], starts.dtype)])
    starts = starts[:-1] if include_last_offset else starts
    if starts.size and (int(starts[0]) != 0 or bool((ends < starts).any()) or int(ends[-1]) > n):
        raise ValueError(f"embedding_bag: offsets must start at 0 and increase up to the input length {n}")
    k = max(int((ends - starts).max()) if starts.size else 0, 1)
    table = starts[:, None] + xp.arange(k)
    valid = table < ends[:, None]
    return flat, xp.where(valid, table, 0), valid


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of each bag of embedding rows → (B, dim).

    Bags are the rows of a 2-D input (B, K), or the runs of a 1-D input that start at each of `offsets` (B,);
    an empty bag gives zeros; `per_sample_weights` (input's shape, mode 'sum') scales each row first.
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: max_norm, scale_grad_by_freq and sparse are not supported")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights is only supported for mode='sum' (got "
                                  f"mode={mode!r})")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: per_sample_weights {tuple(per_sample_weights.shape)} must have the input's "
                         f"shape {tuple(input.shape)}")
    flat, table, valid = _bag_table(input, offsets, include_last_offset)
    xp, dim = input.xp, weight.shape[1]
    if padding_idx is not None:
        padding_idx = padding_idx + weight.shape[0] if padding_idx < 0 else padding_idx
        if flat.size:
            valid = valid & (flat[table] != padding_idx)
    if flat.size == 0:
        return Tensor._wrap(xp.zeros((table.shape[0], dim), dtype=weight.dtype))
    rows = embedding(Tensor._wrap(flat), weight)  # (L, dim)
    if per_sample_weights is not None:
        rows = rows * ops.reshape(per_sample_weights, (-1, 1))
    hidden = ~valid[:, :, None]
    bags = ops.getitem(rows, table)  # (B, K, dim)
    if mode == "max":
        out = ops.amax(ops.masked_fill(bags, hidden, -np.inf), dim=1)
        return ops.masked_fill(out, ~valid.any(axis=1)[:, None], 0.0)
    out = ops.masked_fill(bags, hidden, 0.0).sum(dim=1)
    if mode == "mean":
        counts = xp.maximum(valid.sum(axis=1), 1).astype(weight.dtype)[:, None]
        out = out / Tensor._wrap(counts)
    return out
