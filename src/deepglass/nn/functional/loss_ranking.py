"""Margin, ranking and embedding losses (PyTorch's formulas, options and `reduction` 'none' | 'mean' | 'sum').

They compare pairs or triplets of inputs (ranking, metric learning) or score several labels per sample.
All are compositions of ordinary ops except the soft margin, which uses the stable fused `ops.loss.soft_margin`.
"""

from __future__ import annotations

from collections.abc import Callable

from ... import ops
from ...ops.loss import binary_cross_entropy_with_logits as _bce_logits
from ...ops.loss import soft_margin
from ...tensor import Tensor
from .loss import _as_target, _reduce, _same_shape, _weight_on_device
from .normalization import pairwise_distance

__all__ = [
    "margin_ranking_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss", "cosine_embedding_loss",
    "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss",
]


def _float_target(target, like: Tensor) -> Tensor:
    """`target` as a constant Tensor of `like`'s dtype and device (so ±1 integer labels do not promote)."""
    target = _as_target(target, like)
    return Tensor._wrap(target.data.astype(like.dtype, copy=False))


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """max(0, -target·(input1 - input2) + margin): target 1 asks input1 to rank above input2, -1 below.

    Shapes: input1, input2 and target (N,) or () (all of one number of dimensions, broadcasting).
    """
    target = _float_target(target, input1)
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(f"margin_ranking_loss: input1 {tuple(input1.shape)}, input2 {tuple(input2.shape)} and "
                         f"target {tuple(target.shape)} must have the same number of dimensions")
    _check_reduction(reduction, "margin_ranking_loss")
    return _reduce(ops.relu((input2 - input1) * target + float(margin)), reduction, "margin_ranking_loss")


def _triplet_checks(name: str, anchor: Tensor, positive: Tensor, negative: Tensor, margin: float,
                    reduction: str) -> None:
    _check_reduction(reduction, name)
    if margin <= 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"{name}: anchor {tuple(anchor.shape)}, positive {tuple(positive.shape)} and negative "
                         f"{tuple(negative.shape)} must have the same number of dimensions")


def _triplet(dist: Callable, anchor: Tensor, positive: Tensor, negative: Tensor, margin: float, swap: bool,
             reduction: str, name: str) -> Tensor:
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:  # use the positive as the anchor when it is closer to the negative (Balntas et al.)
        d_neg = ops.minimum(d_neg, dist(positive, negative))
    return _reduce(ops.relu(d_pos - d_neg + float(margin)), reduction, name)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with d the p-norm distance ‖x1 - x2 + eps‖_p over the last axis.

    Shapes: anchor, positive, negative (N, D) or (D,) → loss (N,) or () before reduction.
    """
    name = "triplet_margin_loss"
    _triplet_checks(name, anchor, positive, negative, margin, reduction)
    return _triplet(lambda a, b: pairwise_distance(a, b, p, eps), anchor, positive, negative, margin, swap,
                    reduction, name)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) for any `distance_function` d (default: `pairwise_distance`).

    Shapes: anchor, positive, negative (N, D) or (D,) (whatever d accepts) → d's output shape before reduction.
    """
    name = "triplet_margin_with_distance_loss"
    _triplet_checks(name, anchor, positive, negative, margin, reduction)
    return _triplet(distance_function or pairwise_distance, anchor, positive, negative, margin, swap, reduction,
                    name)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1 (0 for other labels).

    Shapes: input1, input2 (N, D) with target (N,), or (D,) with target () → loss (N,) or ().
    """
    target = _as_target(target, input1)
    if target.ndim not in (0, 1) or input1.ndim != target.ndim + 1 or input2.ndim != target.ndim + 1:
        raise ValueError(f"cosine_embedding_loss: expected inputs (N, D) with target (N,), or (D,) with target (); "
                         f"got input1 {tuple(input1.shape)}, input2 {tuple(input2.shape)}, target "
                         f"{tuple(target.shape)}")
    _check_reduction(reduction, "cosine_embedding_loss")
    axis = target.ndim
    eps = 1e-12  # PyTorch's: added to each squared norm
    squares = ((input1 * input1).sum(axis=axis) + eps) * ((input2 * input2).sum(axis=axis) + eps)
    cos = (input1 * input2).sum(axis=axis) / ops.sqrt(squares)
    y = target.data
    loss = ops.where(Tensor._wrap(y == 1), 1.0 - cos, 0.0) + ops.where(Tensor._wrap(y == -1),
                                                                          ops.relu(cos - float(margin)), 0.0)
    return _reduce(loss, reduction, "cosine_embedding_loss")


def soft_margin_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """log(1 + e^(-target·input)) elementwise (a smooth two-class hinge for labels ±1), finite for any input.

    Shapes: input and target of one shape; 'mean' divides by the number of elements.
    """
    target = _float_target(target, input)
    _same_shape("soft_margin_loss", input, target)
    _check_reduction(reduction, "soft_margin_loss")
    return _reduce(soft_margin(input, target), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input: Tensor, target, weight: Tensor | None = None,
                                reduction: str = "mean") -> Tensor:
    """Mean over the C classes of sigmoid + binary cross-entropy (stable for any logit), per sample.

    Shapes: input logits and 0/1 target (N, C) or (C,); `weight` (C,) scales classes → loss (N,) or ().
    """
    name = "multilabel_soft_margin_loss"
    target = _float_target(target, input)
    _same_shape(name, input, target)
    _check_reduction(reduction, name)
    loss = _bce_logits(input, target)
    if weight is not None:
        loss = loss * _weight_on_device(weight, input, name)
    return _reduce(loss.sum(axis=-1) * (1.0 / input.shape[-1]), reduction, name)


def multilabel_margin_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Σ_{j target, i not target} max(0, 1 - (x[y_j] - x[i])) / C per sample: every target class should
    score a margin of 1 above every other class.

    Shapes: input (N, C) or (C,); target of the same shape holding class indices, ended by the first -1
    (the rest is ignored) → loss (N,) or ().
    """
    name = "multilabel_margin_loss"
    target = _as_target(target, input)
    _same_shape(name, input, target)
    _check_reduction(reduction, name)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got {target.dtype}")
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: expected input (N, C) or (C,), got shape {tuple(input.shape)}")
    if input.ndim == 1:
        loss = multilabel_margin_loss(input.reshape(1, -1), target.reshape(1, -1), "none").reshape(())
        return _reduce(loss, reduction, name)
    xp = input.xp
    n, c = input.shape
    y = target.data
    if y.size and (int(y.min()) < -1 or int(y.max()) >= c):
        raise IndexError(f"{name}: target holds a class index outside [-1, {c})")
    valid = xp.cumsum(y < 0, axis=1) == 0  # the indices before the first -1
    safe_y = xp.where(valid, y, 0)
    is_target = xp.zeros((n, c), dtype=bool)
    rows = xp.broadcast_to(xp.arange(n)[:, None], (n, c))
    is_target[rows[valid], safe_y[valid]] = True
    x_y = ops.gather(input, 1, safe_y)  # (N, C): the score of the j-th target class
    margins = ops.relu(1.0 - x_y.reshape(n, c, 1) + input.reshape(n, 1, c))  # [n, j, i]
    mask = (valid[:, :, None] & ~is_target[:, None, :]).astype(input.dtype)
    loss = (margins * Tensor._wrap(mask)).sum(axis=(1, 2)) * (1.0 / c)
    return _reduce(loss, reduction, name)
