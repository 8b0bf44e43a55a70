"""Pixel-value operations (torchvision's functional semantics) and their Random* transforms.

Images are float in [0, 1] (after ToTensor) or uint8 in 0..255; every op keeps the dtype. The ops take
whole batches (N, C, H, W); `blend`, `adjust_*` take one factor per sample (an (N,) array) or a number.
"""

from __future__ import annotations

import numpy as np

from ...backend import get_array_module
from .base import RandomTransform, sample_mask


def max_value(dtype) -> float:
    """The brightest value of an image of this dtype: 1.0 for floats, 255 for uint8 (iinfo.max for integers)."""
    dtype = np.dtype(dtype)
    return 1.0 if dtype.kind == "f" else float(np.iinfo(dtype).max)


def _per_sample(xp, factor, dtype):
    """A number or (N,) array of factors as an array broadcasting over (N, C, H, W)."""
    f = xp.asarray(factor, dtype=dtype)
    return f.reshape(-1, 1, 1, 1) if f.ndim else f


def blend(img1, img2, ratio):
    """ratio·img1 + (1 − ratio)·img2 clipped to [0, bound], in img1's dtype (integers truncated like torchvision)."""
    xp = get_array_module(img1)
    compute = img1.dtype if img1.dtype.kind == "f" else np.float32
    r = _per_sample(xp, ratio, compute)
    out = r * img1.astype(compute, copy=False) + (1 - r) * img2.astype(compute, copy=False)
    return xp.clip(out, 0, max_value(img1.dtype)).astype(img1.dtype, copy=False)


def rgb_to_grayscale(x):
    """torchvision's luma 0.2989 R + 0.587 G + 0.114 B, (N, 1, H, W); integer images truncated; 1 channel as is."""
    if x.shape[1] == 1:
        return x
    xf = x.astype(np.float32, copy=False) if x.dtype.kind != "f" else x
    luma = 0.2989 * xf[:, 0:1] + 0.587 * xf[:, 1:2] + 0.114 * xf[:, 2:3]
    return luma.astype(x.dtype, copy=False)


def adjust_brightness(x, factor):
    """Multiply by factor (blend with black)."""
    return blend(x, get_array_module(x).zeros_like(x), factor)


def adjust_contrast(x, factor):
    """Blend with the image's mean gray level."""
    gray = rgb_to_grayscale(x)
    compute = x.dtype if x.dtype.kind == "f" else np.float32
    mean = gray.astype(compute, copy=False).mean(axis=(1, 2, 3), keepdims=True)
    return blend(x, mean, factor)


def adjust_saturation(x, factor):
    """Blend with the grayscale image; a 1-channel image is returned as it is (torchvision)."""
    if x.shape[1] == 1:
        return x
    return blend(x, rgb_to_grayscale(x), factor)


def invert(x):
    """bound − x: 1 − x for floats, 255 − x for uint8."""
    if x.dtype.kind == "f":
        return (1.0 - x).astype(x.dtype, copy=False)
    return (x.dtype.type(max_value(x.dtype)) - x).astype(x.dtype, copy=False)


def posterize(x, bits: int):
    """Keep the top `bits` bits of each value: uint8 x & mask; floats floor(x·2^bits) / 2^bits, clipped."""
    bits = int(bits)
    if not 0 <= bits <= 8:
        raise ValueError(f"posterize: bits must be in 0..8, got {bits}")
    xp = get_array_module(x)
    if x.dtype.kind == "f":
        levels = 1 << bits
        return (xp.clip(xp.floor(x * levels), 0, levels - 1) / levels).astype(x.dtype, copy=False)
    if x.dtype != np.uint8:
        raise TypeError(f"posterize: expected a float or uint8 image, got dtype {x.dtype}")
    mask = np.uint8((0xFF << (8 - bits)) & 0xFF)
    return x & mask


def solarize(x, threshold: float):
    """Invert the values at or above `threshold` (in the image's own range: [0, 1] floats, 0..255 uint8)."""
    if threshold > max_value(x.dtype):
        raise TypeError(f"solarize: threshold {threshold} is above the image's maximum {max_value(x.dtype)}")
    return get_array_module(x).where(x >= threshold, invert(x), x)


def _smoothed(x):
    """torchvision's sharpness degenerate: 3×3 kernel [[1,1,1],[1,5,1],[1,1,1]]/13 inside, border pixels kept."""
    xp = get_array_module(x)
    xf = x.astype(np.float32, copy=False) if x.dtype.kind != "f" else x
    H, W = x.shape[2:]
    if H < 3 or W < 3:
        return x
    inner = 4 * xf[:, :, 1:-1, 1:-1]
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            inner = inner + xf[:, :, dy : dy + H - 2, dx : dx + W - 2]
    inner = inner / 13
    if x.dtype.kind != "f":
        inner = xp.rint(inner)
    out = x.copy()
    out[:, :, 1:-1, 1:-1] = inner.astype(x.dtype, copy=False)
    return out


def adjust_sharpness(x, factor):
    """Blend with a smoothed copy: factor 0 blurs, 1 keeps the image, 2 sharpens."""
    return blend(x, _smoothed(x), factor)


def autocontrast(x):
    """Stretch each channel of each image to the full range: (x − min)·bound / (max − min); flat channels kept."""
    xp = get_array_module(x)
    bound = max_value(x.dtype)
    compute = x.dtype if x.dtype.kind == "f" else np.float32
    xf = x.astype(compute, copy=False)
    lo, hi = xf.min(axis=(2, 3), keepdims=True), xf.max(axis=(2, 3), keepdims=True)
    flat = hi == lo
    scale = xp.where(flat, 1, bound / xp.where(flat, 1, hi - lo)).astype(compute)
    lo = xp.where(flat, 0, lo)
    return xp.clip((xf - lo) * scale, 0, bound).astype(x.dtype, copy=False)


def to_uint8(x):
    """Float [0, 1] → uint8 as torchvision's convert_image_dtype (x·(256 − 0.001), truncated); uint8 as is."""
    if x.dtype == np.uint8:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"expected a float or uint8 image, got dtype {x.dtype}")
    return get_array_module(x).clip(x * (255 + 1.0 - 1e-3), 0, 255).astype(np.uint8)


def equalize(x):
    """Histogram equalization of each channel of each image (torchvision's algorithm, on uint8 values).

    Float images are quantized to 0..255 first and returned as (equalized value) / 255. Per channel:
    step = (pixels − count of the brightest value) // 255; lut[v] = (cumcount below v + step // 2) // step,
    clipped to 255; a channel with step 0 (nearly constant) is left unchanged.
    """
    xp = get_array_module(x)
    u8 = to_uint8(x)
    N, C, H, W = u8.shape
    flat = u8.reshape(N * C, H * W).astype(np.int64)
    offset = (xp.arange(N * C, dtype=np.int64) * 256)[:, None]
    hist = xp.bincount((flat + offset).ravel(), minlength=N * C * 256).reshape(N * C, 256)
    top = flat.max(axis=1)
    rows = xp.arange(N * C)
    step = (H * W - hist[rows, top]) // 255  # all pixels but those of the last non-empty bin, over 255
    safe = xp.maximum(step, 1)[:, None]
    cum = xp.cumsum(hist, axis=1)
    lut = (cum + (step // 2)[:, None]) // safe
    lut = xp.clip(xp.concatenate([xp.zeros((N * C, 1), dtype=lut.dtype), lut[:, :-1]], axis=1), 0, 255)
    out = xp.take_along_axis(lut, flat, axis=1)
    out = xp.where((step == 0)[:, None], flat, out).astype(np.uint8).reshape(N, C, H, W)
    if x.dtype == np.uint8:
        return out
    return (out.astype(x.dtype) / x.dtype.type(255)).astype(x.dtype, copy=False)


class _RandomOp(RandomTransform):
    """Apply `op(x)` to each sample with probability p (1 uniform per sample)."""

    def __init__(self, p: float = 0.5, generator=None):
        super().__init__(generator)
        self.p = p

    def op(self, x):
        raise NotImplementedError

    def _apply(self, x, stream):
        xp = get_array_module(x)
        return xp.where(sample_mask(stream, self.p, xp), self.op(x), x)


class RandomInvert(_RandomOp):
    """Invert the colors (1 − x, or 255 − x for uint8) with probability p."""

    def op(self, x):
        return invert(x)


class RandomPosterize(_RandomOp):
    """Reduce each channel to `bits` bits (0..8) with probability p."""

    def __init__(self, bits: int, p: float = 0.5, generator=None):
        super().__init__(p, generator)
        if not 0 <= int(bits) <= 8:
            raise ValueError(f"RandomPosterize: bits must be in 0..8, got {bits}")
        self.bits = int(bits)

    def op(self, x):
        return posterize(x, self.bits)


class RandomSolarize(_RandomOp):
    """Invert all values at or above `threshold` with probability p."""

    def __init__(self, threshold: float, p: float = 0.5, generator=None):
        super().__init__(p, generator)
        self.threshold = float(threshold)

    def op(self, x):
        return solarize(x, self.threshold)


class RandomAdjustSharpness(_RandomOp):
    """Adjust the sharpness by `sharpness_factor` (0 blurs, 1 keeps, 2 doubles) with probability p."""

    def __init__(self, sharpness_factor: float, p: float = 0.5, generator=None):
        super().__init__(p, generator)
        if sharpness_factor < 0:
            raise ValueError(f"RandomAdjustSharpness: sharpness_factor must be non-negative, got {sharpness_factor}")
        self.sharpness_factor = float(sharpness_factor)

    def op(self, x):
        return adjust_sharpness(x, self.sharpness_factor)


class RandomAutocontrast(_RandomOp):
    """Stretch each channel to the full range with probability p."""

    def op(self, x):
        return autocontrast(x)


class RandomEqualize(_RandomOp):
    """Equalize the histogram of each channel with probability p (used on X-rays to spread the gray levels)."""

    def op(self, x):
        return equalize(x)
