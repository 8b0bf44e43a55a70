"""Images sorted into one sub-folder per class (PNG/JPEG), e.g. Kaggle's chest_xray/{train,test}/{NORMAL,PNEUMONIA}.

Layouts understood:
  path/<class>/*.png                     → everything in `.train` (optionally `validation_split` of it in `.val`)
  path/{train,val,test}/<class>/*.png    → those splits (`valid`/`validation` also name the val split)
Images are decoded with Pillow (`pip install 'deepglass[images]'`), converted to RGB or grayscale,
resized when `image_size` is given, and stacked into uint8 N×H×W×3 or N×H×W by `image_folder`.
`ImageFolder` is the lazy kind for trees too big for memory: it decodes one file per `[i]`
(use `DataLoader(..., prefetch=2)` to overlap the decoding with training).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..data.dataset import ArrayDataset, Dataset
from .errors import DataFileError
from .splits import DatasetSplits

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
SPLIT_NAMES = {"train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"}


def _pil_image():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("image_folder decodes images with Pillow: pip install 'deepglass[images]'") from e
    return Image


def _class_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _files(folder: Path, extensions) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in extensions)


def load_image(path: Path, image_size, color_mode: str, interpolation: str = "bilinear") -> np.ndarray:
    """One image file as uint8 (H, W), (H, W, 3) or (H, W, 4) for color_mode 'grayscale', 'rgb', 'rgba';
    `image_size` is (height, width) or an int; `interpolation` 'bilinear' or 'nearest' when resizing."""
    Image = _pil_image()
    try:
        with Image.open(path) as img:
            img = img.convert({"grayscale": "L", "rgba": "RGBA"}.get(color_mode, "RGB"))
            if image_size is not None:
                h, w = (image_size, image_size) if isinstance(image_size, int) else image_size
                if img.size != (w, h):
                    resample = Image.NEAREST if interpolation == "nearest" else Image.BILINEAR
                    img = img.resize((w, h), resample)
            return np.asarray(img, dtype=np.uint8)
    except (OSError, SyntaxError, ValueError) as e:
        raise DataFileError(path, f"cannot decode image: {e}") from e


def _load_split(folder: Path, class_names: list[str], image_size, color_mode, extensions) -> ArrayDataset:
    images, labels, paths = [], [], []
    for label, name in enumerate(class_names):
        sub = folder / name
        if not sub.is_dir():
            continue
        for f in _files(sub, extensions):
            images.append(load_image(f, image_size, color_mode))
            labels.append(label)
            paths.append(f)
    if not images:
        raise FileNotFoundError(f"image_folder: no images with extensions {extensions} under {folder}")
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        by_shape = {im.shape: p for im, p in zip(images, paths)}
        examples = ", ".join(f"{p.name} {s}" for s, p in list(by_shape.items())[:3])
        raise ValueError(f"image_folder: images under {folder} have different sizes ({examples}); "
                         f"pass image_size=(height, width) to resize them")
    ds = ArrayDataset(np.stack(images), np.asarray(labels, dtype=np.int64))
    ds.paths = [str(p) for p in paths]
    return ds


def image_folder(path: str | os.PathLike, image_size: int | tuple[int, int] | None = None,
                 color_mode: str = "rgb", validation_split: float | None = None, seed: int = 0,
                 extensions: tuple[str, ...] = EXTENSIONS) -> DatasetSplits:
    """Load a class-per-folder image tree into DatasetSplits (see the module docstring for the layouts).

    `validation_split` (a fraction) moves a random, seeded part of train into `.val` when the tree has no
    val split of its own. Class names are the sub-folder names, sorted; each split has `.paths` too.
    """
    if color_mode not in ("rgb", "grayscale"):
        raise ValueError(f"image_folder: color_mode must be 'rgb' or 'grayscale', got {color_mode!r}")
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"image_folder: {root} is not a folder")
    top = {p.name.lower(): p for p in _class_folders(root)}
    split_dirs = {SPLIT_NAMES[k]: v for k, v in top.items() if k in SPLIT_NAMES}
    if "train" not in split_dirs:
        split_dirs = {"train": root}
    class_names = sorted({p.name for d in split_dirs.values() for p in _class_folders(d)})
    if not class_names:
        raise FileNotFoundError(f"image_folder: {root} has no class sub-folders")
    ext = tuple(e.lower() for e in extensions)
    splits = {k: _load_split(d, class_names, image_size, color_mode, ext) for k, d in split_dirs.items()}
    if validation_split and "val" not in splits:
        train = splits["train"]
        order = np.random.default_rng(seed).permutation(len(train))
        n_val = int(round(len(train) * validation_split))
        val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
        paths = np.asarray(train.paths)
        splits["train"] = ArrayDataset(train.x[train_idx], train.y[train_idx])
        splits["train"].paths = paths[train_idx].tolist()
        splits["val"] = ArrayDataset(train.x[val_idx], train.y[val_idx])
        splits["val"].paths = paths[val_idx].tolist()
    return DatasetSplits(name=root.name, train=splits["train"], val=splits.get("val"), test=splits.get("test"),
                         class_names=class_names, task="binary" if len(class_names) == 2 else "multiclass",
                         info={"path": str(root), "color_mode": color_mode})


class ImageFolder(Dataset):
    """Lazy class-per-folder dataset: `[i]` decodes file i and returns (image, label), like torchvision's.

    Images are uint8 H×W×3 (or H×W for grayscale), passed through `transform` when given.
    `.classes`, `.class_to_idx` and `.samples` (path, label) describe the tree.
    """

    def __init__(self, root: str | os.PathLike, transform=None, target_transform=None,
                 image_size: int | tuple[int, int] | None = None, color_mode: str = "rgb",
                 extensions: tuple[str, ...] = EXTENSIONS):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"ImageFolder: {self.root} is not a folder")
        self.classes = [p.name for p in _class_folders(self.root)]
        self.class_to_idx = {c: k for k, c in enumerate(self.classes)}
        ext = tuple(e.lower() for e in extensions)
        self.samples = [(str(f), k) for k, c in enumerate(self.classes) for f in _files(self.root / c, ext)]
        if not self.samples:
            raise FileNotFoundError(f"ImageFolder: no images with extensions {extensions} under {self.root}")
        self.transform, self.target_transform = transform, target_transform
        self.image_size, self.color_mode = image_size, color_mode

    @property
    def targets(self) -> list[int]:
        return [label for _, label in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index):
        path, label = self.samples[index]
        image = load_image(Path(path), self.image_size, self.color_mode)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label
