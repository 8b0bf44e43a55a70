"""Upsampling (and resizing) of NCHW images: nearest and bilinear, with PyTorch's coordinate rules.

Each mode is a pair of small interpolation matrices, one per axis, applied by `resample2d`;
the matrices reproduce PyTorch's source coordinates exactly (see `_interpolation_matrix`).
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from .resample import resample2d

MODES = ("nearest", "bilinear")


def _interpolation_matrix(size: int, out: int, scale_factor: float | None, mode: str, align_corners: bool):
    """(out, size) weights: output pixel i reads input pixels at PyTorch's source coordinate for i.

    nearest: src = ⌊i·scale⌋; bilinear: src = (i + ½)·scale − ½ clamped at 0 (or i·(size−1)/(out−1)
    with align_corners), split between ⌊src⌋ and the next pixel. scale = 1/scale_factor when a factor was
    given, size/out otherwise, as in PyTorch.
    """
    scale = 1.0 / scale_factor if scale_factor else size / out
    i = np.arange(out, dtype=np.float64)
    matrix = np.zeros((out, size))
    if mode == "nearest":
        matrix[np.arange(out), np.minimum(np.floor(i * scale).astype(np.int64), size - 1)] = 1.0
        return matrix
    if align_corners:
        src = i * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        src = np.maximum((i + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), size - 1)
    hi = np.minimum(lo + 1, size - 1)
    frac = src - lo
    np.add.at(matrix, (np.arange(out), lo), 1.0 - frac)
    np.add.at(matrix, (np.arange(out), hi), frac)
    return matrix


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None) -> Tensor:
    """Resize (N, C, H, W) to `size` (oh, ow) or by `scale_factor`: mode 'nearest' or 'bilinear'."""
    if input.ndim != 4:
        raise ValueError(f"interpolate: expected input of shape (N, C, H, W), got {input.shape}")
    if mode not in MODES:
        raise ValueError(f"interpolate: mode must be one of {MODES}, got {mode!r}")
    if align_corners is not None and mode == "nearest":
        raise ValueError("interpolate: align_corners only applies to mode='bilinear'")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    h, w = input.shape[2:]
    if size is not None:
        oh, ow = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
        factors = (None, None)
    else:
        factors = (scale_factor, scale_factor) if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        oh, ow = math.floor(h * factors[0]), math.floor(w * factors[1])
    if oh < 1 or ow < 1:
        raise ValueError(f"interpolate: output size ({oh}, {ow}) from input {input.shape} is empty")
    rows = _interpolation_matrix(h, oh, factors[0], mode, bool(align_corners))
    cols = _interpolation_matrix(w, ow, factors[1], mode, bool(align_corners))
    xp = input.xp
    return resample2d(input, xp.asarray(rows, dtype=input.dtype), xp.asarray(cols, dtype=input.dtype))


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Old PyTorch name of `interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)
