"""Resizing, cropping and flipping; the random ones draw per-sample parameters for a whole batch at once."""

from __future__ import annotations

import math

import numpy as np

from ...backend import get_array_module
from . import functional as F
from .base import RandomTransform, Transform, sample_mask


def _size(size) -> tuple[int, int]:
    return (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[1]))


class Resize(Transform):
    """Resize to `size` ((h, w), or an int for the shorter edge) with 'bilinear' or 'nearest' sampling.

    Pixel-center sampling without antialiasing (like torchvision with antialias=False): shrinking by
    more than 2× skips pixels.
    """

    def __init__(self, size, interpolation: str = "bilinear"):
        self.size, self.interpolation = size, interpolation

    def apply_batch(self, x):
        return F.resize(x, F.output_size(self.size, x.shape[2], x.shape[3]), self.interpolation)


class CenterCrop(Transform):
    """Crop the central `size` ((h, w) or an int) region; torchvision's rounding of the offsets."""

    def __init__(self, size):
        self.size = _size(size)

    def apply_batch(self, x):
        h, w = self.size
        H, W = x.shape[2:]
        if h > H or w > W:
            raise ValueError(f"CenterCrop: crop {self.size} is larger than the image {(H, W)}")
        top, left = int(round((H - h) / 2.0)), int(round((W - w) / 2.0))
        return x[:, :, top : top + h, left : left + w]


class RandomCrop(RandomTransform):
    """A random `size` crop per sample, after optional `padding` (e.g. 4 for CIFAR-style augmentation).

    Uses 2 uniforms per sample: top then left offset.
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill: float = 0.0,
                 padding_mode: str = "constant", generator=None):
        super().__init__(generator)
        self.size, self.padding, self.pad_if_needed = _size(size), padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def _apply(self, x, stream):
        if self.padding is not None:
            x = F.pad(x, self.padding, self.fill, self.padding_mode)
        h, w = self.size
        H, W = x.shape[2:]
        if self.pad_if_needed and (H < h or W < w):
            dh, dw = max(0, h - H), max(0, w - W)
            x = F.pad(x, (dw, dh), self.fill, self.padding_mode)
            H, W = x.shape[2:]
        if h > H or w > W:
            raise ValueError(f"RandomCrop: crop {self.size} is larger than the (padded) image {(H, W)}")
        u = stream.uniform(2)
        return F.crop(x, F.floor_index(u[:, 0], H - h + 1), F.floor_index(u[:, 1], W - w + 1), h, w)


class RandomHorizontalFlip(RandomTransform):
    """Mirror left-right with probability p (1 uniform per sample)."""

    def __init__(self, p: float = 0.5, generator=None):
        super().__init__(generator)
        self.p = p

    def _apply(self, x, stream):
        xp = get_array_module(x)
        return xp.where(sample_mask(stream, self.p, xp), F.hflip(x), x)


class RandomVerticalFlip(RandomTransform):
    """Mirror top-bottom with probability p (1 uniform per sample)."""

    def __init__(self, p: float = 0.5, generator=None):
        super().__init__(generator)
        self.p = p

    def _apply(self, x, stream):
        xp = get_array_module(x)
        return xp.where(sample_mask(stream, self.p, xp), F.vflip(x), x)


class RandomResizedCrop(RandomTransform):
    """A random crop of each sample, `scale` of its area with aspect ratio in `ratio`, resized to `size`
    (torchvision's algorithm: up to 10 draws, else the central crop). The standard augmentation for
    transfer learning. Bilinear resampling at pixel centers, without antialiasing. Uses 40 uniforms per
    sample (10 draws of area, log-ratio, top, left)."""

    ATTEMPTS = 10

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), interpolation: str = "bilinear",
                 generator=None):
        super().__init__(generator)
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"RandomResizedCrop: scale {scale} and ratio {ratio} must be (min, max) ranges")
        self.size, self.scale, self.ratio, self.interpolation = _size(size), tuple(scale), tuple(ratio), interpolation

    def boxes(self, stream, H: int, W: int) -> np.ndarray:
        """(n, 4) crop boxes (top, left, height, width), one per sample."""
        u = stream.uniform(4 * self.ATTEMPTS).reshape(-1, self.ATTEMPTS, 4)
        area = H * W * (self.scale[0] + (self.scale[1] - self.scale[0]) * u[..., 0])
        log_lo, log_hi = math.log(self.ratio[0]), math.log(self.ratio[1])
        aspect = np.exp(log_lo + (log_hi - log_lo) * u[..., 1])
        w, h = np.round(np.sqrt(area * aspect)).astype(np.int64), np.round(np.sqrt(area / aspect)).astype(np.int64)
        fits = (w > 0) & (w <= W) & (h > 0) & (h <= H)
        first = fits.argmax(axis=1)
        rows = np.arange(len(u))
        h, w, u = h[rows, first], w[rows, first], u[rows, first]
        top, left = np.floor(u[:, 2] * (H - h + 1)), np.floor(u[:, 3] * (W - w + 1))
        fallback = ~fits.any(axis=1)
        if fallback.any():  # torchvision's central crop, clamped to the allowed aspect ratios
            if W / H < self.ratio[0]:
                ch, cw = int(round(W / self.ratio[0])), W
            elif W / H > self.ratio[1]:
                ch, cw = H, int(round(H * self.ratio[1]))
            else:
                ch, cw = H, W
            h[fallback], w[fallback] = ch, cw
            top[fallback], left[fallback] = (H - ch) // 2, (W - cw) // 2
        return np.stack([top, left, h, w], axis=1).astype(np.float64)

    def _apply(self, x, stream):
        H, W = x.shape[2:]
        top, left, h, w = self.boxes(stream, H, W).T
        (oh, ow) = self.size
        sx, sy = w / ow, h / oh  # output pixel (x, y) reads left + (x + ½)·sx − ½, top + (y + ½)·sy − ½
        theta = np.zeros((len(top), 2, 3))
        theta[:, 0, 0], theta[:, 0, 2] = sx, left + 0.5 * sx - 0.5
        theta[:, 1, 1], theta[:, 1, 2] = sy, top + 0.5 * sy - 0.5
        return F.warp_affine(x, theta, (oh, ow), self.interpolation, padding_mode="border")
