"""Functional normalization: batch_norm, layer_norm, group_norm (the fused op of ops/normalization.py)."""

from __future__ import annotations

from ... import ops
from ...autograd.grad_mode import no_grad
from ...ops.normalization import normalize as _standardize
from ...tensor import Tensor
from .padding import pad

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "normalize", "local_response_norm",
           "cosine_similarity", "pairwise_distance"]


def _channel_shape(x: Tensor) -> tuple:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalize each channel (axis 1) of (N, C) or (N, C, *) input.

    Training: with the batch statistics, and the running ones updated in place as
    running = (1 - momentum)·running + momentum·batch (unbiased variance, as in PyTorch).
    Evaluation: with the running statistics.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, *), got {tuple(input.shape)}")
    shape = _channel_shape(input)
    w = None if weight is None else weight.reshape(shape)
    b = None if bias is None else bias.reshape(shape)
    if training or running_mean is None:
        count = input.numel() // input.shape[1]
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of shape "
                             f"{tuple(input.shape)}")
        stats = {}
        axes = (0,) + tuple(range(2, input.ndim))
        y = _standardize(input, axes, w, b, eps, stats)
        if training and running_mean is not None:
            with no_grad():
                m = input.dtype.type(momentum)
                running_mean.data *= 1 - m
                running_mean.data += m * stats["mean"].reshape(-1).astype(running_mean.dtype, copy=False)
                unbiased = stats["var"].reshape(-1) * input.dtype.type(count / (count - 1))
                running_var.data *= 1 - m
                running_var.data += m * unbiased.astype(running_var.dtype, copy=False)
        return y
    # evaluation: y = x·s + t with per-channel s = weight/σ and t = bias - mean·s (two passes over x;
    # s and t are tiny Tensors, so weight and bias still get their gradients through them)
    xp = input.xp
    inv_std = Tensor._wrap((1 / xp.sqrt(running_var.data + input.dtype.type(eps))).astype(input.dtype, copy=False))
    mean = Tensor._wrap(running_mean.data.astype(input.dtype, copy=False))
    scale = inv_std if weight is None else weight * inv_std
    shift = -mean * scale if bias is None else bias - mean * scale
    return input * scale.reshape(shape) + shift.reshape(shape)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel of each sample of (N, C, *) over its own positions, then scale and shift per channel.

    With `use_input_stats` and running buffers, these are updated in place with the batch's mean of the per-sample
    means and unbiased variances, as PyTorch's; without `use_input_stats` the running statistics are used.
    """
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected input of shape (N, C, *), got {tuple(input.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and running_var")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    count = input.numel() // (input.shape[0] * input.shape[1])
    if count <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, got input of shape "
                         f"{tuple(input.shape)}")
    shape = _channel_shape(input)
    stats = {} if running_mean is not None else None
    axes = tuple(range(2, input.ndim))
    if weight is not None and bias is not None:
        y = _standardize(input, axes, weight.reshape(shape), bias.reshape(shape), eps, stats)
    else:
        y = _standardize(input, axes, None, None, eps, stats)
        y = y if weight is None else y * weight.reshape(shape)
        y = y if bias is None else y + bias.reshape(shape)
    if stats is not None:
        with no_grad():
            m = input.dtype.type(momentum)
            running_mean.data *= 1 - m
            running_mean.data += m * stats["mean"].mean(axis=0).reshape(-1).astype(running_mean.dtype, copy=False)
            unbiased = stats["var"].mean(axis=0).reshape(-1) * input.dtype.type(count / (count - 1))
            running_var.data *= 1 - m
            running_var.data += m * unbiased.astype(running_var.dtype, copy=False)
    return y


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the last len(normalized_shape) axes of each sample (no running statistics)."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise ValueError(f"layer_norm: input of shape {tuple(input.shape)} does not end with normalized_shape "
                         f"{normalized_shape}")
    return _standardize(input, tuple(range(input.ndim - k, input.ndim)), weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize each group of C/num_groups channels of each sample of (N, C, *), then scale per channel."""
    n, c = input.shape[:2]
    if c % num_groups:
        raise ValueError(f"group_norm: {c} channels cannot be split into {num_groups} groups")
    grouped = _standardize(input.reshape(n, num_groups, -1), (2,), None, None, eps).reshape(input.shape)
    shape = _channel_shape(input)
    if weight is not None:
        grouped = grouped * weight.reshape(shape)
    return grouped + bias.reshape(shape) if bias is not None else grouped


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """Scale each vector along `dim` to unit p-norm: x / max(‖x‖_p, eps) (e.g. embeddings before cosine similarity)."""
    if p == 2:  # clamp before the square root, so a zero vector gets a finite gradient (as in PyTorch)
        return input / ops.sqrt(ops.clamp((input * input).sum(dim=dim, keepdim=True), eps * eps, None))
    return input / ops.clamp(ops.norm(input, p, dim=dim, keepdim=True), eps, None)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """AlexNet's normalization across channels: x / (k + alpha · mean of x² over `size` neighbouring channels)^beta,
    the window zero-padded at the ends, as PyTorch's (N, C, *)."""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected input of shape (N, C, *), got {tuple(input.shape)}")
    squares = pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    channels = input.shape[1]
    total = squares[:, 0:channels]
    for offset in range(1, size):  # a loop over the window only
        total = total + squares[:, offset:offset + channels]
    return input / (total * (alpha / size) + k) ** beta


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1·x2 / (max(‖x1‖, eps) · max(‖x2‖, eps)) along `dim` (broadcasting), as PyTorch's."""
    norms = [ops.sqrt(ops.clamp((x * x).sum(dim=dim), eps * eps, None)) for x in (x1, x2)]
    return (x1 * x2).sum(dim=dim) / (norms[0] * norms[1])


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x1 − x2 + eps‖_p along the last axis, as PyTorch's (eps keeps the gradient finite at equal points)."""
    return ops.norm(x1 - x2 + eps, p, dim=-1, keepdim=keepdim)
