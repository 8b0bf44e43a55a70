"""Keras utilities the course code uses: to_categorical, normalize, image_dataset_from_directory,
set_random_seed, the image helpers (load_img, img_to_array, array_to_img, save_img), split_dataset and
PyDataset (alias Sequence), the base class of batch-indexed datasets that `model.fit` accepts."""

from __future__ import annotations

import io
import os
import random as _py_random
import warnings

import numpy as np

from .. import random as _dg_random
from .image_dataset import image_dataset_from_directory

__all__ = [
    "PyDataset",
    "Sequence",
    "array_to_img",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "normalize",
    "save_img",
    "set_random_seed",
    "split_dataset",
    "to_categorical",
]


def to_categorical(y, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """Integer labels (any shape) → one-hot rows: (N,) → (N, num_classes)."""
    y = np.asarray(y, dtype=np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    num_classes = int(y.max()) + 1 if num_classes is None else int(num_classes)
    return np.eye(num_classes, dtype=dtype)[y]


def normalize(x, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scale `x` to unit `order`-norm along `axis`."""
    x = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


# ---- seeding -----------------------------------------------------------------------------------------
def set_random_seed(seed: int) -> None:
    """Seed every generator a Keras program draws from: Python's `random`, NumPy's global one and
    deepglass's (weights, dropout, shuffling, augmentation; CuPy's too when loaded), as Keras does."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    seed = int(seed)
    _py_random.seed(seed)
    np.random.seed(seed % 2**32)
    _dg_random.manual_seed(seed)


# ---- images (Pillow, imported when used) -----------------------------------------------------------------
def _pil():
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the image utilities (load_img, array_to_img, save_img) need Pillow: pip install pillow"
        ) from e
    return Image


def _resample(Image, interpolation: str):
    methods = {
        "nearest": Image.NEAREST,
        "bilinear": Image.BILINEAR,
        "bicubic": Image.BICUBIC,
        "hamming": Image.HAMMING,
        "box": Image.BOX,
        "lanczos": Image.LANCZOS,
    }
    if interpolation not in methods:
        raise ValueError(
            f"Invalid interpolation method {interpolation!r}; supported: {', '.join(methods)}"
        )
    return methods[interpolation]


def _data_format(data_format) -> str:
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return data_format


def load_img(path, color_mode: str = "rgb", target_size=None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False):
    """An image file (path or binary file object) as a PIL Image, converted to `color_mode` ('rgb',
    'grayscale' or 'rgba') and resized to `target_size` = (height, width) if given. `keep_aspect_ratio`
    crops the centre to the target's aspect ratio before resizing. Use `img_to_array` for a NumPy array."""
    Image = _pil()
    if color_mode not in ("rgb", "grayscale", "rgba"):
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba"; got {color_mode!r}')
    if isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    elif hasattr(path, "read"):
        img = Image.open(io.BytesIO(path.read()))
    else:
        raise TypeError(f"path should be a path or a binary file object, got {type(path).__name__}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != color_mode.upper():
        img = img.convert(color_mode.upper())
    if target_size is not None:
        width_height = (int(target_size[1]), int(target_size[0]))
        if img.size != width_height:
            resample = _resample(Image, interpolation)
            if keep_aspect_ratio:
                width, height = img.size
                crop_height = min(height, (width * width_height[1]) // width_height[0])
                crop_width = min(width, (height * width_height[0]) // width_height[1])
                top, left = (height - crop_height) // 2, (width - crop_width) // 2
                img = img.resize(width_height, resample, box=(left, top, left + crop_width, top + crop_height))
            else:
                img = img.resize(width_height, resample)
    return img


def img_to_array(img, data_format=None, dtype=None) -> np.ndarray:
    """A PIL Image (or array) as a float32 array (H, W, C) — (C, H, W) for 'channels_first'; a grayscale
    image gets a channel axis of 1."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1, *x.shape) if data_format == "channels_first" else (*x.shape, 1))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def array_to_img(x, data_format=None, scale: bool = True, dtype=None):
    """A 3-D array (H, W, C) with C in 1, 3, 4 as a PIL Image ('L' or 'I', 'RGB', 'RGBA'). With `scale`
    the values are shifted and scaled to fill [0, 255] first (Keras's default); else they are cast."""
    Image = _pil()
    x = np.array(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if _data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit integer grayscale
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def save_img(path, x, data_format=None, file_format=None, scale: bool = True, **kwargs) -> None:
    """Write the array `x` as an image file (format from `file_format` or the extension); extra arguments
    go to PIL's `Image.save` (e.g. quality=95). An RGBA image saved as JPEG is converted to RGB."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if file_format is not None and file_format.lower() == "jpg":
        file_format = "jpeg"
    is_jpeg = (file_format or "").lower() == "jpeg" or (
        file_format is None and str(path).lower().endswith((".jpg", ".jpeg"))
    )
    if img.mode == "RGBA" and is_jpeg:
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


# ---- splitting arrays ----------------------------------------------------------------------------------
def _split_sizes(total: int, left_size, right_size) -> tuple[int, int]:
    """Keras's rules: a float is a fraction of `total` (rounded), an int a count; the missing side is the rest."""
    if left_size is None and right_size is None:
        raise ValueError("you must specify either `left_size` or `right_size`")
    sizes = []
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            sizes.append(None)
        elif isinstance(size, (float, np.floating)):
            if not 0 < size < 1:
                raise ValueError(f"`{name}` as a float should be in (0, 1), got {size}")
            sizes.append(round(float(size) * total))
        elif isinstance(size, (int, np.integer)) and not isinstance(size, bool):
            if not 0 < size <= total:
                raise ValueError(f"`{name}`={size} should be a positive count no larger than the {total} samples")
            sizes.append(int(size))
        else:
            raise TypeError(f"`{name}` should be an int or a float, got {type(size).__name__}")
    left, right = sizes
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"left_size={left} + right_size={right} is more than the {total} samples of the dataset")
    for side, size in (("left", left), ("right", right)):
        if size <= 0:
            raise ValueError(f"With a dataset of length {total}, left_size={left_size} and right_size={right_size}, "
                             f"the {side} side of the split would be empty")
    return left, right


def split_dataset(dataset, left_size=None, right_size=None, shuffle: bool = False, seed=None):
    """Split arrays along their first axis into (left, right), as Keras does for tf.data datasets.

    `dataset` is an array, or a tuple/list/dict of arrays with the same number of samples (x, y); each side
    has the same structure (NumPy arrays — Keras returns tf.data Datasets). Sizes are fractions (floats) or
    counts (ints); the left side takes the first samples, the right side the last ones, after an optional
    shuffle (reproducible with `seed`). A `dg.data` Dataset is split with `dg.data.random_split` instead.
    """
    if isinstance(dataset, dict):
        names, arrays = list(dataset), [np.asarray(v) for v in dataset.values()]
    elif isinstance(dataset, (tuple, list)):
        names, arrays = None, [np.asarray(v) for v in dataset]
    else:
        names, arrays = None, [np.asarray(dataset)]
    if not arrays or any(a.ndim == 0 for a in arrays):
        raise TypeError("split_dataset needs arrays with a sample axis (or a tuple/list/dict of them)")
    total = len(arrays[0])
    if any(len(a) != total for a in arrays):
        raise ValueError(f"all arrays must have the same number of samples, got {[len(a) for a in arrays]}")
    left, right = _split_sizes(total, left_size, right_size)
    order = np.random.default_rng(seed).permutation(total) if shuffle else np.arange(total)
    left_index, right_index = order[:left], order[total - right:]

    def pack(index):
        parts = [a[index] for a in arrays]
        if names is not None:
            return dict(zip(names, parts))
        if isinstance(dataset, (tuple, list)):
            return tuple(parts)
        return parts[0]

    return pack(left_index), pack(right_index)


# ---- PyDataset ------------------------------------------------------------------------------------------
class PyDataset:
    """Base class of a dataset indexed by batch: subclass it, define `__len__` (the number of batches) and
    `__getitem__(index)` returning one batch — `x`, `(x, y)` or `(x, y, sample_weight)` — and pass it to
    `model.fit` / `evaluate` / `predict`. `on_epoch_end()` is called after each full pass (shuffle there).

        class Batches(keras.utils.PyDataset):
            def __init__(self, x, y, batch_size, **kwargs):
                super().__init__(**kwargs)
                self.x, self.y, self.batch_size = x, y, batch_size
            def __len__(self):
                return math.ceil(len(self.x) / self.batch_size)
            def __getitem__(self, i):
                s = slice(i * self.batch_size, (i + 1) * self.batch_size)
                return self.x[s], self.y[s]

    fit walks it through `__iter__` (batches 0..len-1 in order, then `on_epoch_end`): batches are not
    reordered by `fit(shuffle=True)`, and `workers`, `use_multiprocessing` and `max_queue_size` are
    accepted but batches are loaded in the main thread.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self._workers, self._use_multiprocessing, self._max_queue_size = workers, use_multiprocessing, max_queue_size

    @property
    def workers(self) -> int:
        return self.__dict__.get("_workers", 1)

    @property
    def use_multiprocessing(self) -> bool:
        return self.__dict__.get("_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return self.__dict__.get("_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index), returning batch `index`")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__, the number of batches")

    @property
    def num_batches(self) -> int | None:
        """The number of batches (`len(self)`), or None when `__len__` is not defined."""
        try:
            return len(self)
        except NotImplementedError:
            return None

    def on_epoch_begin(self) -> None:
        """Called before each pass; override to prepare an epoch."""

    def on_epoch_end(self) -> None:
        """Called after each full pass; override to reshuffle, say."""

    def __iter__(self):
        self.on_epoch_begin()
        count, delivered = len(self), 0
        try:
            for index in range(count):
                delivered = index + 1
                yield self[index]
        finally:  # also when fit stops asking after the last batch (it counts them and closes the iterator)
            if delivered == count:
                self.on_epoch_end()


Sequence = PyDataset
