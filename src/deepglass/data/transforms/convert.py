"""Conversions: ConvertImageDtype (with torchvision's value scaling), PILToTensor and ToPILImage.

Pillow is optional: it is imported only when ToPILImage builds an image.
"""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from .base import Transform, get_array_module


def convert_image_dtype(x, dtype):
    """Cast an image or batch to `dtype`, rescaling values between [0, 1] floats and integer ranges.

    float → float: a cast; int → float: x / max(in); float → int: x · (max(out) + 1 − 0.001), truncated;
    int → int: shifted by the difference in bits (x // factor or x · factor). As torchvision.
    """
    xp = get_array_module(x)
    dtype = np.dtype(dtype)
    src = x.dtype
    if src == dtype:
        return x
    if src.kind == "f":
        if dtype.kind == "f":
            return x.astype(dtype)
        if (src == np.float32 and dtype in (np.int32, np.int64)) or (src == np.float64 and dtype == np.int64):
            raise RuntimeError(f"ConvertImageDtype: the cast from {src} to {dtype} cannot be performed safely")
        return (x * (np.iinfo(dtype).max + 1.0 - 1e-3)).astype(dtype)
    in_max = int(np.iinfo(src).max) if src.kind in "iu" else 1
    if dtype.kind == "f":
        return (x.astype(dtype) / dtype.type(in_max)).astype(dtype, copy=False)
    out_max = int(np.iinfo(dtype).max)
    if in_max > out_max:
        factor = (in_max + 1) // (out_max + 1)
        return xp.floor_divide(x, factor).astype(dtype)
    factor = (out_max + 1) // (in_max + 1)
    return x.astype(dtype) * dtype.type(factor)


class ConvertImageDtype(Transform):
    """Convert to `dtype` (e.g. np.float32 or np.uint8), scaling the values to the new dtype's range."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def apply_batch(self, x):
        return convert_image_dtype(x, self.dtype)


class PILToTensor(Transform):
    """PIL image (or H×W×C / H×W array) → C×H×W Tensor of the same dtype, values not scaled (uint8 stays 0..255)."""

    def call_single(self, img, stream=None):
        x = np.asarray(img)
        if x.ndim == 2:
            x = x[:, :, None]
        if x.ndim != 3:
            raise ValueError(f"PILToTensor: expected an H×W×C image, got shape {tuple(x.shape)}")
        return Tensor._wrap(np.ascontiguousarray(x.transpose(2, 0, 1)))

    def apply_batch(self, x):
        """N×H×W×C (or N×H×W) array → N×C×H×W array."""
        xp = get_array_module(x)
        x = x[..., None] if x.ndim == 3 else x
        return xp.ascontiguousarray(x.transpose(0, 3, 1, 2))


_MODES = {1: {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
              np.dtype(np.float32): "F"}, 2: "LA", 3: "RGB", 4: "RGBA"}


def to_pil_image(pic, mode: str | None = None):
    """A Tensor (C×H×W) or array (H×W×C, as torchvision reads NumPy arrays; or H×W) as a PIL image.

    Float Tensors are multiplied by 255 and truncated to uint8 (unless mode 'F'). The mode, when not given,
    follows the channels and dtype: 1 channel 'L' (uint8) / 'I;16' / 'I' / 'F', 2 'LA', 3 'RGB', 4 'RGBA'.
    """
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("ToPILImage needs Pillow: pip install pillow (or deepglass's 'images' extra)") from e
    if isinstance(pic, Tensor):
        x = np.asarray(pic.numpy())
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3:
            raise ValueError(f"ToPILImage: expected a C×H×W Tensor, got shape {tuple(x.shape)}")
        if x.dtype.kind == "f" and mode != "F":
            x = (x * 255).astype(np.uint8)
        x = x.transpose(1, 2, 0)
    else:
        x = pic.get() if hasattr(pic, "__cuda_array_interface__") else np.asarray(pic)
        if x.ndim == 2:
            x = x[:, :, None]
        if x.ndim != 3:
            raise ValueError(f"ToPILImage: expected an H×W×C array, got shape {tuple(x.shape)}")
    channels = x.shape[2]
    if channels > 4:
        raise ValueError(f"ToPILImage: at most 4 channels, got {channels}")
    if channels == 1:
        x = x[:, :, 0]
        expected = _MODES[1].get(x.dtype)
        if mode is not None and expected is not None and mode != expected and not (mode == "L" and x.dtype == np.uint8):
            raise ValueError(f"ToPILImage: mode {mode!r} does not fit a 1-channel {x.dtype} image ({expected!r})")
        mode = mode or expected
        if mode is None:
            raise TypeError(f"ToPILImage: input dtype {x.dtype} is not supported for 1-channel images")
        if mode == "F":
            x = x.astype(np.float32)
    else:
        if x.dtype != np.uint8:
            raise TypeError(f"ToPILImage: {channels}-channel images must be uint8, got {x.dtype}")
        mode = mode or _MODES[channels]
    image = Image.fromarray(np.ascontiguousarray(x))
    return image if image.mode == mode else image.convert(mode)


class ToPILImage(Transform):
    """Tensor C×H×W or array H×W×C → PIL image (Pillow is imported on first use)."""

    def __init__(self, mode: str | None = None):
        self.mode = mode

    def call_single(self, img, stream=None):
        return to_pil_image(img, self.mode)

    def __call__(self, img):
        return to_pil_image(img, self.mode)
