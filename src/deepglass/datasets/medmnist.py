"""MedMNIST v2 (Yang et al., Sci Data 2023): 2D medical image datasets in one npz layout, official splits.

An npz holds `train_images`, `train_labels`, `val_images`, `val_labels`, `test_images`, `test_labels`;
images are uint8 (N, 28, 28) or (N, 28, 28, 3), labels (N, 1) — or (N, 14) for the multi-label
ChestMNIST. Labels come back int64 (N,) ((N, K) for multi-label). Class names, task and the md5 of each
28×28 file come from the MedMNIST `INFO` table; downloads use the Zenodo record 10519652 (MedMNIST+).
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from ..data.dataset import ArrayDataset
from .download import RemoteFile, fetch
from .errors import DataFileError
from .splits import DatasetSplits

ZENODO = "https://zenodo.org/records/10519652/files/"
_TISSUE = ["Collecting Duct, Connecting Tubule", "Distal Convoluted Tubule", "Glomerular endothelial cells",
           "Interstitial endothelial cells", "Leukocytes", "Podocytes", "Proximal Tubule Segments",
           "Thick Ascending Limb"]
_ORGANS = ["bladder", "femur-left", "femur-right", "heart", "kidney-left", "kidney-right", "liver", "lung-left",
           "lung-right", "pancreas", "spleen"]
# flag: (task, channels, md5 of the 28×28 npz, class names) — from medmnist.info.INFO (v2).
INFO: dict[str, tuple[str, int, str, list[str]]] = {
    "pathmnist": ("multiclass", 3, "a8b06965200029087d5bd730944a56c1",
                  ["adipose", "background", "debris", "lymphocytes", "mucus", "smooth muscle", "normal colon mucosa",
                   "cancer-associated stroma", "colorectal adenocarcinoma epithelium"]),
    "chestmnist": ("multilabel", 1, "02c8a6516a18b556561a56cbdd36c4a8",
                   ["atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule", "pneumonia",
                    "pneumothorax", "consolidation", "edema", "emphysema", "fibrosis", "pleural", "hernia"]),
    "dermamnist": ("multiclass", 3, "0744692d530f8e62ec473284d019b0c7",
                   ["actinic keratoses and intraepithelial carcinoma", "basal cell carcinoma",
                    "benign keratosis-like lesions", "dermatofibroma", "melanoma", "melanocytic nevi",
                    "vascular lesions"]),
    "octmnist": ("multiclass", 1, "c68d92d5b585d8d81f7112f81e2d0842",
                 ["choroidal neovascularization", "diabetic macular edema", "drusen", "normal"]),
    "pneumoniamnist": ("binary", 1, "28209eda62fecd6e6a2d98b1501bb15f", ["normal", "pneumonia"]),
    "retinamnist": ("ordinal", 3, "bd4c0672f1bba3e3a89f0e4e876791e4", ["0", "1", "2", "3", "4"]),
    "breastmnist": ("binary", 1, "750601b1f35ba3300ea97c75c52ff8f6", ["malignant", "normal, benign"]),
    "bloodmnist": ("multiclass", 3, "7053d0359d879ad8a5505303e11de1dc",
                   ["basophil", "eosinophil", "erythroblast",
                    "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)", "lymphocyte", "monocyte",
                    "neutrophil", "platelet"]),
    "tissuemnist": ("multiclass", 1, "ebe78ee8b05294063de985d821c1c34b", _TISSUE),
    "organamnist": ("multiclass", 1, "866b832ed4eeba67bfb9edee1d5544e6", _ORGANS),
    "organcmnist": ("multiclass", 1, "0afa5834fb105f7705a7d93372119a21", _ORGANS),
    "organsmnist": ("multiclass", 1, "e5c39f1af030238290b9557d9503af9d", _ORGANS),
}
SIZES = (28, 64, 128, 224)


def read_medmnist_npz(path: str | os.PathLike, task: str, num_classes: int, channels: int) -> dict:
    """The three splits of one MedMNIST npz as {split: ArrayDataset}, validated (keys, counts, shapes, labels)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise DataFileError(path, f"not a readable npz archive (truncated or corrupt?): {e}") from e
    splits = {}
    with archive:
        for split in ("train", "val", "test"):
            keys = (f"{split}_images", f"{split}_labels")
            missing = [k for k in keys if k not in archive.files]
            if missing:
                raise DataFileError(path, f"missing arrays {missing}; found {archive.files}")
            try:
                images, labels = archive[keys[0]], archive[keys[1]]
            except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
                raise DataFileError(path, f"array {split} is corrupt: {e}") from e
            if len(images) != len(labels):
                raise DataFileError(path, f"{split}: {len(images)} images but {len(labels)} labels")
            want_ndim = 3 if channels == 1 else 4
            if images.dtype != np.uint8 or images.ndim != want_ndim:
                raise DataFileError(path, f"{split}_images is {images.dtype}{images.shape}, expected uint8 with "
                                          f"{want_ndim} dimensions")
            labels = labels.astype(np.int64)
            if task == "multilabel":
                if labels.ndim != 2 or labels.shape[1] != num_classes:
                    raise DataFileError(path, f"{split}_labels has shape {labels.shape}, expected (N, {num_classes})")
            else:
                labels = labels.reshape(len(labels), -1)
                if labels.shape[1] != 1:
                    raise DataFileError(path, f"{split}_labels has shape {labels.shape}, expected (N, 1)")
                labels = labels[:, 0]
            if labels.size and (labels.min() < 0 or labels.max() >= (2 if task == "multilabel" else num_classes)):
                raise DataFileError(path, f"{split}_labels holds values outside 0..{num_classes - 1}")
            splits[split] = ArrayDataset(images, labels)
    return splits


def medmnist(flag: str, root: str | os.PathLike | None = None, download: bool = True, size: int = 28) -> DatasetSplits:
    """One 2D MedMNIST dataset (`flag` e.g. 'pneumoniamnist', 'bloodmnist', 'chestmnist') with official splits.

    Looks for `<flag>.npz` (or `<flag>_<size>.npz` for size 64/128/224) in `root`, then `root/medmnist/`.
    Only the 28×28 files have checksums recorded here, so the larger sizes must be put there by hand.
    """
    flag = flag.lower()
    if flag not in INFO:
        raise ValueError(f"medmnist: unknown flag {flag!r}; 2D datasets are {sorted(INFO)}")
    if size not in SIZES:
        raise ValueError(f"medmnist: size must be one of {SIZES}, got {size}")
    task, channels, md5, class_names = INFO[flag]
    filename = f"{flag}.npz" if size == 28 else f"{flag}_{size}.npz"
    url = f"{ZENODO}{filename}?download=1" if size == 28 else None
    spec = RemoteFile(filename, url, md5=md5 if size == 28 else None)
    path = fetch("medmnist", [spec], root=root, download=download)[filename]
    splits = read_medmnist_npz(path, task, len(class_names), channels)
    return DatasetSplits(name=flag, train=splits["train"], val=splits["val"], test=splits["test"],
                         class_names=list(class_names), task=task,
                         info={"file": str(path), "channels": channels, "size": size,
                               "source": "MedMNIST v2, https://medmnist.com (license per dataset, see medmnist INFO)"})
