"""Gradient clipping: rescale all gradients when their joint norm is too large, or clamp each entry.

Called between `loss.backward()` and `optimizer.step()`; it changes `p.grad` in place:

    total = dg.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ...backend import device_of, get_array_module, to_device
from ...tensor import Tensor


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(array, norm_type: float):
    """The `norm_type`-norm of all entries of `array` (inf: largest magnitude, 0: count of non-zeros)."""
    xp = get_array_module(array)
    if norm_type == 2:
        return xp.linalg.norm(array.reshape(-1))  # a BLAS dot: no temporary the size of the gradient
    magnitude = xp.abs(array)
    if norm_type == math.inf:
        return magnitude.max() if magnitude.size else xp.zeros((), magnitude.dtype)
    if norm_type == -math.inf:
        return magnitude.min()
    if norm_type == 0:
        return xp.asarray(xp.count_nonzero(array), dtype=magnitude.dtype)
    if norm_type == 1:
        return magnitude.sum()
    return (magnitude**norm_type).sum() ** (1.0 / norm_type)


def get_total_norm(
    tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """The norm of all `tensors` taken together, as if concatenated into one vector: the norm of their norms.

    Returns a 0-d Tensor on the first tensor's device (0.0 for no tensors).
    """
    arrays = [t.data if isinstance(t, Tensor) else t for t in _as_list(tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor(0.0)
    device = device_of(arrays[0])
    norms = [to_device(_vector_norm(a, norm_type), device) for a in arrays]
    xp = get_array_module(norms[0])
    total = _vector_norm(xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite ({float(total)}), "
            "so it cannot be clipped; pass error_if_nonfinite=False to scale by it anyway"
        )
    return Tensor._wrap(xp.asarray(total))


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor) -> None:
    """Scale every `p.grad` in place by `min(1, max_norm / (total_norm + 1e-6))`.

    Separate from `get_total_norm` so the norm can be computed once over several groups (or devices).
    """
    grads = [p.grad.data for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm.data if isinstance(total_norm, Tensor) else total_norm
    for g in grads:
        xp = get_array_module(g)
        coef = xp.minimum(float(max_norm) / (to_device(xp.asarray(total), device_of(g)) + 1e-6), 1.0)
        g *= coef.astype(g.dtype)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Rescale the gradients in place so that their joint `norm_type`-norm is at most `max_norm`.

    Returns the total norm before clipping (a 0-d Tensor), useful to log: spikes reveal exploding gradients.
    The direction of the update is kept; only its length is limited (Pascanu et al., 2013).
    """
    parameters = _as_list(parameters)
    grads = [p.grad.data for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry in place to `[-clip_value, clip_value]` (changes the direction, unlike
    `clip_grad_norm_`)."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            get_array_module(p.grad.data).clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
