"""The NumPy-only safetensors reader/writer: round trips, byte-compatibility with the library, bad files."""

from __future__ import annotations

import numpy as np
import pytest

import deepglass as dg
from deepglass.io import SafetensorsError, load, load_file, read_metadata, save, save_file

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _sample():
    rng = np.random.default_rng(0)
    out = {f"t_{d}": (rng.standard_normal((3, 2)) * 10).astype(d) for d in DTYPES}
    out["scalar"] = np.array(2.5, dtype=np.float32)
    out["empty"] = np.zeros((0, 4), dtype=np.float32)
    return out


def test_round_trip_all_dtypes(tmp_path):
    tensors = _sample()
    path = save_file(tensors, tmp_path / "a.safetensors", metadata={"k": "v", "json": '{"a": [1]}'})
    loaded, metadata = load_file(path)
    assert set(loaded) == set(tensors)
    for name, array in tensors.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape
        np.testing.assert_array_equal(loaded[name], array)
    assert metadata == {"k": "v", "json": '{"a": [1]}'}
    assert read_metadata(path) == metadata
    loaded["t_float32"][0, 0] = 1.0  # arrays read from a file are writable


def test_accepts_tensors_and_big_endian():
    data = save({"w": dg.tensor([[1.0, 2.0]]), "b": np.array([1.0, 2.0], dtype=">f8")})
    loaded, _ = load(data)
    np.testing.assert_array_equal(loaded["w"], [[1.0, 2.0]])
    assert loaded["b"].dtype == np.dtype("<f8")


def test_byte_identical_to_safetensors_library():
    st = pytest.importorskip("safetensors.numpy")
    tensors = _sample()
    assert save(tensors) == st.save(tensors)
    assert save(tensors, {"format": "np"}) == st.save(tensors, metadata={"format": "np"})


def test_library_reads_ours_and_we_read_theirs(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    from safetensors import safe_open

    tensors = _sample()
    save_file(tensors, tmp_path / "ours.safetensors", metadata={"a": "1", "b": "2"})
    theirs = st.load_file(str(tmp_path / "ours.safetensors"))
    for name in tensors:
        np.testing.assert_array_equal(theirs[name], tensors[name])
    with safe_open(str(tmp_path / "ours.safetensors"), framework="np") as f:
        assert f.metadata() == {"a": "1", "b": "2"}
    st.save_file(tensors, str(tmp_path / "theirs.safetensors"), metadata={"x": "y"})
    ours, metadata = load_file(tmp_path / "theirs.safetensors")
    assert metadata == {"x": "y"}
    for name in tensors:
        np.testing.assert_array_equal(ours[name], tensors[name])


def test_truncated_file_is_refused_naming_it(tmp_path):
    path = save_file({"w": np.ones((100,), np.float32)}, tmp_path / "w.safetensors")
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    with pytest.raises(SafetensorsError, match=r"w\.safetensors.*truncated"):
        load_file(path)
    path.write_bytes(data[:20])
    with pytest.raises(SafetensorsError, match=r"w\.safetensors"):
        load_file(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"abc", b"PK\x03\x04 this is a zip file" * 3, (12).to_bytes(8, "little") + b"not json!!!!"],
)
def test_foreign_files_are_refused(tmp_path, content):
    path = tmp_path / "foreign.bin"
    path.write_bytes(content)
    with pytest.raises(SafetensorsError, match="foreign.bin is not a valid safetensors file"):
        load_file(path)


def test_inconsistent_offsets_are_refused():
    good = bytearray(save({"w": np.ones(4, np.float32)}))
    bad = bytes(good).replace(b'"shape":[4]', b'"shape":[5]')
    with pytest.raises(SafetensorsError, match="does not match offsets"):
        load(bad)


def test_unsupported_dtype_names_the_tensor():
    with pytest.raises(TypeError, match="'z'.*complex"):
        save({"z": np.ones(2, np.complex64)})
