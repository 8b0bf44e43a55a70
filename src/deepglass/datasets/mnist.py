"""MNIST and Fashion-MNIST from the original IDX files (gzipped or not), validated as they are read.

IDX layout: 2 zero bytes, a type byte (0x08 = uint8), a byte with the number of dimensions, then one
big-endian uint32 per dimension, then the data. Images are (N, 28, 28) uint8, labels (N,) uint8.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from ..data.dataset import ArrayDataset
from .download import RemoteFile, fetch
from .errors import DataFileError
from .splits import DatasetSplits

MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# The published md5 checksums of the .gz files (the same ones torchvision uses).
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
FASHION_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip magic (whatever its name)."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as e:
        raise DataFileError(path, f"corrupt or truncated gzip data ({e})") from e


def read_idx(path: str | os.PathLike, expected_ndim: int | None = None) -> np.ndarray:
    """Parse one IDX file (raw or .gz), checking the magic number and that the size matches the header."""
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise DataFileError(path, f"too short for an IDX header ({len(data)} bytes)")
    zero, dtype_code, ndim = int.from_bytes(data[:2], "big"), data[2], data[3]
    magic = int.from_bytes(data[:4], "big")
    if zero != 0 or dtype_code not in IDX_DTYPES or ndim == 0:
        raise DataFileError(path, f"wrong magic number 0x{magic:08x}: not an IDX file")
    if expected_ndim is not None and ndim != expected_ndim:
        raise DataFileError(path, f"magic number 0x{magic:08x} says {ndim} dimensions, expected {expected_ndim}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFileError(path, "truncated IDX header")
    shape = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(IDX_DTYPES[dtype_code])
    need = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != need:
        problem = "truncated" if len(data) - header < need else "has trailing bytes"
        raise DataFileError(path, f"{problem}: header says shape {shape} ({need} bytes of data), "
                                  f"file holds {len(data) - header}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _remote_files(base_url: str, md5: dict[str, str], shared_name: bool = False) -> list[RemoteFile]:
    return [RemoteFile(name, base_url + name, md5=checksum, alternatives=(name[:-3],), shared_name=shared_name)
            for name, checksum in md5.items()]


def _load_pair(images_path: Path, labels_path: Path, num_classes: int) -> ArrayDataset:
    images = read_idx(images_path, expected_ndim=3)
    labels = read_idx(labels_path, expected_ndim=1)
    if len(images) != len(labels):
        raise DataFileError(images_path, f"holds {len(images)} images but {labels_path.name} holds "
                                         f"{len(labels)} labels")
    if labels.size and int(labels.max()) >= num_classes:
        raise DataFileError(labels_path, f"label {int(labels.max())} out of range for {num_classes} classes")
    return ArrayDataset(images, labels.astype(np.int64))


def _idx_dataset(name: str, base_url: str, md5: dict[str, str], class_names: list[str], root, download,
                 shared_name: bool = False):
    files = fetch(name, _remote_files(base_url, md5, shared_name), root=root, download=download)
    p = {k.split("-")[0] + "-" + k.split("-")[1]: v for k, v in files.items()}  # 'train-images' → path
    return DatasetSplits(
        name=name,
        train=_load_pair(p["train-images"], p["train-labels"], len(class_names)),
        val=None,
        test=_load_pair(p["t10k-images"], p["t10k-labels"], len(class_names)),
        class_names=list(class_names),
        task="multiclass",
        info={"files": {k: str(v) for k, v in files.items()}},
    )


def mnist(root: str | os.PathLike | None = None, download: bool = True) -> DatasetSplits:
    """MNIST digits: train 60,000 / test 10,000 uint8 images (N, 28, 28), labels int64 0-9; val=None.

    Files `train-images-idx3-ubyte(.gz)` etc. are looked for in `root` then `root/mnist/`
    (see `deepglass.datasets.download`).
    """
    return _idx_dataset("mnist", MNIST_URL, MNIST_MD5, [str(d) for d in range(10)], root, download)


def fashion_mnist(root: str | os.PathLike | None = None, download: bool = True) -> DatasetSplits:
    """Fashion-MNIST (Zalando): 60,000 / 10,000 uint8 (N, 28, 28) clothing images in 10 classes; val=None.

    Its files have MNIST's names, so they are looked for in `root/fashion_mnist/`; a copy directly in
    `root` is used only when its md5 is Fashion-MNIST's published one (never MNIST mistaken for it).
    """
    return _idx_dataset("fashion_mnist", FASHION_URL, FASHION_MD5, FASHION_CLASSES, root, download,
                        shared_name=True)
