"""GaussianNoise and RandomErasing (Zhong et al. 2017), per sample, vectorized over the batch."""

from __future__ import annotations

import math

import numpy as np

from ...backend import get_array_module
from .base import RandomTransform, require_float


class GaussianNoise(RandomTransform):
    """Add N(mean, sigma²) noise to every pixel (clipped to [0, 1] when `clip`); torchvision.v2's arguments."""

    def __init__(self, mean: float = 0.0, sigma: float = 0.1, clip: bool = True, generator=None):
        super().__init__(generator)
        if sigma < 0:
            raise ValueError(f"GaussianNoise: sigma must be non-negative, got {sigma}")
        self.mean, self.sigma, self.clip = mean, sigma, clip

    def _apply(self, x, stream):
        require_float(x, "GaussianNoise")
        xp = get_array_module(x)
        noise = xp.asarray(stream.normal(x.shape[1:]), dtype=x.dtype)
        out = x + (self.mean + self.sigma * noise).astype(x.dtype)
        return xp.clip(out, 0, 1) if self.clip else out


class RandomErasing(RandomTransform):
    """With probability p, set a random rectangle to `value` (a number, per-channel list, or 'random').

    The rectangle covers a fraction of the area drawn from `scale`, with aspect ratio drawn
    log-uniformly from `ratio`, clipped to the image (one attempt, where torchvision retries up to 10
    times). Uses 5 uniforms per sample: apply, area, log-ratio, top, left; 'random' values then take
    standard normals of the image's shape.
    """

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, inplace: bool = False,
                 generator=None):
        super().__init__(generator)
        if not (scale[0] <= scale[1] and ratio[0] <= ratio[1] and ratio[0] > 0):
            raise ValueError(f"RandomErasing: bad scale {scale} or ratio {ratio}")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    def _apply(self, x, stream):
        xp = get_array_module(x)
        N, C, H, W = x.shape
        if self.value == "random":
            require_float(x, "RandomErasing(value='random')")
            u = stream.uniform(5)
            fill = xp.asarray(stream.normal((C, H, W)), dtype=x.dtype)
        else:
            u = stream.uniform(5)
            fill = xp.asarray(np.broadcast_to(np.asarray(self.value, dtype=np.float64).reshape(-1, 1, 1),
                                              (C, 1, 1)), dtype=x.dtype)[None]
        area = H * W * (self.scale[0] + (self.scale[1] - self.scale[0]) * u[:, 1])
        log_lo, log_hi = math.log(self.ratio[0]), math.log(self.ratio[1])
        aspect = np.exp(log_lo + (log_hi - log_lo) * u[:, 2])
        h = np.clip(np.round(np.sqrt(area * aspect)), 1, H).astype(np.int64)
        w = np.clip(np.round(np.sqrt(area / aspect)), 1, W).astype(np.int64)
        top = np.minimum(np.floor(u[:, 3] * (H - h + 1)), H - h).astype(np.int64)
        left = np.minimum(np.floor(u[:, 4] * (W - w + 1)), W - w).astype(np.int64)
        rows, cols = np.arange(H), np.arange(W)
        inside = ((rows[None, :, None] >= top[:, None, None]) & (rows[None, :, None] < (top + h)[:, None, None])
                  & (cols[None, None, :] >= left[:, None, None]) & (cols[None, None, :] < (left + w)[:, None, None]))
        mask = xp.asarray(inside & (u[:, 0] < self.p)[:, None, None])[:, None]  # (N, 1, H, W)
        out = xp.where(mask, fill, x)
        if self.inplace:
            x[...] = out
            return x
        return out
