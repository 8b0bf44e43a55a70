"""Functional losses, matching PyTorch's formulas, options and `reduction` ('none' | 'mean' | 'sum').

Cross-entropy and BCE-with-logits use the fused, stable primitives of `ops/loss.py`; the rest are
compositions of ordinary ops.
"""

from __future__ import annotations

import math

from ... import ops
from ...backend import get_array_module
from ...ops.loss import binary_cross_entropy_with_logits as _bce_logits
from ...ops.loss import clamp_min_straight_through, softmax_cross_entropy
from ...tensor import Tensor

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div", "hinge_embedding_loss",
    "multi_margin_loss", "dice_loss", "poisson_nll_loss", "gaussian_nll_loss",
]


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


def _as_target(target, like: Tensor) -> Tensor:
    return target if isinstance(target, Tensor) else Tensor(target, device=like.device)


def _weight_on_device(weight, like: Tensor, op: str, name: str = "weight") -> Tensor:
    """A `weight`/`pos_weight` argument (Tensor, array or list) as a Tensor on `like`'s device, or a clear error."""
    if not isinstance(weight, Tensor):
        return Tensor(weight, device=like.device)
    if weight.device != like.device:
        raise RuntimeError(f"{op}: {name} is on {weight.device} but the input is on {like.device}; move it with "
                           f"{name}.to({like.device!r}), or call .to({like.device!r}) on the loss module")
    return weight


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} and target of shape {tuple(target.shape)} "
                         "must have the same shape")


def mse_loss(input: Tensor, target, reduction: str = "mean", factor: float = 1.0) -> Tensor:
    """factor · (input - target)²; factor=0.5 gives the course's ½(s - d)² (whose gradient is just s - d)."""
    target = _as_target(target, input)
    _same_shape("mse_loss", input, target)
    diff = input - target
    loss = diff * diff
    return _reduce(loss if factor == 1.0 else loss * factor, reduction, "mse_loss")


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """|input - target|."""
    target = _as_target(target, input)
    _same_shape("l1_loss", input, target)
    return _reduce(ops.abs(input - target), reduction, "l1_loss")


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """½d² where |d| < delta, delta·(|d| - ½delta) elsewhere (d = input - target)."""
    target = _as_target(target, input)
    _same_shape("huber_loss", input, target)
    diff = ops.abs(input - target)
    quadratic = ops.minimum(diff, float(delta))  # |d| capped at delta: the loss is q²/2 + delta·(|d| - q)
    return _reduce(quadratic * quadratic * 0.5 + (diff - quadratic) * float(delta), reduction, "huber_loss")


def smooth_l1_loss(input: Tensor, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Huber loss divided by `beta` (PyTorch's SmoothL1Loss); beta=0 is the L1 loss."""
    if beta == 0:
        return l1_loss(input, target, reduction)
    return _reduce(huber_loss(input, target, "none", beta) * (1.0 / beta), reduction, "smooth_l1_loss")


def binary_cross_entropy(input: Tensor, target, weight: Tensor | None = None, reduction: str = "mean") -> Tensor:
    """-(t log p + (1-t) log(1-p)) on probabilities p (logs clamped at -100, as in PyTorch)."""
    from ...ops.loss import binary_cross_entropy as _bce

    target = _as_target(target, input)
    _same_shape("binary_cross_entropy", input, target)
    loss = _bce(input, target)
    if weight is not None:
        loss = loss * _weight_on_device(weight, input, "binary_cross_entropy")
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target, weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable op; `pos_weight` (per class, last axis) weights positives."""
    target = _as_target(target, input)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    name = "binary_cross_entropy_with_logits"
    if pos_weight is not None:
        pos_weight = _weight_on_device(pos_weight, input, name, "pos_weight")
    loss = _bce_logits(input, target, pos_weight)
    if weight is not None:
        loss = loss * _weight_on_device(weight, input, name)
    return _reduce(loss, reduction, name)


def _class_weight_row(weight, like: Tensor, ndim: int, op: str):
    """Class weights as an array broadcasting along axis 1 of an `ndim`-D input (or None)."""
    if weight is None:
        return None
    w = _weight_on_device(weight, like, op).data
    return w.astype(like.dtype, copy=False).reshape((1, -1) + (1,) * (ndim - 2))


def cross_entropy(input: Tensor, target, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax + negative log-likelihood, fused and stable (logits of ±1e4 are fine).

    Shapes: input (N, C) or (N, C, d1, ...) or (C,); target class indices (N,) / (N, d1, ...) / () or
    class probabilities of the input's shape. `weight` (C,) rescales classes; `ignore_index` targets
    contribute nothing; `label_smoothing` ε mixes the target with the uniform distribution.
    Example from the course: logits [5, 1, -2] with label 0 give 0.0190.
    """
    target = _as_target(target, input)
    if input.ndim == 1:  # unbatched: one sample
        loss = cross_entropy(input.reshape(1, -1), target.reshape((1,) + tuple(target.shape)), weight, ignore_index,
                             reduction, label_smoothing)
        return loss.reshape(()) if reduction == "none" else loss
    xp, n_classes, eps = input.xp, input.shape[1], float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    w = _class_weight_row(weight, input, input.ndim, "cross_entropy")
    dtype = input.dtype
    if target.dtype.kind == "f":  # class probabilities
        _same_shape("cross_entropy (probability targets)", input, target)
        q = target.data.astype(dtype, copy=True)
        if eps:
            q = q * dtype.type(1 - eps) + dtype.type(eps / n_classes)
        if w is not None:
            q = q * w
        return _reduce(softmax_cross_entropy(input, q), reduction, "cross_entropy")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(f"cross_entropy: target of shape {tuple(target.shape)} does not match input of shape "
                         f"{tuple(input.shape)} (expected class indices of shape {expected})")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    y = target.data
    keep, safe_y, every_target_counts = _class_indices("cross_entropy", y, n_classes, ignore_index)
    if w is None and not eps and every_target_counts and reduction != "none" and y.size:
        # the usual case, kept short because it runs every step: q = onehot(y) / count
        scale = xp.full(y.shape, 1.0 / y.size if reduction == "mean" else 1.0, dtype)
        return softmax_cross_entropy(input, _scatter_rows(y, scale, input.shape, xp), total=True)
    # per-sample loss = a·(-log p_y) + b·Σ_c w_c (-log p_c); see PyTorch's label-smoothing formula
    w_y = keep.astype(dtype) if w is None else xp.where(keep, w.reshape(-1)[safe_y], 0).astype(dtype)
    a = w_y * dtype.type(1 - eps)
    b = keep.astype(dtype) * dtype.type(eps / n_classes)
    if reduction == "mean":  # both parts are divided by Σ w_y over the kept targets (the count when unweighted)
        total = float(w_y.sum())
        if not total:  # every target ignored, or an empty batch: NaN, with zero gradients, as in PyTorch
            return softmax_cross_entropy(input, xp.zeros(input.shape, dtype), total=True) + float("nan")
        a, b = a * dtype.type(1.0 / total), b * dtype.type(1.0 / total)
    q = _scatter_rows(safe_y, a, input.shape, xp)
    if eps:
        q += xp.expand_dims(b, 1) * (xp.ones((1, n_classes) + (1,) * (input.ndim - 2), dtype) if w is None else w)
    return softmax_cross_entropy(input, q, total=reduction != "none")


def _class_indices(name: str, y, n_classes: int, ignore_index: int) -> tuple:
    """(keep, y with ignored targets set to 0, whether no target is ignored) for class-index targets `y`;
    an index outside [0, C) is an IndexError naming the loss."""
    keep = y != ignore_index
    every_target_counts = bool(keep.all())
    safe_y = y if every_target_counts else get_array_module(y).where(keep, y, 0)
    if y.size and (int(safe_y.min()) < 0 or int(safe_y.max()) >= n_classes):
        raise IndexError(f"{name}: target holds a class index outside [0, {n_classes}) (ignore_index is "
                         f"{ignore_index})")
    return keep, safe_y, every_target_counts


def _scatter_rows(y, values, shape: tuple, xp):
    """An array of `shape` (N, C, ...) that is zero except values[i, ...] at class y[i, ...] along axis 1."""
    out = xp.zeros(shape, dtype=values.dtype)
    if len(shape) == 2:  # the common case, without put_along_axis's index building
        out[xp.arange(shape[0]), y] = values
    else:
        xp.put_along_axis(out, xp.expand_dims(y, 1), xp.expand_dims(values, 1), axis=1)
    return out


def nll_loss(input: Tensor, target, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """-weight[y]·input[y] for log-probabilities `input` (N, C, ...) and class indices `target` (N, ...)."""
    target = _as_target(target, input)
    xp, dtype = input.xp, input.dtype
    y = target.data
    keep, safe_y, _ = _class_indices("nll_loss", y, input.shape[1], ignore_index)
    w = _class_weight_row(weight, input, input.ndim, "nll_loss")
    w_y = keep.astype(dtype) if w is None else xp.where(keep, w.reshape(-1)[safe_y], 0).astype(dtype)
    loss = -(input * Tensor._wrap(_scatter_rows(safe_y, w_y, input.shape, xp))).sum(axis=1)
    if reduction == "mean":
        total = float(w_y.sum())
        # every target ignored, or an empty batch: NaN, with zero gradients, as in PyTorch
        return loss.sum() / total if total else loss.sum() + float("nan")
    return _reduce(loss, reduction, "nll_loss")


def kl_div(input: Tensor, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Σ target·(log target - input) for log-probabilities `input`; reduction 'batchmean' divides by N."""
    target = _as_target(target, input)
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        t = target.data
        xp = input.xp
        log_t = xp.log(xp.where(t > 0, t, 1))  # t·log t is 0 where t is 0
        loss = target * (Tensor._wrap(log_t) - input)
    if reduction == "batchmean":
        return loss.sum() / float(input.shape[0])
    return _reduce(loss, reduction, "kl_div")


def hinge_embedding_loss(input: Tensor, target, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """x where target is 1, max(0, margin - x) where target is -1."""
    target = _as_target(target, input)
    positive = Tensor._wrap(target.data == 1)
    negative = Tensor._wrap(target.data == -1)
    loss = ops.where(positive, input, 0.0) + ops.where(negative, ops.relu(margin - input), 0.0)
    return _reduce(loss, reduction, "hinge_embedding_loss")


def multi_margin_loss(input: Tensor, target, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge: Σ_{c≠y} max(0, margin - x_y + x_c)^p / C per sample (input (N, C), target (N,))."""
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")
    target = _as_target(target, input)
    xp = input.xp
    n, c = input.shape
    onehot = xp.zeros(input.shape, dtype=bool)
    onehot[xp.arange(n), target.data] = True
    x_y = input[xp.arange(n), target.data].reshape(n, 1)
    margins = ops.relu(margin - x_y + input)
    if p == 2:
        margins = margins * margins
    if weight is not None:
        w = _weight_on_device(weight, input, "multi_margin_loss").data
        margins = margins * Tensor._wrap(w[target.data].reshape(n, 1).astype(input.dtype))
    loss = ops.where(Tensor._wrap(onehot), 0.0, margins).sum(axis=1) / float(c)
    return _reduce(loss, reduction, "multi_margin_loss")


def dice_loss(input: Tensor, target, smooth: float = 1.0, reduction: str = "mean", eps: float = 0.0) -> Tensor:
    """1 - (2|X∩Y| + smooth) / (|X| + |Y| + smooth) per sample and channel, for segmentation.

    Shapes: input probabilities (N, C, *) (after sigmoid/softmax) and a target of the same shape;
    the sums run over the spatial axes, giving an (N, C) loss before reduction.
    """
    target = _as_target(target, input)
    _same_shape("dice_loss", input, target)
    axes = tuple(range(2, input.ndim)) if input.ndim > 2 else (1,)
    inter = (input * target).sum(axis=axes)
    total = input.sum(axis=axes) + target.sum(axis=axes)
    return _reduce(1.0 - (2.0 * inter + smooth) / (total + smooth + eps), reduction, "dice_loss")


def poisson_nll_loss(input: Tensor, target, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                     reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of counts `target` under Poisson(rate): e^input - target·input for a log-rate
    `input` (`log_input`), else input - target·log(input + eps); `full` adds Stirling's log(target!) term.

    Shapes: input and target of one shape (any).
    """
    name = "poisson_nll_loss"
    target = _as_target(target, input)
    _same_shape(name, input, target)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    t = target.data.astype(input.dtype, copy=False)
    target = Tensor._wrap(t)
    if log_input:
        loss = ops.exp(input) - target * input
    else:
        loss = input - target * ops.log(input + float(eps))
    if full:  # t·log t - t + ½·log(2πt), used only where t > 1 (as in PyTorch)
        xp = input.xp
        safe = xp.where(t > 1, t, 1)
        stirling = safe * xp.log(safe) - safe + 0.5 * xp.log(2 * math.pi * safe)
        loss = loss + Tensor._wrap(xp.where(t > 1, stirling, 0).astype(input.dtype, copy=False))
    return _reduce(loss, reduction, name)


def gaussian_nll_loss(input: Tensor, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """½(log var + (input - target)² / var) (+ ½log 2π when `full`), with var clamped at `eps` (the clamp
    passes gradients through, as PyTorch's does).

    Shapes: input (N, *) and target broadcasting to it; var of input's shape, or input's shape without its
    last axis, or with exactly one axis of size 1 (one shared variance along it), or a float.
    """
    name = "gaussian_nll_loss"
    target = _as_target(target, input)
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"{name}: var has negative entry/entries")
        var = Tensor._wrap(input.xp.full(input.shape, var, dtype=input.dtype))
    var = _as_target(var, input)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(var.shape) == tuple(input.shape[:-1]):  # one variance per sample: broadcast along the last axis
            var = var.reshape(tuple(var.shape) + (1,))
        elif not (var.ndim == input.ndim
                  and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError(f"{name}: var of shape {tuple(var.shape)} does not fit input of shape "
                             f"{tuple(input.shape)} (expected the input's shape, that shape without its last "
                             "axis, or one axis of size 1)")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    if bool((var.data < 0).any()):
        raise ValueError(f"{name}: var has negative entry/entries")
    var = clamp_min_straight_through(var, eps)
    diff = input - target
    loss = (ops.log(var) + diff * diff / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, name)
