"""Cat vs non-cat (the deep-learning course's logistic-regression exercise): 209 train / 50 test RGB 64×64.

Two HDF5 files, `train_catvnoncat.h5` (train_set_x, train_set_y, list_classes) and `test_catvnoncat.h5`
(test_set_x, test_set_y, list_classes). Reading them needs h5py: `pip install 'deepglass[hdf5]'`.
There is no official public download, so the files must be copied in by hand.
"""

from __future__ import annotations

import os

import numpy as np

from ..data.dataset import ArrayDataset
from .download import RemoteFile, fetch
from .errors import DataFileError
from .splits import DatasetSplits

FILES = {"train": "train_catvnoncat.h5", "test": "test_catvnoncat.h5"}


def _h5py():
    try:
        import h5py
    except ImportError as e:
        raise ImportError("cat_vs_noncat reads HDF5 files and needs h5py: pip install 'deepglass[hdf5]'") from e
    return h5py


def read_catvnoncat_h5(path, split: str) -> tuple[ArrayDataset, list[str]]:
    """One split's (ArrayDataset of uint8 (N, 64, 64, 3) images and int64 labels, class names)."""
    h5py = _h5py()
    try:
        with h5py.File(path, "r") as f:
            keys = (f"{split}_set_x", f"{split}_set_y", "list_classes")
            missing = [k for k in keys if k not in f]
            if missing:
                raise DataFileError(path, f"missing datasets {missing}; found {sorted(f.keys())}")
            x, y = np.asarray(f[keys[0]][()]), np.asarray(f[keys[1]][()])
            classes = [c.decode() if isinstance(c, bytes) else str(c) for c in f["list_classes"][()]]
    except OSError as e:
        raise DataFileError(path, f"not a readable HDF5 file (truncated or corrupt?): {e}") from e
    y = y.reshape(-1).astype(np.int64)
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[-1] != 3:
        raise DataFileError(path, f"{split}_set_x is {x.dtype}{x.shape}, expected uint8 (N, H, W, 3)")
    if len(x) != len(y):
        raise DataFileError(path, f"{len(x)} images but {len(y)} labels")
    if y.size and (y.min() < 0 or y.max() >= len(classes)):
        raise DataFileError(path, f"labels outside 0..{len(classes) - 1}")
    return ArrayDataset(x, y), classes


def cat_vs_noncat(root: str | os.PathLike | None = None, download: bool = True) -> DatasetSplits:
    """Cat vs non-cat: train 209 / test 50 uint8 (N, 64, 64, 3) images, labels 1 = cat; task 'binary'; val=None."""
    specs = [RemoteFile(name) for name in FILES.values()]
    paths = fetch("catvnoncat", specs, root=root, download=download)
    train, classes = read_catvnoncat_h5(paths[FILES["train"]], "train")
    test, _ = read_catvnoncat_h5(paths[FILES["test"]], "test")
    return DatasetSplits(name="cat_vs_noncat", train=train, val=None, test=test, class_names=classes,
                         task="binary", info={"files": {k: str(v) for k, v in paths.items()}})
