"""ElasticTransform: a smooth random displacement field (Simard et al. 2003), common for medical images."""

from __future__ import annotations

import numpy as np

from . import functional as F
from .base import RandomTransform, get_array_module


def _pair(value, name: str) -> tuple[float, float]:
    if isinstance(value, (int, float)):
        return float(value), float(value)
    if len(value) == 1:
        return float(value[0]), float(value[0])
    if len(value) != 2:
        raise ValueError(f"ElasticTransform: {name} must be a number or a pair, got {value}")
    return float(value[0]), float(value[1])


def gaussian_smooth(field, sigma: float):
    """Blur (N, H, W) fields with torchvision's kernel for ElasticTransform: int(8σ + 1) taps (made odd),
    edges reflected."""
    if sigma <= 0:
        return field
    xp = get_array_module(field)
    k = int(8 * sigma + 1)
    k += 1 - k % 2
    half = k // 2
    taps = np.exp(-0.5 * (np.linspace(-half, half, k) / sigma) ** 2)
    taps = (taps / taps.sum()).astype(field.dtype)
    for axis in (2, 1):
        widths = [(0, 0)] * 3
        widths[axis] = (half, half)
        padded = xp.pad(field, widths, mode="reflect")
        size = field.shape[axis]
        out = xp.zeros_like(field)
        for t in range(k):
            window = [slice(None)] * 3
            window[axis] = slice(t, t + size)
            out += taps[t] * padded[tuple(window)]
        field = out
    return field


class ElasticTransform(RandomTransform):
    """Displace every pixel by a random field: uniform noise in [-1, 1] blurred with a Gaussian of `sigma`,
    scaled by `alpha` (torchvision's scaling: alpha / H in x and alpha / W in y, in grid units where the image
    spans 2 — so alpha / 2 pixels for a square image). Bilinear sampling, `fill` outside the image.
    `alpha` and `sigma` may be pairs (x, y). Uses 2·H·W uniforms per sample (the x field, then the y field).
    """

    def __init__(self, alpha=50.0, sigma=5.0, interpolation: str = "bilinear", fill: float = 0.0, generator=None):
        super().__init__(generator)
        self.alpha, self.sigma = _pair(alpha, "alpha"), _pair(sigma, "sigma")
        if min(self.sigma) < 0:
            raise ValueError(f"ElasticTransform: sigma must be non-negative, got {sigma}")
        self.interpolation, self.fill = interpolation, fill

    def displacement(self, stream, H: int, W: int, xp=np):
        """(dx, dy) pixel displacements, each (n, H, W)."""
        u = xp.asarray(stream.uniform(2 * H * W), dtype=np.float32).reshape(-1, 2, H, W) * 2 - 1
        dx = gaussian_smooth(u[:, 0], self.sigma[0]) * (self.alpha[0] / H * W / 2)
        dy = gaussian_smooth(u[:, 1], self.sigma[1]) * (self.alpha[1] / W * H / 2)
        return dx, dy

    def _apply(self, x, stream):
        xp = get_array_module(x)
        N, C, H, W = x.shape
        dx, dy = self.displacement(stream, H, W, xp)
        ys, xs = xp.meshgrid(xp.arange(H, dtype=np.float32), xp.arange(W, dtype=np.float32), indexing="ij")
        sx, sy = (xs + dx).reshape(N, -1), (ys + dy).reshape(N, -1)
        return F.remap(x, sx, sy, (H, W), self.interpolation, self.fill)
