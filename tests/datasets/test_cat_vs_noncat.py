"""Cat vs non-cat: the course's HDF5 files (needs h5py)."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.datasets import DataFileError

h5py = pytest.importorskip("h5py", reason="cat_vs_noncat needs h5py (pip install 'deepglass[hdf5]')")


def test_real_files(shared_data):
    s = dg.datasets.cat_vs_noncat(root=shared_data / "catvnoncat", download=False)
    assert s.train.x.shape == (209, 64, 64, 3) and s.test.x.shape == (50, 64, 64, 3)
    assert s.train.x.dtype == np.uint8 and s.train.y.dtype == np.int64
    assert s.class_names == ["non-cat", "cat"] and s.task == "binary" and s.val is None
    assert np.bincount(s.train.y).tolist() == [137, 72]
    assert s.train.as_float().shape == (209, 3, 64, 64)
    assert len(dg.datasets.cat_vs_noncat(root=shared_data, download=False).test) == 50


def test_truncated_h5_is_refused(shared_data, tmp_path):
    for name in ("train_catvnoncat.h5", "test_catvnoncat.h5"):
        (tmp_path / name).write_bytes((shared_data / "catvnoncat" / name).read_bytes())
    data = (tmp_path / "test_catvnoncat.h5").read_bytes()
    (tmp_path / "test_catvnoncat.h5").write_bytes(data[:1000])
    with pytest.raises(DataFileError, match=r"test_catvnoncat\.h5: not a readable HDF5"):
        dg.datasets.cat_vs_noncat(root=tmp_path, download=False)


def test_mismatched_counts_are_refused(tmp_path):
    with h5py.File(tmp_path / "train_catvnoncat.h5", "w") as f:
        f["train_set_x"] = np.zeros((4, 64, 64, 3), np.uint8)
        f["train_set_y"] = np.zeros(3, np.int64)
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    with h5py.File(tmp_path / "test_catvnoncat.h5", "w") as f:
        f["test_set_x"] = np.zeros((2, 64, 64, 3), np.uint8)
        f["test_set_y"] = np.zeros(2, np.int64)
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    with pytest.raises(DataFileError, match=r"train_catvnoncat\.h5: 4 images but 3 labels"):
        dg.datasets.cat_vs_noncat(root=tmp_path, download=False)


def test_offline_error_says_where_to_put_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train_catvnoncat\.h5.*copy it by hand"):
        dg.datasets.cat_vs_noncat(root=tmp_path)
