"""One seeded random generator behind every random number deepglass draws.

`manual_seed(s)` resets it, so initialization, dropout, shuffling and augmentation repeat bit for bit.
"""

from __future__ import annotations

import numpy as np

from . import backend

_generator = np.random.default_rng()
_seed: int | None = None


def manual_seed(seed: int) -> np.random.Generator:
    """Seed deepglass's generator (and CuPy's, when it is loaded); returns the generator."""
    global _generator, _seed
    _seed = int(seed)
    _generator = np.random.default_rng(_seed)
    if backend._cupy is not None and backend.is_available("cuda"):  # CuPy may be loaded on a machine with no GPU
        backend._cupy.random.seed(_seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The generator used when no other is passed (NumPy's PCG64)."""
    return _generator


def initial_seed() -> int | None:
    """The seed last given to `manual_seed`, or None when the generator was never seeded."""
    return _seed


def get_rng_state() -> dict:
    """The generator's state, to save in a checkpoint."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore the generator's state from `get_rng_state()` (e.g. when resuming a checkpoint)."""
    _generator.bit_generator.state = state


def draw_like(array, sample, generator: np.random.Generator | None = None):
    """`sample(generator, shape)` drawn from deepglass's generator (or `generator`) on the CPU, cast to `array`'s
    dtype and moved to its device, as `dg.rand` does; the in-place fills (`uniform_`, `normal_`, ...) use it."""
    values = np.asarray(sample(generator or _generator, array.shape)).astype(array.dtype, copy=False)
    return backend.to_device(values, backend.device_of(array))
