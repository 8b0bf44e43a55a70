"""Embedding lookup: rows of a weight matrix picked by integer indices; backward scatter-adds into those rows."""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor


class Embedding(Function):
    def forward(self, weight, indices, padding_idx):
        self.shape, self.indices, self.padding_idx = weight.shape, indices, padding_idx
        return weight[indices]

    def backward(self, gy):
        xp = get_array_module(gy)
        gw = xp.zeros(self.shape, dtype=gy.dtype)
        xp.add.at(gw, self.indices.reshape(-1), gy.reshape(-1, self.shape[1]))  # repeated indices add up
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0  # the padding row never learns
        return gw


def embedding(indices: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """weight[indices]. Shapes: indices (*) integers, weight (num_embeddings, dim) → (*, dim)."""
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    n = weight.shape[0]
    if indices.numel() and (int(indices.data.min()) < -n or int(indices.data.max()) >= n):
        raise IndexError(f"embedding: an index is outside [0, {n}) for a weight of shape {tuple(weight.shape)}")
    return Embedding.apply(weight, indices=indices.data, padding_idx=padding_idx)
