"""CIFAR-10 from its binary version (no pickle): 50,000 train / 10,000 test RGB 32×32 images, 10 classes.

Each `.bin` file is 10,000 records of 3,073 bytes: one label byte, then 1,024 red, 1,024 green and
1,024 blue pixel bytes (row-major). Images are returned as uint8 (N, 32, 32, 3), like the other
loaders' N×H×W×C; `as_float()` gives N×C×H×W back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from ..data.dataset import ArrayDataset
from .download import RemoteFile, data_root, fetch
from .errors import DataFileError
from .splits import DatasetSplits

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
FOLDER = "cifar-10-batches-bin"
TRAIN_FILES = [f"data_batch_{k}.bin" for k in range(1, 6)]
TEST_FILES = ["test_batch.bin"]
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
RECORD = 1 + 32 * 32 * 3


def read_cifar_bin(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One binary batch file → (uint8 images (N, 32, 32, 3), int64 labels (N,)), size and labels checked."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % RECORD:
        raise DataFileError(path, f"size {raw.size} bytes is not a whole number of {RECORD}-byte records "
                                  f"(truncated or not a CIFAR-10 binary file)")
    records = raw.reshape(-1, RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise DataFileError(path, f"label byte {labels.max()} is not a CIFAR-10 class (0-9): corrupt file")
    images = np.ascontiguousarray(records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return images, labels


def _find_folder(base: Path) -> Path | None:
    for candidate in (base / FOLDER, base / "cifar10" / FOLDER, base, base / "cifar10"):
        if all((candidate / f).is_file() for f in TRAIN_FILES + TEST_FILES):
            return candidate
    return None


def _extract(archive: Path, target_parent: Path) -> Path:
    """Extract the tarball's .bin/.txt members into `target_parent/FOLDER`, atomically (temp dir + rename)."""
    tmp = Path(tempfile.mkdtemp(prefix=".cifar10.", dir=target_parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                name = Path(member.name).name
                if member.isfile() and (name.endswith(".bin") or name.endswith(".txt")):
                    with tar.extractfile(member) as src, open(tmp / name, "wb") as dst:
                        shutil.copyfileobj(src, dst)
        final = target_parent / FOLDER
        os.replace(tmp, final)
        return final
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DataFileError(archive, f"cannot extract: {e}") from e
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)


def cifar10(root: str | os.PathLike | None = None, download: bool = True) -> DatasetSplits:
    """CIFAR-10: train 50,000 / test 10,000 uint8 (N, 32, 32, 3), labels int64 0-9; val=None.

    Looks for the extracted `cifar-10-batches-bin/` folder (or its files) in `root` and `root/cifar10/`,
    else for `cifar-10-binary.tar.gz` there (downloaded and md5-checked when missing), which is extracted.
    """
    base = data_root(root)
    folder = _find_folder(base)
    if folder is None:
        archive = fetch("cifar10", [RemoteFile("cifar-10-binary.tar.gz", URL, md5=MD5)], root=root,
                        download=download)["cifar-10-binary.tar.gz"]
        folder = _extract(archive, archive.parent)
    parts = {}
    for split, files in (("train", TRAIN_FILES), ("test", TEST_FILES)):
        arrays = [read_cifar_bin(folder / f) for f in files]
        parts[split] = ArrayDataset(np.concatenate([a[0] for a in arrays]), np.concatenate([a[1] for a in arrays]))
    return DatasetSplits(name="cifar10", train=parts["train"], val=None, test=parts["test"],
                         class_names=list(CLASS_NAMES), task="multiclass", info={"folder": str(folder)})
