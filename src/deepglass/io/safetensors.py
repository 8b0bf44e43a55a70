"""The safetensors file format, written and read with NumPy only (no pickle, no extra dependency).

Layout (https://github.com/huggingface/safetensors):

    8 bytes   N, the header size, unsigned little-endian
    N bytes   JSON: {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [a, b]}}
              padded with spaces to a multiple of 8
    rest      the raw little-endian tensor bytes, one after another

Tensors are laid out like the `safetensors` library does (by dtype, widest first, then by name), so files
are byte-identical to its output and each library reads the other's files. A file that is truncated,
corrupted or not safetensors at all is refused with a `SafetensorsError` naming it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .atomic import atomic_write

# the safetensors dtype names, in the order of the library's Dtype enum (used to lay tensors out)
_DTYPES = {
    "BOOL": np.dtype("bool"),
    "U8": np.dtype("uint8"),
    "I8": np.dtype("int8"),
    "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"),
    "F16": np.dtype("<f2"),
    "I32": np.dtype("<i4"),
    "U32": np.dtype("<u4"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "U64": np.dtype("<u8"),
}
_RANK = {name: i for i, name in enumerate(_DTYPES)}
_NAME_OF = {dtype.newbyteorder("<") if dtype.itemsize > 1 else dtype: name for name, dtype in _DTYPES.items()}
_MAX_HEADER = 100 * 1024 * 1024  # the library's limit too


class SafetensorsError(ValueError):
    """A file that is not a valid safetensors file (truncated, corrupted or foreign)."""


def _as_numpy(value) -> np.ndarray:
    """A Tensor, CuPy or NumPy array as a little-endian, C-contiguous NumPy array."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    elif type(value).__module__.startswith("cupy"):
        value = value.get()
    array = np.asarray(value)
    if not array.flags.c_contiguous:
        array = array.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return array


def _dtype_name(name: str, array: np.ndarray) -> str:
    key = array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
    if key not in _NAME_OF:
        raise TypeError(f"safetensors: tensor {name!r} has dtype {array.dtype}, which the format cannot store")
    return _NAME_OF[key]


def serialize(tensors: dict, metadata: dict[str, str] | None = None) -> list[bytes | memoryview]:
    """The file as a list of byte chunks (header first), without joining the tensor buffers."""
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"safetensors: invalid tensor name {name!r}")
        arrays[name] = _as_numpy(value)
    names = {name: _dtype_name(name, a) for name, a in arrays.items()}
    order = sorted(arrays, key=lambda n: (-_RANK[names[n]], n))
    header: dict = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(f"safetensors: metadata must map str to str, got {k!r}: {type(v).__name__}")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name in order:
        a = arrays[name]
        header[name] = {"dtype": names[name], "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return [len(text).to_bytes(8, "little"), text] + [memoryview(arrays[n].reshape(-1).view(np.uint8)) for n in order]


def save(tensors: dict, metadata: dict[str, str] | None = None) -> bytes:
    """The safetensors bytes of `tensors` ({name: array or Tensor}) and `metadata` ({str: str})."""
    return b"".join(bytes(chunk) for chunk in serialize(tensors, metadata))


def save_file(tensors: dict, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> Path:
    """Write `tensors` and `metadata` to `path` as safetensors, atomically (temp file + os.replace)."""
    return atomic_write(path, serialize(tensors, metadata))


def load(data: bytes, source: str = "<bytes>") -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Parse safetensors bytes → ({name: NumPy array}, metadata). `source` names the file in errors."""

    def fail(why: str) -> SafetensorsError:
        return SafetensorsError(f"{source} is not a valid safetensors file: {why}")

    if len(data) < 8:
        raise fail(f"it has {len(data)} bytes, fewer than the 8-byte header size")
    n = int.from_bytes(data[:8], "little")
    if n > _MAX_HEADER or n > len(data) - 8:
        raise fail(f"the header claims {n} bytes but the file has {len(data) - 8} after the size (truncated?)")
    try:
        header = json.loads(bytes(data[8 : 8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise fail(f"the header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise fail("the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise fail("__metadata__ must map strings to strings")
    buffer = memoryview(data)[8 + n :]
    entries = []
    for name, info in header.items():
        try:
            dtype, shape, (begin, end) = _DTYPES[info["dtype"]], [int(s) for s in info["shape"]], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise fail(f"entry {name!r} is malformed: {info!r}") from None
        if any(s < 0 for s in shape) or int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != end - begin:
            raise fail(f"tensor {name!r}: shape {shape} of {info['dtype']} does not match offsets [{begin}, {end}]")
        entries.append((begin, end, name, dtype, shape))
    entries.sort()
    expected = 0
    for begin, end, name, _, _ in entries:
        if begin != expected:
            raise fail(f"tensor {name!r} starts at byte {begin}, expected {expected} (overlapping or gaps)")
        expected = end
    if expected != len(buffer):
        raise fail(
            f"the header describes {expected} bytes of tensor data but the file holds {len(buffer)} (truncated?)"
        )
    tensors = {}
    for begin, end, name, dtype, shape in entries:
        tensors[name] = np.frombuffer(buffer[begin:end], dtype=dtype).reshape(tuple(shape))
    return {name: tensors[name] for name in header}, dict(metadata)


def load_file(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors file → ({name: NumPy array}, metadata). Clear error for a bad file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    data = bytearray(path.stat().st_size)
    with open(path, "rb") as f:
        f.readinto(data)  # a bytearray, so the arrays returned are writable
    return load(data, source=str(path))


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """Only the `__metadata__` string map of a safetensors file (reads just the header)."""
    path = Path(path)
    with open(path, "rb") as f:
        size = f.read(8)
        if len(size) < 8:
            raise SafetensorsError(f"{path} is not a valid safetensors file: shorter than 8 bytes")
        n = int.from_bytes(size, "little")
        if n > _MAX_HEADER:
            raise SafetensorsError(f"{path} is not a valid safetensors file: header size {n} is implausible")
        text = f.read(n)
    try:
        header = json.loads(text.decode("utf-8"))
        return dict(header.get("__metadata__") or {})
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        raise SafetensorsError(f"{path} is not a valid safetensors file: the header is not JSON") from None
