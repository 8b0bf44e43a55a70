"""Atomic writes: a failure mid-write leaves the previous file intact and no temp files behind."""

from __future__ import annotations

import numpy as np
import pytest

from deepglass.io import atomic_write, load_file, save_file


def test_writes_and_replaces(tmp_path):
    path = tmp_path / "sub" / "f.bin"
    atomic_write(path, b"one")
    atomic_write(path, [b"tw", b"o"])
    assert path.read_bytes() == b"two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["f.bin"]


def test_crash_mid_write_keeps_previous_file(tmp_path):
    path = save_file({"w": np.arange(5, dtype=np.float32)}, tmp_path / "ckpt.safetensors")

    def chunks():
        yield b"\x00" * 8
        raise KeyboardInterrupt("killed mid-save")

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, chunks())
    tensors, _ = load_file(path)
    np.testing.assert_array_equal(tensors["w"], np.arange(5))
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]


def test_new_files_get_ordinary_permissions_and_existing_ones_keep_theirs(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "new.bin", b"x")
        assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
        path.chmod(0o640)
        atomic_write(path, b"y")
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
