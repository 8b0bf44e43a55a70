"""Dropout: zero random elements (or whole channels) while training, scaling the rest by 1/(1-p)."""

from __future__ import annotations

import numpy as np

from ... import backend
from ...random import default_generator
from ...tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "alpha_dropout"]


def _keep_mask(shape: tuple, p: float, dtype, device: str):
    """A mask of 0 and 1/(1-p) drawn from deepglass's generator (so `manual_seed` makes it repeat)."""
    keep = default_generator().random(shape, dtype=np.float32) >= p
    mask = keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))
    return Tensor._wrap(backend.to_device(mask, device))


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability `p` when `training`; identity otherwise. Shape: any → same."""
    _check_p(p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return x * _keep_mask(x.shape, p, x.dtype, x.device)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, H, W) or (C, H, W); each channel map is kept or dropped as a unit."""
    _check_p(p)
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d expects a 3-D or 4-D input (N, C, H, W), got shape {tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return x * _keep_mask(x.shape[:-2] + (1, 1), p, x.dtype, x.device)


def dropout1d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) inputs."""
    _check_p(p)
    if x.ndim not in (2, 3):
        raise ValueError(f"dropout1d expects a 2-D or 3-D input (N, C, L), got shape {tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    return x * _keep_mask(x.shape[:-1] + (1,), p, x.dtype, x.device)


def alpha_dropout(x: Tensor, p: float = 0.5, training: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped units are set to SELU's negative saturation, keeping mean and variance."""
    _check_p(p)
    if not training or p == 0.0:
        return x
    alpha_p = -1.7580993408473766
    keep = Tensor._wrap(backend.to_device((default_generator().random(x.shape) >= p).astype(x.dtype), x.device))
    a = (1 - p + alpha_p**2 * p * (1 - p)) ** -0.5
    b = -a * alpha_p * p
    return (x * keep + alpha_p * (1 - keep)) * a + b
