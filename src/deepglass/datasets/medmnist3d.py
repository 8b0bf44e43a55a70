"""MedMNIST v2/v3 3D datasets: 28³ (and, MedMNIST+, 64³) volumes in the same npz layout as the 2D ones.

    splits = dg.datasets.medmnist3d("organmnist3d", root="data")
    splits.train.x, splits.train.y     # uint8 (971, 28, 28, 28), int64 (971,)
    splits.train.as_float()            # float32 (971, 1, 28, 28, 28) in [0, 1], ready for nn.Conv3d
    splits.as_float()                  # {'train': (x, y), 'val': ..., 'test': ...}, x as above

`DataLoader(splits.train, batch_size=32)` yields uint8 (32, 28, 28, 28) batches as stored; turn one into
Conv3d input with `x.float().unsqueeze(1) / 255` (→ float32 (32, 1, 28, 28, 28)).

An npz holds `train_images`, `train_labels`, `val_images`, `val_labels`, `test_images`, `test_labels`;
images are uint8 (N, D, H, W) with D = H = W = size (one channel), labels (N, 1). Class names, task and
the md5 of each file come from the MedMNIST `INFO` table (medmnist v3.0.2, `medmnist/info.py`);
downloads use the Zenodo record 10519652 (MedMNIST+), which has 28³ and 64³ files for every 3D dataset.
"""

from __future__ import annotations

import os

import numpy as np

from ..data.dataset import ArrayDataset
from .download import RemoteFile, fetch
from .errors import DataFileError
from .medmnist import ZENODO, read_medmnist_npz
from .splits import DatasetSplits

# flag: (task, class names) — from medmnist.info.INFO (v3.0.2); every 3D dataset has one channel.
# OrganMNIST3D numbers its organs differently from Organ{A,C,S}MNIST.
INFO3D: dict[str, tuple[str, list[str]]] = {
    "organmnist3d": ("multiclass", ["liver", "kidney-right", "kidney-left", "femur-right", "femur-left", "bladder",
                                    "heart", "lung-right", "lung-left", "spleen", "pancreas"]),
    "nodulemnist3d": ("binary", ["benign", "malignant"]),
    "adrenalmnist3d": ("binary", ["normal", "hyperplasia"]),
    "fracturemnist3d": ("multiclass", ["buckle rib fracture", "nondisplaced rib fracture", "displaced rib fracture"]),
    "vesselmnist3d": ("binary", ["vessel", "aneurysm"]),
    "synapsemnist3d": ("binary", ["inhibitory synapse", "excitatory synapse"]),
}
SIZES3D = (28, 64)
# md5 of <flag>.npz ("MD5") and <flag>_64.npz ("MD5_64") in Zenodo record 10519652, from medmnist v3 INFO.
MD5_3D: dict[str, dict[int, str]] = {
    "organmnist3d": {28: "a0c5a1ff56af4f155c46d46fbb45a2fe", 64: "58a2205adf14a9d0a189cb06dc78bf10"},
    "nodulemnist3d": {28: "8755a7e9e05a4d9ce80a24c3e7a256f3", 64: "c47c5b7d457bf6332200d2ea6d64ecd8"},
    "adrenalmnist3d": {28: "bbd3c5a5576322bc4cdfea780653b1ce", 64: "17721accfe9fb005146a47d33bc54b2f"},
    "fracturemnist3d": {28: "6aa7b0143a6b42da40027a9dda61302f", 64: "f01d7e6316aedf4210da0da5b7437b42"},
    "vesselmnist3d": {28: "b41fd4f7e7e2feedddb201585ecafa1b", 64: "6bb274a8846e1097066dcd64e2c4520f"},
    "synapsemnist3d": {28: "1235b78a3cd6280881dd7850a78eadb6", 64: "43bd14ebf3af9d3dd072446fedc14d5e"},
}


class VolumeDataset(ArrayDataset):
    """An ArrayDataset of single-channel volumes: x is (N, D, H, W), batches come back as stored.

    Only `as_float` differs: it adds the channel axis of a volume (N, 1, D, H, W) instead of reading the
    last axis as colour channels the way a 2D (N, H, W, C) image batch is read.
    """

    def as_float(self, layout: str = "NCDHW", scale: bool = True) -> np.ndarray:
        """x as float32 (N, 1, D, H, W) ('NCDHW') or (N, D, H, W, 1) ('NDHWC'); uint8 → [0, 1] unless scale=False.

        'NCHW' and 'NHWC' are accepted as 'channels first' / 'channels last', so `DatasetSplits.as_float()`
        (whose default is 'NCHW') gives Conv3d-ready volumes too.
        """
        layouts = {"NCDHW": 1, "NCHW": 1, "NDHWC": -1, "NHWC": -1}
        if layout not in layouts:
            raise ValueError(f"as_float: layout must be 'NCDHW' or 'NDHWC' for volumes, got {layout!r}")
        out = self.x.astype(np.float32)
        if scale and self.x.dtype == np.uint8:
            out /= np.float32(255)
        return np.expand_dims(out, layouts[layout])


def medmnist3d(flag: str, root: str | os.PathLike | None = None, download: bool = True,
               size: int = 28) -> DatasetSplits:
    """One 3D MedMNIST dataset (`flag` e.g. 'organmnist3d', 'nodulemnist3d') with its official splits.

    Looks for `<flag>.npz` (or `<flag>_64.npz` for size=64) in `root`, then `root/medmnist/`; downloads from
    Zenodo, md5-checked, when missing. Splits are `VolumeDataset`s: x uint8 (N, size, size, size), y int64 (N,);
    `.as_float()` gives float32 (N, 1, size, size, size) in [0, 1] for `nn.Conv3d`.
    """
    flag = flag.lower()
    if flag not in INFO3D:
        raise ValueError(f"medmnist3d: unknown flag {flag!r}; 3D datasets are {sorted(INFO3D)}")
    if size not in SIZES3D:
        raise ValueError(f"medmnist3d: size must be one of {SIZES3D}, got {size}")
    task, class_names = INFO3D[flag]
    filename = f"{flag}.npz" if size == 28 else f"{flag}_{size}.npz"
    spec = RemoteFile(filename, f"{ZENODO}{filename}?download=1", md5=MD5_3D[flag][size])
    path = fetch("medmnist", [spec], root=root, download=download)[filename]
    splits = read_medmnist_npz(path, task, len(class_names), channels=1, volume=True)
    for name, split in splits.items():
        if split.x.shape[1:] != (size,) * 3:
            raise DataFileError(path, f"{name}_images has shape {split.x.shape}, expected (N, {size}, {size}, {size})")
    volumes = {name: VolumeDataset(split.x, split.y) for name, split in splits.items()}
    return DatasetSplits(name=flag, train=volumes["train"], val=volumes["val"], test=volumes["test"],
                         class_names=list(class_names), task=task,
                         info={"file": str(path), "channels": 1, "size": size,
                               "source": "MedMNIST v2, https://medmnist.com (license per dataset, see medmnist INFO)"})
