"""Array backends: NumPy for 'cpu', CuPy for 'cuda'.

This is the only module that imports CuPy, and only when a CUDA device is asked for.
Ops never pick a backend themselves: they call `get_array_module(array)` (Chainer's idea)
and write `xp.exp(...)`, so one code path serves both devices.
"""

from __future__ import annotations

import numpy as np

_cupy = None


def cupy():
    """Import CuPy on first use; a clear error when it is not installed."""
    global _cupy
    if _cupy is None:
        try:
            import cupy as cp
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "device 'cuda' needs CuPy: pip install 'deepglass[gpu]' (cupy-cuda12x) on a machine with an "
                "NVIDIA GPU"
            ) from e
        _cupy = cp
    return _cupy


def get_array_module(array) -> object:
    """The array module (numpy or cupy) that owns `array`."""
    if isinstance(array, (np.ndarray, np.generic)) or _cupy is None:
        return np
    return _cupy.get_array_module(array)


def normalize_device(device) -> str:
    """'cpu', 'cuda', 'cuda:0', a Tensor's device or None → 'cpu' or 'cuda'."""
    if device is None:
        return "cpu"
    name = str(device)
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name.startswith("cuda:") or name == "gpu":
        return "cuda"
    raise ValueError(f"unknown device {device!r}: expected 'cpu' or 'cuda'")


def device_of(array) -> str:
    """'cpu' for NumPy arrays, 'cuda' for CuPy arrays."""
    return "cpu" if get_array_module(array) is np else "cuda"


def array_module_for(device) -> object:
    """The array module that allocates on `device`."""
    return np if normalize_device(device) == "cpu" else cupy()


def to_device(array, device):
    """Copy `array` to `device` (no copy when it is already there)."""
    device = normalize_device(device)
    if device_of(array) == device:
        return array
    if device == "cpu":
        return array.get()
    return cupy().asarray(array)


def is_available(device: str = "cuda") -> bool:
    """True when `device` can be used (CuPy installed and a GPU visible, for 'cuda')."""
    if normalize_device(device) == "cpu":
        return True
    try:
        return cupy().cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False
