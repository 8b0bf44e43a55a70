"""FiveCrop and TenCrop: the four corner crops and the center crop (and their mirror images), for test-time
augmentation. They return a tuple of images (of batches, for a batch), as torchvision does."""

from __future__ import annotations

from ...tensor import Tensor
from . import functional as F
from .base import Transform, get_array_module


def _size(size) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    if len(size) == 1:
        return int(size[0]), int(size[0])
    return int(size[0]), int(size[1])


def five_crop(x, size):
    """(top-left, top-right, bottom-left, bottom-right, center) crops of a batch (N, C, H, W)."""
    h, w = size
    H, W = x.shape[2:]
    if h > H or w > W:
        raise ValueError(f"FiveCrop: crop {size} is larger than the image {(H, W)}")
    top, left = int(round((H - h) / 2.0)), int(round((W - w) / 2.0))
    return (x[:, :, :h, :w], x[:, :, :h, W - w :], x[:, :, H - h :, :w], x[:, :, H - h :, W - w :],
            x[:, :, top : top + h, left : left + w])


class FiveCrop(Transform):
    """The four corners and the center, each `size` ((h, w) or an int): a tuple of 5 images."""

    def __init__(self, size):
        self.size = _size(size)

    def apply_batch(self, x):
        return five_crop(x, self.size)

    def call_single(self, img, stream=None):
        is_tensor = isinstance(img, Tensor)
        x = get_array_module(img.data if is_tensor else img).asarray(img.data if is_tensor else img)
        if x.ndim not in (2, 3, 4):
            raise ValueError(f"{type(self).__name__}: expected C×H×W, H×W or N×C×H×W, got shape {tuple(x.shape)}")
        batch = x if x.ndim == 4 else (x[None] if x.ndim == 3 else x[None, None])
        crops = self.apply_batch(batch)
        if x.ndim == 3:
            crops = tuple(c[0] for c in crops)
        elif x.ndim == 2:
            crops = tuple(c[0, 0] for c in crops)
        return tuple(Tensor._wrap(c) for c in crops) if is_tensor else crops


class TenCrop(FiveCrop):
    """FiveCrop of the image, then FiveCrop of its mirror image (left-right, or top-bottom with
    `vertical_flip=True`): a tuple of 10 images."""

    def __init__(self, size, vertical_flip: bool = False):
        super().__init__(size)
        self.vertical_flip = vertical_flip

    def apply_batch(self, x):
        flipped = F.vflip(x) if self.vertical_flip else F.hflip(x)
        return five_crop(x, self.size) + five_crop(flipped, self.size)
