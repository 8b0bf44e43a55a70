"""Color: ColorJitter (random brightness, contrast and saturation, on float images in [0, 1]), Grayscale and
RandomGrayscale."""

from __future__ import annotations

from ...backend import get_array_module
from .base import RandomTransform, Transform, as_pair, require_float, sample_mask


def grayscale(x):
    """Luma (ITU-R 601: 0.299 R + 0.587 G + 0.114 B) of a batch, shape (N, 1, H, W); 1-channel input as is."""
    if x.shape[1] == 1:
        return x
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]).astype(x.dtype)


class ColorJitter(RandomTransform):
    """Scale brightness, contrast and saturation by factors drawn from [max(0, 1 - v), 1 + v].

    Applied in the fixed order brightness → contrast → saturation (torchvision shuffles the order);
    results are clipped to [0, 1]. Uses 3 uniforms per sample. Hue jitter is not implemented.
    """

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0, generator=None):
        super().__init__(generator)
        if hue:
            raise NotImplementedError("ColorJitter: hue jitter is not implemented (use brightness/contrast/saturation)")
        self.brightness = as_pair(brightness, "ColorJitter brightness", center=1.0, bound=(0.0, None))
        self.contrast = as_pair(contrast, "ColorJitter contrast", center=1.0, bound=(0.0, None))
        self.saturation = as_pair(saturation, "ColorJitter saturation", center=1.0, bound=(0.0, None))

    def _apply(self, x, stream):
        require_float(x, "ColorJitter")
        xp = get_array_module(x)
        u = xp.asarray(stream.uniform(3), dtype=x.dtype)
        factor = lambda rng, v: (rng[0] + (rng[1] - rng[0]) * v)[:, None, None, None]  # noqa: E731
        x = xp.clip(x * factor(self.brightness, u[:, 0]), 0, 1)
        mean = grayscale(x).mean(axis=(1, 2, 3), keepdims=True)
        c = factor(self.contrast, u[:, 1])
        x = xp.clip(c * x + (1 - c) * mean, 0, 1)
        if x.shape[1] == 3:
            s = factor(self.saturation, u[:, 2])
            x = xp.clip(s * x + (1 - s) * grayscale(x), 0, 1)
        return x.astype(u.dtype)


def _gray(x, channels: int):
    luma = grayscale(x)
    return luma if channels == 1 else get_array_module(x).repeat(luma, channels, axis=1)


class Grayscale(Transform):
    """Luma (0.299 R + 0.587 G + 0.114 B); `num_output_channels=3` repeats it, e.g. to feed X-rays to a
    network pretrained on RGB images."""

    def __init__(self, num_output_channels: int = 1):
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
        self.num_output_channels = num_output_channels

    def apply_batch(self, x):
        return _gray(x, self.num_output_channels)


class RandomGrayscale(RandomTransform):
    """Turn each sample gray (keeping its channel count) with probability p (1 uniform per sample)."""

    def __init__(self, p: float = 0.1, generator=None):
        super().__init__(generator)
        self.p = p

    def _apply(self, x, stream):
        xp = get_array_module(x)
        return xp.where(sample_mask(stream, self.p, xp), _gray(x, x.shape[1]), x)
