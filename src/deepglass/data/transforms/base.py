"""The Transform base class: one image or a whole batch, NumPy/CuPy arrays or Tensors.

A transform implements `apply_batch(x)` on an N×C×H×W array; `__call__` also accepts one C×H×W image
(or H×W) by treating it as a batch of one, and unwraps/rewraps Tensors. Random transforms take each
sample's parameters from that sample's own `SampleStream` (one key drawn per sample, then a
counter-based generator), so a batch consumes the generator exactly like its samples one by one and
the batch result equals the per-sample results under the same seed — through a whole Compose too.
"""

from __future__ import annotations

import numpy as np

from ... import backend
from ...random import default_generator
from ...tensor import Tensor


def get_array_module(x):
    """numpy or cupy for `x` — loading deepglass's CuPy backend when a CuPy array arrives first."""
    if backend._cupy is None and hasattr(x, "__cuda_array_interface__"):
        backend.cupy()
    return backend.get_array_module(x)


class Transform:
    """Base class. Subclasses define `apply_batch(x)` for x of shape (N, C, H, W)."""

    def __call__(self, img):
        return self.call_single(img, None)

    def call_single(self, img, stream=None):
        """Transform one image (C×H×W or H×W; a 4-D input is taken as a batch) as a batch of one."""
        is_tensor = isinstance(img, Tensor)
        x = img.data if is_tensor else img
        x = get_array_module(x).asarray(x)
        if x.ndim == 4:
            out = self._batch(x, stream)
        elif x.ndim == 3:
            out = self._batch(x[None], stream)[0]
        elif x.ndim == 2:
            out = self._batch(x[None, None], stream)[0, 0]
        else:
            raise ValueError(f"{type(self).__name__}: expected an image C×H×W (or H×W) or a batch N×C×H×W, "
                             f"got shape {tuple(x.shape)}")
        return Tensor._wrap(out) if is_tensor else out

    def _batch(self, x, stream):
        return self.apply_batch(x)

    def apply_batch(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define apply_batch")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_") and k != "generator")
        return f"{type(self).__name__}({args})"


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function on a uint64 array (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class SampleStream:
    """Independent random numbers for each sample of a batch: one 64-bit key per sample, SplitMix64 after it.

    Sample i's numbers depend only on its key and on how many numbers were asked before, never on the
    batch size, so a batch and its samples one by one get identical parameters. Keys are one raw draw
    per sample from the numpy generator (`dg.random.default_generator()` unless another is given).
    """

    def __init__(self, keys):
        self.keys = np.asarray(keys, dtype=np.uint64).reshape(-1)
        self.counter = 0

    @classmethod
    def draw(cls, generator: np.random.Generator | None, n: int) -> SampleStream:
        rng = generator if generator is not None else default_generator()
        return cls(rng.bit_generator.random_raw(n))

    def uniform(self, k: int) -> np.ndarray:
        """(n, k) float64 uniforms in [0, 1): the next k numbers of every sample's stream."""
        j = np.arange(self.counter + 1, self.counter + k + 1, dtype=np.uint64)
        self.counter += k
        z = self.keys[:, None] + j[None, :] * _GOLDEN
        return (_splitmix64(z) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))

    def split(self, k: int) -> list[SampleStream]:
        """k child streams (the next k numbers of each sample's stream become the children's keys), so a
        container can hand each of its transforms its own stream whatever order or subset runs them."""
        j = np.arange(self.counter + 1, self.counter + k + 1, dtype=np.uint64)
        self.counter += k
        keys = _splitmix64(_splitmix64(self.keys[:, None] + j[None, :] * _GOLDEN))
        return [SampleStream(keys[:, i]) for i in range(k)]

    def subset(self, index) -> SampleStream:
        """The streams of the samples `index` (a boolean mask or indices), at the same position."""
        child = SampleStream(self.keys[np.asarray(index)])
        child.counter = self.counter
        return child

    def normal(self, shape: tuple) -> np.ndarray:
        """(n, *shape) float32 standard normals (Box-Muller on the next uniforms)."""
        m = int(np.prod(shape))
        half = (m + 1) // 2
        u = self.uniform(2 * half)
        r = np.sqrt(-2.0 * np.log1p(-u[:, :half]))
        angle = 2 * np.pi * u[:, half:]
        z = np.concatenate([r * np.cos(angle), r * np.sin(angle)], axis=1)[:, :m]
        return z.astype(np.float32).reshape(len(self.keys), *shape)


class RandomTransform(Transform):
    """A transform with random per-sample parameters. Subclasses define `_apply(x, stream)`.

    Each call draws one key per sample from `generator` (else `dg.random.default_generator()`, so
    `dg.manual_seed` repeats it); inside `Compose`, the Compose's stream is shared by all its steps.
    """

    def __init__(self, generator: np.random.Generator | None = None):
        self.generator = generator

    def _batch(self, x, stream):
        return self.apply_batch(x, stream)

    def apply_batch(self, x, stream: SampleStream | None = None):
        if stream is None:
            stream = SampleStream.draw(self.generator, x.shape[0])
        return self._apply(x, stream)

    def _apply(self, x, stream: SampleStream):
        raise NotImplementedError(f"{type(self).__name__} must define _apply")


def sample_mask(stream: SampleStream, p: float, xp):
    """(N, 1, 1, 1) booleans, each sample's True with probability p (1 uniform per sample), for xp.where."""
    return xp.asarray(stream.uniform(1)[:, 0] < p)[:, None, None, None]


def require_float(x, name: str) -> None:
    """Color and noise transforms work on float images in [0, 1] (after ToTensor), not raw uint8."""
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a float image (use ToTensor() first), got dtype {x.dtype}")


def as_pair(value, name: str, center: float = 0.0, bound: tuple[float, float] | None = None) -> tuple[float, float]:
    """torchvision's rule: a number v means (center - v, center + v); a pair is taken as (min, max)."""
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{name} must be non-negative when a single number, got {value}")
        lo, hi = center - value, center + value
    else:
        lo, hi = (float(v) for v in value)
    if bound is not None:
        lo = max(lo, bound[0])
    if lo > hi:
        raise ValueError(f"{name}: range ({lo}, {hi}) is empty")
    return float(lo), float(hi)
