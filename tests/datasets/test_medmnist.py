"""MedMNIST: the real PneumoniaMNIST file, the INFO table, and broken npz files."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.datasets import DataFileError
from deepglass.datasets.medmnist import INFO, MD5


def test_pneumoniamnist_real_file(shared_data):
    s = dg.datasets.medmnist("pneumoniamnist", root=shared_data / "medmnist", download=False)
    assert (len(s.train), len(s.val), len(s.test)) == (3882, 524, 624)
    assert s.train.x.shape == (3882, 28, 28) and s.train.x.dtype == np.uint8
    assert s.train.y.shape == (3882,) and s.train.y.dtype == np.int64
    assert s.task == "binary" and s.class_names == ["normal", "pneumonia"] and s.name == "pneumoniamnist"
    assert set(np.unique(s.test.y).tolist()) == {0, 1}
    assert s.val.as_float().shape == (524, 1, 28, 28)
    assert dg.datasets.medmnist("PneumoniaMNIST", root=shared_data, download=False).test.x.shape == (624, 28, 28)


def _fake_npz(path, n=(5, 2, 3), shape=(28, 28), k=1, high=2):
    rng = np.random.default_rng(0)
    arrays = {}
    for split, m in zip(("train", "val", "test"), n):
        arrays[f"{split}_images"] = rng.integers(0, 256, (m, *shape), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, high, (m, k), dtype=np.uint8)
    np.savez(path, **arrays)
    return arrays


def test_multilabel_and_rgb_layouts(tmp_path):
    arrays = _fake_npz(tmp_path / "chestmnist.npz", k=14)
    s = dg.datasets.medmnist("chestmnist", root=tmp_path, download=False)
    assert s.task == "multilabel" and s.train.y.shape == (5, 14) and len(s.class_names) == 14
    np.testing.assert_array_equal(s.train.y, arrays["train_labels"])
    _fake_npz(tmp_path / "bloodmnist.npz", shape=(28, 28, 3), high=8)
    b = dg.datasets.medmnist("bloodmnist", root=tmp_path, download=False)
    assert b.train.x.shape == (5, 28, 28, 3) and b.train.as_float().shape == (5, 3, 28, 28)
    assert b.task == "multiclass" and len(b.class_names) == 8


def test_info_table_covers_the_2d_datasets():
    for flag in ("pneumoniamnist", "breastmnist", "bloodmnist", "pathmnist", "dermamnist", "octmnist", "chestmnist",
                 "organamnist", "organcmnist", "organsmnist", "retinamnist", "tissuemnist"):
        task, channels, names = INFO[flag]
        assert channels in (1, 3) and names and sorted(MD5[flag]) == [28, 64, 128, 224]
        assert all(len(m) == 32 for m in MD5[flag].values())
    assert INFO["retinamnist"][0] == "ordinal"
    with pytest.raises(ValueError, match="unknown flag 'nosuchmnist'"):
        dg.datasets.medmnist("nosuchmnist", download=False)


def test_truncated_npz_is_refused(shared_data, tmp_path):
    data = (shared_data / "medmnist" / "pneumoniamnist.npz").read_bytes()
    (tmp_path / "pneumoniamnist.npz").write_bytes(data[: len(data) // 3])
    with pytest.raises(DataFileError, match=r"pneumoniamnist\.npz: .*(corrupt|truncated)"):
        dg.datasets.medmnist("pneumoniamnist", root=tmp_path, download=False)


def test_mismatched_counts_and_missing_arrays_are_refused(tmp_path):
    arrays = _fake_npz(tmp_path / "breastmnist.npz")
    good_val = arrays["val_labels"]
    arrays["val_labels"] = good_val[:1]
    np.savez(tmp_path / "breastmnist.npz", **arrays)
    with pytest.raises(DataFileError, match=r"breastmnist\.npz: val: 2 images but 1 labels"):
        dg.datasets.medmnist("breastmnist", root=tmp_path, download=False)
    arrays["val_labels"] = good_val
    del arrays["test_images"]
    np.savez(tmp_path / "breastmnist.npz", **arrays)
    with pytest.raises(DataFileError, match=r"missing arrays \['test_images'\]"):
        dg.datasets.medmnist("breastmnist", root=tmp_path, download=False)


def test_offline_error_names_zenodo_url(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"dermamnist\.npz from https://zenodo\.org/records/10519652"):
        dg.datasets.medmnist("dermamnist", root=tmp_path, download=False)


def test_larger_sizes_use_their_own_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"bloodmnist_64\.npz from https://zenodo\.org/.*bloodmnist_64\.npz"):
        dg.datasets.medmnist("bloodmnist", root=tmp_path, download=False, size=64)
    _fake_npz(tmp_path / "breastmnist_128.npz", shape=(128, 128))
    assert dg.datasets.medmnist("breastmnist", root=tmp_path, download=False, size=128).train.x.shape == (5, 128, 128)
