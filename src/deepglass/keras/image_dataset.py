"""`image_dataset_from_directory`: Keras's loader for a class-per-folder image tree (e.g. chest_xray/train with
NORMAL/ and PNEUMONIA/), batch by batch, ready for `model.fit`.

Files are listed once (sorted), split into training/validation by a seeded shuffle as Keras does, and decoded
with Pillow one batch at a time, so a tree larger than memory trains too.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..datasets.image_folder import EXTENSIONS, _class_folders, _files, load_image

CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
LABEL_MODES = ("int", "categorical", "binary", None)


class ImageDirectoryDataset:
    """Batches (images float32 (B, H, W, C) in 0-255, labels) from a list of files; `class_names`, `file_paths`.
    Re-iterable (each pass is one epoch, reshuffled when `shuffle`), and `len()` is the number of batches."""

    def __init__(self, paths: list[str], labels: np.ndarray, class_names: list[str], label_mode, batch_size: int,
                 image_size: tuple[int, int], color_mode: str, shuffle: bool, seed, interpolation: str):
        self.file_paths, self.labels, self.class_names = paths, labels, class_names
        self.label_mode, self.batch_size, self.image_size = label_mode, batch_size, image_size
        self.color_mode, self.shuffle, self.interpolation = color_mode, shuffle, interpolation
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return -(-len(self.file_paths) // self.batch_size)

    def __iter__(self):
        order = self._rng.permutation(len(self.file_paths)) if self.shuffle else np.arange(len(self.file_paths))
        for start in range(0, len(order), self.batch_size):
            chosen = order[start:start + self.batch_size]
            images = np.stack([load_image(Path(self.file_paths[i]), self.image_size, self.color_mode,
                                          self.interpolation) for i in chosen]).astype(np.float32)
            if self.color_mode == "grayscale":
                images = images[..., None]
            if self.label_mode is None:
                yield images
            else:
                yield images, self._targets(self.labels[chosen])

    def _targets(self, labels: np.ndarray) -> np.ndarray:
        if self.label_mode == "categorical":
            return np.eye(len(self.class_names), dtype=np.float32)[labels]
        if self.label_mode == "binary":
            return labels.astype(np.float32)[:, None]
        return labels

    def __repr__(self) -> str:
        return (f"ImageDirectoryDataset({len(self.file_paths)} files, {len(self.class_names)} classes, "
                f"batch_size={self.batch_size}, image_size={self.image_size})")


def image_dataset_from_directory(directory: str | os.PathLike, labels="inferred", label_mode="int",
                                 class_names=None, color_mode: str = "rgb", batch_size: int | None = 32,
                                 image_size=(256, 256), shuffle: bool = True, seed: int | None = None,
                                 validation_split: float | None = None, subset: str | None = None,
                                 interpolation: str = "bilinear", follow_links: bool = False,
                                 crop_to_aspect_ratio: bool = False):
    """Keras's `image_dataset_from_directory`: sub-folder names are the classes (sorted, or `class_names`).

    `subset` 'training', 'validation' or 'both' (a pair) takes the last `validation_split` of the files, in a
    shuffle seeded by `seed` when `shuffle`, as validation. Images are resized to `image_size` (height,
    width) and come as float32 0-255.
    """
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"image_dataset_from_directory: {root} is not a folder")
    if labels != "inferred":
        raise NotImplementedError("image_dataset_from_directory: only labels='inferred' (from sub-folders) is "
                                  "supported")
    if label_mode not in LABEL_MODES or color_mode not in CHANNELS or interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"image_dataset_from_directory: label_mode must be one of {LABEL_MODES}, color_mode one of "
                         f"{tuple(CHANNELS)}, interpolation 'bilinear' or 'nearest'; got {label_mode!r}, "
                         f"{color_mode!r}, {interpolation!r}")
    if crop_to_aspect_ratio:
        raise NotImplementedError("image_dataset_from_directory: crop_to_aspect_ratio is not supported")
    if (validation_split is None) != (subset is None) or subset not in (None, "training", "validation", "both"):
        raise ValueError("image_dataset_from_directory: give validation_split and subset ('training', 'validation' "
                         f"or 'both') together, got validation_split={validation_split!r}, subset={subset!r}")
    found = [p.name for p in _class_folders(root)]
    names = list(class_names) if class_names is not None else found
    missing = sorted(set(names) - set(found))
    if missing or not names:
        raise ValueError(f"image_dataset_from_directory: {root} has class folders {found}; missing {missing}")
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f"image_dataset_from_directory: label_mode='binary' needs 2 classes, found {len(names)}")
    paths, targets = [], []
    for k, name in enumerate(names):
        for f in _files(root / name, EXTENSIONS):
            paths.append(str(f))
            targets.append(k)
    if not paths:
        raise FileNotFoundError(f"image_dataset_from_directory: no images with extensions {EXTENSIONS} under {root}")
    if subset is not None and shuffle and seed is None:
        raise ValueError("image_dataset_from_directory: validation_split with shuffle=True needs a seed, so that the "
                         "training and validation calls split the files alike")
    targets = np.asarray(targets, dtype=np.int64)
    if shuffle:  # the split takes the last files of this seeded order, as in Keras
        order = np.random.default_rng(seed).permutation(len(paths))
        paths, targets = [paths[i] for i in order], targets[order]
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(int(s) for s in image_size)
    batch = len(paths) if batch_size is None else int(batch_size)

    def dataset(part: slice) -> ImageDirectoryDataset:
        return ImageDirectoryDataset(paths[part], targets[part], names, label_mode, batch, size, color_mode, shuffle,
                                     seed, interpolation)

    if subset is None:
        return dataset(slice(None))
    n_val = int(validation_split * len(paths))
    training, validation = dataset(slice(0, len(paths) - n_val)), dataset(slice(len(paths) - n_val, None))
    return {"training": training, "validation": validation, "both": (training, validation)}[subset]
