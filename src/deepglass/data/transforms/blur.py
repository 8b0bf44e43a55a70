"""GaussianBlur: a separable Gaussian filter with a random sigma per sample, reflect-padded like torchvision."""

from __future__ import annotations

import numpy as np

from ...backend import get_array_module
from .base import RandomTransform, as_pair


class GaussianBlur(RandomTransform):
    """Blur with a `kernel_size` (odd int or (kx, ky)) Gaussian of sigma drawn from `sigma` (a number, or a
    (min, max) range) for each sample; edges reflected. Uses 1 uniform per sample."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0), generator=None):
        super().__init__(generator)
        kx, ky = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        if kx % 2 == 0 or ky % 2 == 0 or kx < 1 or ky < 1:
            raise ValueError(f"GaussianBlur: kernel_size must be odd and positive, got {kernel_size}")
        self.kernel_size = (int(kx), int(ky))
        self.sigma = (float(sigma), float(sigma)) if isinstance(sigma, (int, float)) else as_pair(sigma, "sigma")
        if self.sigma[0] <= 0:
            raise ValueError(f"GaussianBlur: sigma must be positive, got {sigma}")

    def _apply(self, x, stream):
        xp = get_array_module(x)
        sigma = self.sigma[0] + (self.sigma[1] - self.sigma[0]) * stream.uniform(1)[:, 0]
        out = x.astype(np.float32) if x.dtype.kind != "f" else x
        for axis, k in ((3, self.kernel_size[0]), (2, self.kernel_size[1])):
            out = _blur_axis(xp, out, axis, k, sigma)
        if x.dtype.kind in "iu":
            out = xp.clip(xp.rint(out), 0, np.iinfo(x.dtype).max)
        return out.astype(x.dtype, copy=False)


def _blur_axis(xp, x, axis: int, k: int, sigma: np.ndarray):
    """Each sample convolved along `axis` with its own normalized 1-D Gaussian of `k` taps (a loop over taps)."""
    half = k // 2
    taps = np.exp(-0.5 * (np.arange(-half, half + 1)[None, :] / sigma[:, None]) ** 2)
    taps = xp.asarray(taps / taps.sum(axis=1, keepdims=True), dtype=x.dtype)  # (N, k)
    if half >= x.shape[axis]:
        raise ValueError(f"GaussianBlur: kernel of {k} taps is too big for images of size {x.shape[axis]} there")
    widths = [(0, 0)] * x.ndim
    widths[axis] = (half, half)
    padded = xp.pad(x, widths, mode="reflect")
    size = x.shape[axis]
    out = xp.zeros_like(x)
    for t in range(k):
        window = [slice(None)] * x.ndim
        window[axis] = slice(t, t + size)
        out += taps[:, t, None, None, None] * padded[tuple(window)]
    return out
