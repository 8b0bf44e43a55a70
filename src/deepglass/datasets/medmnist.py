"""MedMNIST v2 (Yang et al., Sci Data 2023): 2D medical image datasets in one npz layout, official splits.

An npz holds `train_images`, `train_labels`, `val_images`, `val_labels`, `test_images`, `test_labels`;
images are uint8 (N, 28, 28) or (N, 28, 28, 3), labels (N, 1) — or (N, 14) for the multi-label
ChestMNIST. Labels come back int64 (N,) ((N, K) for multi-label). Class names, task and the md5 of each
file (28, 64, 128 and 224 pixels) come from the MedMNIST `INFO` table (v3); downloads use the Zenodo
record 10519652 (MedMNIST+). The six 3D datasets are in `medmnist3d.py`.
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
# flag: (task, channels, class names) — from medmnist.info.INFO.
INFO: dict[str, tuple[str, int, list[str]]] = {
    "pathmnist": ("multiclass", 3, [
        "adipose", "background", "debris", "lymphocytes", "mucus", "smooth muscle", "normal colon mucosa",
        "cancer-associated stroma", "colorectal adenocarcinoma epithelium"]),
    "chestmnist": ("multilabel", 1, [
        "atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule", "pneumonia", "pneumothorax",
        "consolidation", "edema", "emphysema", "fibrosis", "pleural", "hernia"]),
    "dermamnist": ("multiclass", 3, [
        "actinic keratoses and intraepithelial carcinoma", "basal cell carcinoma", "benign keratosis-like lesions",
        "dermatofibroma", "melanoma", "melanocytic nevi", "vascular lesions"]),
    "octmnist": ("multiclass", 1, ["choroidal neovascularization", "diabetic macular edema", "drusen", "normal"]),
    "pneumoniamnist": ("binary", 1, ["normal", "pneumonia"]),
    "retinamnist": ("ordinal", 3, ["0", "1", "2", "3", "4"]),
    "breastmnist": ("binary", 1, ["malignant", "normal, benign"]),
    "bloodmnist": ("multiclass", 3, [
        "basophil", "eosinophil", "erythroblast", "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)",
        "lymphocyte", "monocyte", "neutrophil", "platelet"]),
    "tissuemnist": ("multiclass", 1, _TISSUE),
    "organamnist": ("multiclass", 1, _ORGANS),
    "organcmnist": ("multiclass", 1, _ORGANS),
    "organsmnist": ("multiclass", 1, _ORGANS),
}
SIZES = (28, 64, 128, 224)
# md5 of <flag>.npz, <flag>_64.npz, <flag>_128.npz, <flag>_224.npz in Zenodo record 10519652 (MedMNIST+,
# medmnist v3 INFO; the Organ{A,C,S} files differ from the v2 record 6496656).
MD5: dict[str, dict[int, str]] = {
    "pathmnist": {28: "a8b06965200029087d5bd730944a56c1", 64: "55aa9c1e0525abe5a6b9d8343a507616",
                128: "ac42d08fb904d92c244187169d1fd1d9", 224: "2c51a510bcdc9cf8ddb2af93af1eadec"},
    "chestmnist": {28: "02c8a6516a18b556561a56cbdd36c4a8", 64: "9de6cd0b934ebb5b7426cfba5efbae16",
                 128: "db107e5590b27930b62dbaf558aebee3", 224: "45bd33e6f06c3e8cdb481c74a89152aa"},
    "dermamnist": {28: "0744692d530f8e62ec473284d019b0c7", 64: "b70a2f5635c6199aeaa28c31d7202e1f",
                 128: "2defd784463fa5243564e855ed717de1", 224: "8974907d8e169bef5f5b96bc506ae45d"},
    "octmnist": {28: "c68d92d5b585d8d81f7112f81e2d0842", 64: "e229e9440236b774d9f0dfef9d07bdaf",
               128: "0a97e76651ace45c5d943ee3f65b63ae", 224: "abc493b6d529d5de7569faaef2773ba3"},
    "pneumoniamnist": {28: "28209eda62fecd6e6a2d98b1501bb15f", 64: "8f4eceb4ccffa70c672198ea285246c6",
                     128: "05b46931834c231683c68f40c47b2971", 224: "d6a3c71de1b945ea11211b03746c1fe1"},
    "retinamnist": {28: "bd4c0672f1bba3e3a89f0e4e876791e4", 64: "afda852cc34dcda56f86ad2b2457dbcc",
                  128: "e48e916a24454daf90583d4e6efb1a18", 224: "eae7e3b6f3fcbda4ae613ebdcbe35348"},
    "breastmnist": {28: "750601b1f35ba3300ea97c75c52ff8f6", 64: "742edef2a1fd1524b2efff4bd7ba9364",
                  128: "363e4b3f8d712e9b5de15470a2aaadf1", 224: "b56378a6eefa9fed602bb16d192d4c8b"},
    "bloodmnist": {28: "7053d0359d879ad8a5505303e11de1dc", 64: "2b94928a2ae4916078ca51e05b6b800b",
                 128: "adace1e0ed228fccda1f39692059dd4c", 224: "b718ff6835fcbdb22ba9eacccd7b2601"},
    "tissuemnist": {28: "ebe78ee8b05294063de985d821c1c34b", 64: "123ece2eba09d0aa5d698fda57103344",
                  128: "61b955355d7425a89687b06cca3ce0c2", 224: "b077128c4a949f0a4eb01517f9037b9c"},
    "organamnist": {28: "68e3f8846a6bd62f0c9bf841c0d9eacc", 64: "2dcccc29b88e6da5a01161ef20cda288",
                  128: "eeae80d0a227a8d099027e1b3cfd3b60", 224: "50747347e05c87dd3aaf92c49f9f3170"},
    "organcmnist": {28: "b9ceb9546e10131b32923c5bbeaea2b1", 64: "3ce34a8724ea6f548e6db4744d03b6a9",
                  128: "773c1f009daa3fe5d9a2a201b2a7ed94", 224: "050f5e875dc056f6768abf94ec9995d1"},
    "organsmnist": {28: "9ab87b696fb54e2a387ebe992d6ed5f1", 64: "53a6d115339d874c25e309a994ff46d3",
                  128: "ded0c5fa01a95dc4978b956f613e9b8e", 224: "b354719e553fbbb2513d5533f52a4cb1"},
}


def read_medmnist_npz(path: str | os.PathLike, task: str, num_classes: int, channels: int,
                      volume: bool = False) -> dict:
    """The three splits of one MedMNIST npz as {split: ArrayDataset}, validated (keys, counts, shapes, labels).

    Images are (N, H, W) for one channel, (N, H, W, C) for more; `volume=True` (the 3D datasets) wants (N, D, H, W).
    """
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
            want_ndim = 4 if volume or channels != 1 else 3
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

    Looks for `<flag>.npz` (or `<flag>_<size>.npz` for size 64/128/224) in `root`, then `root/medmnist/`;
    downloads from Zenodo, md5-checked, when missing. The 3D volumes (organmnist3d, ...) load with `medmnist3d`.
    """
    flag = flag.lower()
    if flag not in INFO:
        from .medmnist3d import INFO3D  # here, not at the top: medmnist3d imports this module
        if flag in INFO3D:
            raise ValueError(f"medmnist: {flag!r} is a 3D dataset; load it with dg.datasets.medmnist3d({flag!r})")
        raise ValueError(f"medmnist: unknown flag {flag!r}; 2D datasets are {sorted(INFO)} "
                         f"(3D ones, via medmnist3d: {sorted(INFO3D)})")
    if size not in SIZES:
        raise ValueError(f"medmnist: size must be one of {SIZES}, got {size}")
    task, channels, class_names = INFO[flag]
    filename = f"{flag}.npz" if size == 28 else f"{flag}_{size}.npz"
    spec = RemoteFile(filename, f"{ZENODO}{filename}?download=1", md5=MD5[flag][size])
    path = fetch("medmnist", [spec], root=root, download=download)[filename]
    splits = read_medmnist_npz(path, task, len(class_names), channels)
    return DatasetSplits(name=flag, train=splits["train"], val=splits["val"], test=splits["test"],
                         class_names=list(class_names), task=task,
                         info={"file": str(path), "channels": channels, "size": size,
                               "source": "MedMNIST v2, https://medmnist.com (license per dataset, see medmnist INFO)"})
