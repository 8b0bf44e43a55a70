"""Resizing, cropping and flipping; the random ones draw per-sample parameters for a whole batch at once."""

from __future__ import annotations

from ...backend import get_array_module
from . import functional as F
from .base import RandomTransform, Transform


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
        flip = xp.asarray(stream.uniform(1)[:, 0] < self.p)
        return xp.where(flip[:, None, None, None], F.hflip(x), x)


class RandomVerticalFlip(RandomTransform):
    """Mirror top-bottom with probability p (1 uniform per sample)."""

    def __init__(self, p: float = 0.5, generator=None):
        super().__init__(generator)
        self.p = p

    def _apply(self, x, stream):
        xp = get_array_module(x)
        flip = xp.asarray(stream.uniform(1)[:, 0] < self.p)
        return xp.where(flip[:, None, None, None], F.vflip(x), x)
