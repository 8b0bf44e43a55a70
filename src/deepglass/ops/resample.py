"""Separable linear resampling of images: y = A_rows @ x @ A_colsᵀ over the last two axes.

Adaptive average pooling and nearest/bilinear upsampling are all of this form with small, fixed
matrices (each row holds the weights one output pixel takes from the input row or column), so one
op with a two-line backward (gx = A_rowsᵀ @ gy @ A_cols) serves them all, on NumPy and CuPy alike.
Cost is O(out·in) per axis and image row, fine for the feature-map sizes of CNNs.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor


class Resample2d(Function):
    def forward(self, x, *, rows, cols):
        self.rows, self.cols = rows, cols
        return (rows @ x) @ cols.T

    def backward(self, gy):
        return (self.rows.T @ gy) @ self.cols


def resample2d(x: Tensor, rows, cols) -> Tensor:
    """Apply the (Ho, H) matrix `rows` and the (Wo, W) matrix `cols` to x (…, H, W) → (…, Ho, Wo)."""
    if rows.shape[1] != x.shape[-2] or cols.shape[1] != x.shape[-1]:
        raise ValueError(f"resample2d: matrices {rows.shape} and {cols.shape} do not fit an input of shape {x.shape}")
    return Resample2d.apply(x, rows=rows, cols=cols)
