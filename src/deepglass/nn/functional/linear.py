"""Functional affine maps: `linear` (a fused op, see ops/linear.py) and `bilinear`."""

from __future__ import annotations

from ...ops import shape as shape_ops
from ...ops.linear import linear
from ...tensor import Tensor

__all__ = ["bilinear", "linear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1ᵀ·weight[k]·x2 + bias[k]: (*, in1) and (*, in2) with weight (out, in1, in2) → (*, out)."""
    if weight.ndim != 3 or input1.shape[-1:] != weight.shape[1:2] or input2.shape[-1:] != weight.shape[2:]:
        raise ValueError(f"bilinear: inputs {tuple(input1.shape)} and {tuple(input2.shape)} do not match weight "
                         f"(out, in1, in2) = {tuple(weight.shape)}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"bilinear: inputs {tuple(input1.shape)} and {tuple(input2.shape)} differ in their "
                         f"leading (batch) dimensions")
    out, in1, in2 = weight.shape
    batch = input1.shape[:-1]
    x1, x2 = shape_ops.reshape(input1, (-1, in1)), shape_ops.reshape(input2, (-1, in2))
    # x1 @ W as one matrix product: (B, in1) @ (in1, out·in2), then the dot products with x2
    w = shape_ops.reshape(shape_ops.permute(weight, (1, 0, 2)), (in1, out * in2))
    y = (shape_ops.reshape(x1 @ w, (-1, out, in2)) * shape_ops.unsqueeze(x2, 1)).sum(dim=-1)
    if bias is not None:
        y = y + bias
    return shape_ops.reshape(y, (*batch, out))
