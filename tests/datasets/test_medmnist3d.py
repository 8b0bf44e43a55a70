"""MedMNIST 3D: synthetic npz files in the MedMNIST layout, the INFO/MD5 tables, broken files, offline errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

import deepglass as dg
from deepglass.data import DataLoader
from deepglass.datasets import DataFileError
from deepglass.datasets.medmnist import INFO, ZENODO
from deepglass.datasets.medmnist3d import INFO3D, MD5_3D, SIZES3D, VolumeDataset

FLAGS = ("organmnist3d", "nodulemnist3d", "adrenalmnist3d", "fracturemnist3d", "vesselmnist3d", "synapsemnist3d")


def _fake_npz(path, n=(6, 2, 3), size=28, high=2, label_shape=None):
    rng = np.random.default_rng(0)
    arrays = {}
    for split, m in zip(("train", "val", "test"), n):
        arrays[f"{split}_images"] = rng.integers(0, 256, (m, size, size, size), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, high, label_shape or (m, 1), dtype=np.uint8)
    np.savez(path, **arrays)
    return arrays


def test_volumes_splits_and_class_names(tmp_path):
    arrays = _fake_npz(tmp_path / "fracturemnist3d.npz", high=3)
    s = dg.datasets.medmnist3d("FractureMNIST3D", root=tmp_path, download=False)
    assert s.name == "fracturemnist3d" and s.task == "multiclass" and s.num_classes == 3
    assert s.class_names == ["buckle rib fracture", "nondisplaced rib fracture", "displaced rib fracture"]
    assert (len(s.train), len(s.val), len(s.test)) == (6, 2, 3)
    for split in ("train", "val", "test"):
        ds = getattr(s, split)
        assert isinstance(ds, VolumeDataset)
        assert ds.x.shape[1:] == (28, 28, 28) and ds.x.dtype == np.uint8 and ds.y.dtype == np.int64
        np.testing.assert_array_equal(ds.x, arrays[f"{split}_images"])
        np.testing.assert_array_equal(ds.y, arrays[f"{split}_labels"][:, 0])
    assert s.info["size"] == 28 and s.info["channels"] == 1 and s.info["file"].endswith("fracturemnist3d.npz")


def test_as_float_adds_a_channel_axis_for_conv3d(tmp_path):
    arrays = _fake_npz(tmp_path / "nodulemnist3d.npz")
    s = dg.datasets.medmnist3d("nodulemnist3d", root=tmp_path, download=False)
    x = s.train.as_float()
    assert x.shape == (6, 1, 28, 28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, 0], arrays["train_images"] / np.float32(255), rtol=1e-6)
    assert s.train.as_float("NDHWC").shape == (6, 28, 28, 28, 1)
    assert s.train.as_float(scale=False).max() == arrays["train_images"].max()
    both = s.as_float()  # DatasetSplits' default layout 'NCHW' means channels first
    assert both["val"][0].shape == (2, 1, 28, 28, 28) and both["test"][1].shape == (3,)
    with pytest.raises(ValueError, match="NCDHW"):
        s.train.as_float("NHCW")
    out = dg.nn.Conv3d(1, 2, 3, padding=1)(dg.Tensor(x[:2]))
    assert out.shape == (2, 2, 28, 28, 28)


def test_dataloader_gives_uint8_volume_batches(tmp_path):
    _fake_npz(tmp_path / "vesselmnist3d.npz")
    s = dg.datasets.medmnist3d("vesselmnist3d", root=tmp_path, download=False)
    x, y = next(iter(DataLoader(s.train, batch_size=4)))
    assert x.shape == (4, 28, 28, 28) and x.dtype == np.uint8 and y.shape == (4,)
    xf = x.float().unsqueeze(1) / 255
    assert xf.shape == (4, 1, 28, 28, 28) and xf.dtype == np.float32


def test_size_64_uses_its_own_file(tmp_path):
    (tmp_path / "medmnist").mkdir()
    _fake_npz(tmp_path / "medmnist" / "adrenalmnist3d_64.npz", size=64)  # root/medmnist/ is searched too
    s = dg.datasets.medmnist3d("adrenalmnist3d", root=tmp_path, download=False, size=64)
    assert s.train.x.shape == (6, 64, 64, 64) and s.info["size"] == 64
    assert s.class_names == ["normal", "hyperplasia"]
    with pytest.raises(FileNotFoundError, match=r"adrenalmnist3d\.npz from https://zenodo\.org/records/10519652/"):
        dg.datasets.medmnist3d("adrenalmnist3d", root=tmp_path, download=False)  # the 28³ file is absent
    with pytest.raises(ValueError, match=r"size must be one of \(28, 64\)"):
        dg.datasets.medmnist3d("adrenalmnist3d", root=tmp_path, download=False, size=128)


def test_offline_error_names_file_and_zenodo_url(tmp_path):
    url = re.escape(f"{ZENODO}synapsemnist3d_64.npz?download=1")
    with pytest.raises(FileNotFoundError, match=rf"synapsemnist3d_64\.npz from {url}"):
        dg.datasets.medmnist3d("synapsemnist3d", root=tmp_path, download=False, size=64)


def test_wrong_volume_shape_dtype_and_2d_images_are_refused(tmp_path):
    _fake_npz(tmp_path / "organmnist3d.npz", size=32, high=11)
    with pytest.raises(DataFileError, match=r"organmnist3d\.npz: train_images has shape \(6, 32, 32, 32\), "
                                            r"expected \(N, 28, 28, 28\)"):
        dg.datasets.medmnist3d("organmnist3d", root=tmp_path, download=False)
    arrays = _fake_npz(tmp_path / "organmnist3d.npz", high=11)
    arrays["val_images"] = arrays["val_images"].astype(np.float32)
    np.savez(tmp_path / "organmnist3d.npz", **arrays)
    with pytest.raises(DataFileError, match=r"val_images is float32\(2, 28, 28, 28\), expected uint8 with 4 dim"):
        dg.datasets.medmnist3d("organmnist3d", root=tmp_path, download=False)
    arrays["val_images"] = arrays["val_images"][:, 0].astype(np.uint8)  # 2D slices, not volumes
    np.savez(tmp_path / "organmnist3d.npz", **arrays)
    with pytest.raises(DataFileError, match=r"val_images is uint8\(2, 28, 28\), expected uint8 with 4 dim"):
        dg.datasets.medmnist3d("organmnist3d", root=tmp_path, download=False)


def test_bad_labels_counts_and_missing_arrays_are_refused(tmp_path):
    path = tmp_path / "nodulemnist3d.npz"
    arrays = _fake_npz(path)
    arrays["test_labels"][0, 0] = 2  # binary task: 0..1
    np.savez(path, **arrays)
    with pytest.raises(DataFileError, match=r"test_labels holds values outside 0\.\.1"):
        dg.datasets.medmnist3d("nodulemnist3d", root=tmp_path, download=False)
    arrays["test_labels"][0, 0] = 1
    arrays["train_labels"] = np.zeros((6, 2), np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(DataFileError, match=r"train_labels has shape \(6, 2\), expected \(N, 1\)"):
        dg.datasets.medmnist3d("nodulemnist3d", root=tmp_path, download=False)
    arrays["train_labels"] = np.zeros((5, 1), np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(DataFileError, match=r"train: 6 images but 5 labels"):
        dg.datasets.medmnist3d("nodulemnist3d", root=tmp_path, download=False)
    arrays["train_labels"] = np.zeros((6, 1), np.uint8)
    del arrays["val_labels"]
    np.savez(path, **arrays)
    with pytest.raises(DataFileError, match=r"missing arrays \['val_labels'\]"):
        dg.datasets.medmnist3d("nodulemnist3d", root=tmp_path, download=False)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataFileError, match=r"nodulemnist3d\.npz: .*(corrupt|truncated)"):
        dg.datasets.medmnist3d("nodulemnist3d", root=tmp_path, download=False)


def test_info_table_has_an_md5_and_zenodo_url_for_every_flag_and_size(tmp_path):
    assert sorted(INFO3D) == sorted(FLAGS) == sorted(MD5_3D)
    assert ZENODO == "https://zenodo.org/records/10519652/files/"
    for flag in FLAGS:
        task, names = INFO3D[flag]
        assert task in ("binary", "multiclass") and len(names) >= 2 and (task != "binary" or len(names) == 2)
        assert sorted(MD5_3D[flag]) == list(SIZES3D)
        for size, md5 in MD5_3D[flag].items():
            assert re.fullmatch(r"[0-9a-f]{32}", md5), (flag, size, md5)
            name = f"{flag}.npz" if size == 28 else f"{flag}_{size}.npz"
            with pytest.raises(FileNotFoundError, match=re.escape(f"{name} from {ZENODO}{name}?download=1")):
                dg.datasets.medmnist3d(flag, root=tmp_path, download=False, size=size)
    all_md5 = [m for sizes in MD5_3D.values() for m in sizes.values()]
    assert len(set(all_md5)) == len(all_md5)
    assert len(INFO3D["organmnist3d"][1]) == 11 and INFO3D["organmnist3d"][1][0] == "liver"


def test_flags_are_routed_to_the_right_loader():
    with pytest.raises(ValueError, match=r"'vesselmnist3d' is a 3D dataset; load it with dg\.datasets\.medmnist3d"):
        dg.datasets.medmnist("vesselmnist3d", download=False)
    with pytest.raises(ValueError, match=r"unknown flag 'nosuchmnist'; 2D datasets are \['bloodmnist'"):
        dg.datasets.medmnist("nosuchmnist", download=False)
    with pytest.raises(ValueError, match=r"medmnist3d: unknown flag 'pneumoniamnist'; 3D datasets are"):
        dg.datasets.medmnist3d("pneumoniamnist", download=False)
    assert not set(INFO) & set(INFO3D)
