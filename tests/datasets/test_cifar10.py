"""CIFAR-10 binary: record layout, the tarball path, and broken files (synthetic files; the real set is 160 MB)."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest

import deepglass as dg
from deepglass.datasets import DataFileError
from deepglass.datasets.cifar10 import FOLDER, TEST_FILES, TRAIN_FILES


def _records(n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    chw = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    raw = np.concatenate([labels[:, None], chw.reshape(n, -1)], axis=1).tobytes()
    return raw, labels, chw


def _write_folder(folder, n=3):
    folder.mkdir(parents=True)
    expected = {}
    for k, name in enumerate(TRAIN_FILES + TEST_FILES):
        raw, labels, chw = _records(n, k)
        (folder / name).write_bytes(raw)
        expected[name] = (labels, chw)
    return expected


def test_binary_layout_is_decoded_to_nhwc(tmp_path):
    expected = _write_folder(tmp_path / FOLDER)
    s = dg.datasets.cifar10(root=tmp_path, download=False)
    assert s.train.x.shape == (15, 32, 32, 3) and s.test.x.shape == (3, 32, 32, 3)
    labels, chw = expected["data_batch_1.bin"]
    np.testing.assert_array_equal(s.train.y[:3], labels)
    np.testing.assert_array_equal(s.train.x[1, 5, 7], chw[1, :, 5, 7])  # pixel (5, 7) of image 1, RGB
    assert s.class_names[3] == "cat" and s.train.as_float().shape == (15, 3, 32, 32)


def test_tarball_is_extracted(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for k, name in enumerate(TRAIN_FILES + TEST_FILES):
            raw = _records(2, k)[0]
            info = tarfile.TarInfo(f"{FOLDER}/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(buf.getvalue())
    s = dg.datasets.cifar10(root=tmp_path, download=False)
    assert len(s.train) == 10 and (tmp_path / FOLDER / "test_batch.bin").is_file()


def test_truncated_and_corrupt_bins_are_refused(tmp_path):
    _write_folder(tmp_path / FOLDER)
    path = tmp_path / FOLDER / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataFileError, match=r"data_batch_3\.bin: size .* not a whole number"):
        dg.datasets.cifar10(root=tmp_path, download=False)
    raw = bytearray(_records(1, 0)[0])
    raw[0] = 200
    path.write_bytes(bytes(raw))
    with pytest.raises(DataFileError, match=r"data_batch_3\.bin: label byte 200"):
        dg.datasets.cifar10(root=tmp_path, download=False)


def test_offline_error_names_the_archive(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cifar-10-binary\.tar\.gz from https://www\.cs\.toronto\.edu"):
        dg.datasets.cifar10(root=tmp_path, download=False)
