"""MNIST / Fashion-MNIST: the real files, and broken copies that must be refused with the file named."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

import deepglass as dg
from deepglass.datasets import DataFileError, read_idx

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_real_files(shared_data):
    s = dg.datasets.mnist(root=shared_data / "mnist", download=False)
    assert s.name == "mnist" and s.task == "multiclass" and s.val is None
    assert s.class_names == [str(d) for d in range(10)]
    assert s.train.x.shape == (60000, 28, 28) and s.train.x.dtype == np.uint8
    assert s.test.x.shape == (10000, 28, 28)
    assert s.train.y.dtype == np.int64 and s.train.y.shape == (60000,)
    assert np.bincount(s.train.y).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(s.test.y).tolist() == MNIST_TEST_COUNTS
    assert s.train.images is s.train.x and s.train.labels is s.train.y
    assert 0 < s.train.x.mean() < 255 and s.train.x.max() == 255
    x0, y0 = s.train[0]
    assert x0.shape == (28, 28) and y0 == 5  # the famous first digit


def test_mnist_found_from_parent_folder(shared_data):
    # root/<name>/ is searched too: the shared layout is data/mnist/*.gz
    s = dg.datasets.mnist(root=shared_data, download=False)
    assert len(s.train) == 60000


def test_as_float_layouts(shared_data):
    s = dg.datasets.mnist(root=shared_data / "mnist", download=False)
    sub = dg.data.ArrayDataset(s.test.x[:5], s.test.y[:5])
    nchw, nhwc = sub.as_float(), sub.as_float(layout="NHWC")
    assert nchw.shape == (5, 1, 28, 28) and nhwc.shape == (5, 28, 28, 1) and nchw.dtype == np.float32
    assert nchw.max() == 1.0 and nchw.min() == 0.0
    np.testing.assert_array_equal(nchw[:, 0], s.test.x[:5] / np.float32(255))
    assert sub.as_float(scale=False).max() == 255.0


def _write_idx(path, array, magic_dims=None, gz=False):
    dims = array.ndim if magic_dims is None else magic_dims
    header = bytes([0, 0, 8, dims]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)


def _fake_mnist(folder, n_train=6, n_test=4, gz=True):
    rng = np.random.default_rng(0)
    ext = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        _write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", rng.integers(0, 256, (n, 28, 28)), gz=gz)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", rng.integers(0, 10, n), gz=gz)


@pytest.mark.parametrize("gz", [True, False])
def test_reads_gz_and_raw_idx(tmp_path, gz):
    _fake_mnist(tmp_path, gz=gz)
    s = dg.datasets.mnist(root=tmp_path, download=False)
    assert s.train.x.shape == (6, 28, 28) and s.test.y.shape == (4,)


def test_wrong_magic_is_refused(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x12\x34\x08\x03" + b"\x00" * 100)
    with pytest.raises(DataFileError, match=r"bad\.idx.*magic"):
        read_idx(path)


def test_wrong_dimensions_in_magic_is_refused(tmp_path):
    _fake_mnist(tmp_path)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros((6, 1)), gz=True)  # 2-D labels
    with pytest.raises(DataFileError, match=r"train-labels-idx1-ubyte\.gz.*2 dimensions, expected 1"):
        dg.datasets.mnist(root=tmp_path, download=False)


def test_truncated_data_is_refused(shared_data, tmp_path):
    raw = gzip.decompress((shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(raw[:-10])
    with pytest.raises(DataFileError, match=r"t10k-labels-idx1-ubyte: truncated.*\(10000,\)"):
        read_idx(path)


def test_truncated_gzip_is_refused(shared_data, tmp_path):
    src = (shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(src[: len(src) // 2])
    with pytest.raises(DataFileError, match=r"t10k-labels-idx1-ubyte\.gz: corrupt or truncated gzip"):
        read_idx(path)


def test_mismatched_counts_are_refused(tmp_path):
    _fake_mnist(tmp_path)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(5), gz=True)
    with pytest.raises(DataFileError, match=r"train-images-idx3-ubyte\.gz: holds 6 images but .* 5 labels"):
        dg.datasets.mnist(root=tmp_path, download=False)


def test_offline_error_names_files_folders_and_urls(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        dg.datasets.fashion_mnist(root=tmp_path, download=False)
    msg = str(info.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(tmp_path / "fashion_mnist") in msg
    assert "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz" in msg


def test_env_variable_sets_the_root(tmp_path, monkeypatch):
    (tmp_path / "mnist").mkdir()
    _fake_mnist(tmp_path / "mnist")
    monkeypatch.setenv("DEEPGLASS_DATA", str(tmp_path))
    assert len(dg.datasets.mnist(download=False).train) == 6
    shutil.rmtree(tmp_path / "mnist")
    with pytest.raises(FileNotFoundError, match="mnist"):
        dg.datasets.mnist(download=False)


def test_fashion_mnist_never_takes_mnist_files_from_the_shared_root(tmp_path):
    """Both datasets use the same file names: MNIST files in `root` must not load as Fashion-MNIST."""
    _fake_mnist(tmp_path)
    assert len(dg.datasets.mnist(root=tmp_path, download=False).train) == 6
    with pytest.raises(FileNotFoundError, match="fashion_mnist"):
        dg.datasets.fashion_mnist(root=tmp_path, download=False)
    (tmp_path / "fashion_mnist").mkdir()
    _fake_mnist(tmp_path / "fashion_mnist", n_train=5)
    assert len(dg.datasets.fashion_mnist(root=tmp_path, download=False).train) == 5
