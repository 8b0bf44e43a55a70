"""Functional embedding lookup and one-hot encoding."""

from __future__ import annotations

from ...ops.embedding import embedding as _embedding
from ...tensor import Tensor

__all__ = ["embedding", "one_hot"]


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
