"""Keras's preprocessing and augmentation layers on channels_last images: Rescaling, Resizing, CenterCrop,
Normalization, RandomCrop, RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast,
RandomBrightness.

The random layers change images only while training (`fit`); at inference (`predict`, `evaluate`) they pass
them through, as in Keras. Each sample gets its own parameters from deepglass's generator (`dg.manual_seed`
repeats them; `seed=` gives the layer a generator of its own). They augment data, so they sit on the input
and pass no gradient back; Rescaling, Resizing and CenterCrop are differentiable.
"""

from __future__ import annotations

import numpy as np

from ...backend import get_array_module
from ...data.transforms import functional as TF
from ...data.transforms.base import SampleStream
from ...io import register
from ...nn import functional as F
from ...tensor import Tensor
from ..layer import Layer, in_shape_pass

FILL_MODES = {"reflect": "reflection", "wrap": "wrap", "nearest": "border", "constant": "zeros"}


@register
class Rescaling(Layer):
    """x · scale + offset, e.g. `Rescaling(1. / 255)` to bring 0-255 pixels into [0, 1]."""

    def __init__(self, scale: float, offset: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = float(scale), float(offset)

    def call(self, x):
        return x * self.scale + self.offset if self.offset else x * self.scale


@register
class Resizing(Layer):
    """(N, H, W, C) → (N, height, width, C), bilinear (half-pixel centers, no antialiasing) or nearest."""

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", **kwargs):
        super().__init__(**kwargs)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resizing: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        self.height, self.width, self.interpolation = int(height), int(width), interpolation

    def call(self, x):
        align = False if self.interpolation == "bilinear" else None
        out = F.interpolate(x.permute(0, 3, 1, 2), size=(self.height, self.width), mode=self.interpolation,
                            align_corners=align)
        return out.permute(0, 2, 3, 1)


def _check_crop(layer, h: int, w: int) -> None:
    if h < layer.height or w < layer.width:
        raise ValueError(f"{type(layer).__name__}: images of {h}×{w} are smaller than the crop "
                         f"{layer.height}×{layer.width}")


def _center_window(layer, x):
    """The central layer.height × layer.width window of (N, H, W, C) images."""
    h, w = x.shape[1:3]
    _check_crop(layer, h, w)
    top, left = (h - layer.height) // 2, (w - layer.width) // 2
    return x[:, top:top + layer.height, left:left + layer.width]


@register
class CenterCrop(Layer):
    """The central height × width window of (N, H, W, C) images."""

    def __init__(self, height: int, width: int, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, x):
        return _center_window(self, x)


@register
class Normalization(Layer):
    """(x − mean) / sqrt(variance) per feature (the last axis by default), with the statistics given or learned
    from data by `adapt(data)`; `invert=True` undoes it. They are saved with the model."""

    def __init__(self, axis: int = -1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both mean and variance, or neither (and call adapt)")
        self.axis, self.invert = axis, invert
        self.register_buffer("mean", None if mean is None else Tensor(np.asarray(mean, np.float32)))
        self.register_buffer("variance", None if variance is None else Tensor(np.asarray(variance, np.float32)))

    def adapt(self, data) -> None:
        """Set mean and variance from `data` (an array or Tensor of samples, or an iterable of such batches)."""
        if isinstance(data, Tensor):
            data = data.numpy()
        if not hasattr(data, "shape"):
            data = np.concatenate([b.numpy() if isinstance(b, Tensor) else np.asarray(b) for b in data])
        data = np.asarray(data, dtype=np.float64)
        axis = self.axis % data.ndim
        others = tuple(i for i in range(data.ndim) if i != axis)
        self.mean = Tensor(data.mean(axis=others).astype(np.float32))
        self.variance = Tensor(data.var(axis=others).astype(np.float32))

    def call(self, x):
        if self.mean is None:
            if in_shape_pass():  # a model being built before adapt(): the shape is all that is asked
                return x
            raise RuntimeError(f"{self.name}: no statistics yet; call adapt(data) or give mean and variance")
        shape = [1] * x.ndim
        shape[self.axis % x.ndim] = -1
        mean, variance = self.mean.to(x.device).reshape(shape), self.variance.to(x.device).reshape(shape)
        std = (variance.clamp(1e-14, None)).sqrt()  # Keras's floor: max(sqrt(variance), 1e-7)
        return x * std + mean if self.invert else (x - mean) / std

    def get_config(self) -> dict:
        config = super().get_config()
        if self.mean is not None:
            config["mean"], config["variance"] = self.mean.numpy().tolist(), self.variance.numpy().tolist()
        return config


class _Augmentation(Layer):
    """A random layer: `augment(x, stream)` on an NCHW array while training, the identity otherwise."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = None if seed is None else np.random.default_rng(seed)

    def call(self, x):
        if not self.training:
            return x
        xp = x.xp
        images = xp.ascontiguousarray(x.data.transpose(0, 3, 1, 2))
        out = self.augment(images, SampleStream.draw(self._generator, images.shape[0]))
        return Tensor._wrap(xp.ascontiguousarray(out.transpose(0, 2, 3, 1)))

    def augment(self, x, stream: SampleStream):
        raise NotImplementedError


def _range(factor, name: str, scale: float = 1.0) -> tuple[float, float]:
    """Keras's rule: a number f means (-f, f); a pair is (lower, upper)."""
    lo, hi = (-factor, factor) if isinstance(factor, (int, float)) else (float(f) for f in factor)
    if lo > hi:
        raise ValueError(f"{name}: factor range ({lo}, {hi}) is empty")
    return lo * scale, hi * scale


class _Warp(_Augmentation):
    """An affine resampling with Keras's fill modes and interpolation."""

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear", seed=None,
                 fill_value: float = 0.0, **kwargs):
        super().__init__(seed, **kwargs)
        if fill_mode not in FILL_MODES:
            raise ValueError(f"{type(self).__name__}: fill_mode must be one of {list(FILL_MODES)}, got {fill_mode!r}")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def warp(self, x, theta):
        return TF.warp_affine(x, theta, interpolation=self.interpolation, fill=self.fill_value,
                              padding_mode=FILL_MODES[self.fill_mode])


def _lerp(bounds: tuple[float, float], u):
    return bounds[0] + (bounds[1] - bounds[0]) * u


@register
class RandomFlip(_Augmentation):
    """Flip each image left-right and/or up-down with probability 1/2 (mode 'horizontal', 'vertical' or
    'horizontal_and_vertical')."""

    def __init__(self, mode: str = "horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip: mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical', "
                             f"got {mode!r}")
        self.mode = mode

    def augment(self, x, stream):
        xp = get_array_module(x)
        u = xp.asarray(stream.uniform(2) < 0.5)[:, :, None, None, None]
        if "horizontal" in self.mode:
            x = xp.where(u[:, 0], TF.hflip(x), x)
        if "vertical" in self.mode:
            x = xp.where(u[:, 1], TF.vflip(x), x)
        return x


@register
class RandomCrop(_Augmentation):
    """A random height × width window of each image while training; the central one at inference."""

    def __init__(self, height: int, width: int, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, x):
        return super().call(x) if self.training else _center_window(self, x)

    def augment(self, x, stream):
        u = stream.uniform(2)
        h, w = x.shape[2:]
        _check_crop(self, h, w)
        top, left = TF.floor_index(u[:, 0], h - self.height + 1), TF.floor_index(u[:, 1], w - self.width + 1)
        return TF.crop(x, top, left, self.height, self.width)


@register
class RandomRotation(_Warp):
    """Rotate each image by an angle drawn from `factor` · 360° (f → (-f, f)), counter-clockwise."""

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear", seed=None,
                 fill_value: float = 0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self._degrees = _range(factor, "RandomRotation", 360.0)

    def augment(self, x, stream):
        n, _, h, w = x.shape
        angle = _lerp(self._degrees, stream.uniform(1)[:, 0])
        theta = TF.affine_matrices(angle, np.zeros((n, 2)), np.ones(n), np.zeros((n, 2)), TF.image_center(h, w))
        return self.warp(x, theta)


@register
class RandomZoom(_Warp):
    """Zoom each image about its center: a factor f draws from (-f, f); positive zooms out, negative in.
    `width_factor=None` zooms both axes alike."""

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed=None, fill_value: float = 0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _range(height_factor, "RandomZoom")
        self._w = None if width_factor is None else _range(width_factor, "RandomZoom")

    def augment(self, x, stream):
        n, _, h, w = x.shape
        u = stream.uniform(2)
        zy = 1.0 + _lerp(self._h, u[:, 0])
        zx = zy if self._w is None else 1.0 + _lerp(self._w, u[:, 1])
        cx, cy = TF.image_center(h, w)
        theta = np.zeros((n, 2, 3))  # output pixel p reads center + zoom · (p - center)
        theta[:, 0, 0], theta[:, 0, 2] = zx, cx * (1 - zx)
        theta[:, 1, 1], theta[:, 1, 2] = zy, cy * (1 - zy)
        return self.warp(x, theta)


@register
class RandomTranslation(_Warp):
    """Shift each image by fractions of its height and width drawn from the factors (f → (-f, f));
    positive moves it down and right."""

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed=None, fill_value: float = 0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h, self._w = _range(height_factor, "RandomTranslation"), _range(width_factor, "RandomTranslation")

    def augment(self, x, stream):
        n, _, h, w = x.shape
        u = stream.uniform(2)
        theta = np.zeros((n, 2, 3))  # output pixel p reads p - shift
        theta[:, 0, 0] = theta[:, 1, 1] = 1.0
        theta[:, 0, 2], theta[:, 1, 2] = -_lerp(self._w, u[:, 1]) * w, -_lerp(self._h, u[:, 0]) * h
        return self.warp(x, theta)


@register
class RandomBrightness(_Augmentation):
    """Add one offset per image, drawn from `factor` · (value range width) (f → (-f, f)), then clip to
    `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.factor, self.value_range = factor, tuple(value_range)
        self._range = _range(factor, "RandomBrightness", value_range[1] - value_range[0])

    def augment(self, x, stream):
        xp = get_array_module(x)
        delta = xp.asarray(_lerp(self._range, stream.uniform(1)[:, 0]), dtype=x.dtype)[:, None, None, None]
        return xp.clip(x + delta, *self.value_range)


@register
class RandomContrast(_Augmentation):
    """Scale each image's deviation from its per-channel mean by 1 + c, c drawn from (-factor, factor), then
    clip to `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.factor, self.value_range = factor, tuple(value_range)
        self._range = _range(factor, "RandomContrast")

    def augment(self, x, stream):
        xp = get_array_module(x)
        c = xp.asarray(1.0 + _lerp(self._range, stream.uniform(1)[:, 0]), dtype=x.dtype)[:, None, None, None]
        mean = x.mean(axis=(2, 3), keepdims=True)
        return xp.clip((x - mean) * c + mean, *self.value_range).astype(x.dtype, copy=False)
