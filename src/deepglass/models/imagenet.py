"""ImageNet-1k class names and the preprocessing torchvision's pretrained weights expect.

    image -> resize (shorter side 256, bilinear) -> center crop 224 -> [0, 1] -> (x - mean) / std -> (3, 224, 224)

The 1000 names ship in imagenet_classes.txt, in torchvision's order (index i is logit i).
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np

from ..tensor import Tensor

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@functools.lru_cache(maxsize=1)
def imagenet_classes() -> tuple[str, ...]:
    """The 1000 ImageNet class names; `imagenet_classes()[i]` names logit i of a pretrained classifier."""
    text = resources.files(__package__).joinpath("imagenet_classes.txt").read_text(encoding="utf-8")
    names = tuple(line for line in text.splitlines() if line)
    if len(names) != 1000:
        raise RuntimeError(f"imagenet_classes.txt holds {len(names)} names, expected 1000 (damaged install?)")
    return names


def _to_pil(image):
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("imagenet preprocessing needs Pillow: pip install 'deepglass[images]'") from e
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    if isinstance(image, str) or hasattr(image, "__fspath__"):
        with Image.open(image) as im:
            return im.convert("RGB")
    array = np.asarray(image.numpy() if isinstance(image, Tensor) else image)
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
        array = array.transpose(1, 2, 0)  # CHW -> HWC
    if array.dtype.kind == "f":
        array = np.clip(array * 255.0 if array.max() <= 1.0 else array, 0, 255).round()
    array = array.astype(np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    return Image.fromarray(array).convert("RGB")


def preprocess(image, resize_size: int = 256, crop_size: int = 224, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> Tensor:
    """One image (path, PIL image, or HWC/CHW uint8 or [0, 1] float array) -> normalized (3, crop, crop) float32.

    Stack several with `dg.stack([...])` to make a batch. Matches torchvision's ImageClassification preset.
    """
    im = _to_pil(image)
    w, h = im.size
    scale = resize_size / min(w, h)
    im = im.resize((max(1, round(w * scale)), max(1, round(h * scale))), resample=2)  # 2 = bilinear
    w, h = im.size
    left, top = int(round((w - crop_size) / 2.0)), int(round((h - crop_size) / 2.0))
    im = im.crop((left, top, left + crop_size, top + crop_size))
    x = np.asarray(im, dtype=np.float32) / 255.0
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return Tensor._wrap(np.ascontiguousarray(x.transpose(2, 0, 1)))


def decode_predictions(logits, top: int = 5) -> list[list[tuple[int, str, float]]]:
    """Top-`top` (class index, name, probability) per row of (N, 1000) logits, best first (as Keras)."""
    z = np.asarray(logits.numpy() if isinstance(logits, Tensor) else logits, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 1000:
        raise ValueError(f"decode_predictions expects (N, 1000) ImageNet logits, got shape {z.shape}")
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    names = imagenet_classes()
    return [[(int(i), names[i], float(row[i])) for i in np.argsort(-row)[:top]] for row in p]
