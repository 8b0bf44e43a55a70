"""Pipelines and deterministic building blocks: Compose, ToTensor, Normalize, Lambda."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ...tensor import Tensor
from .base import RandomTransform, SampleStream, Transform, get_array_module, require_float


class Compose(RandomTransform):
    """Apply `transforms` in order; on a batch each one runs batched (a plain callable runs per sample).

    The random steps share one per-sample stream drawn from `generator` (else the default generator),
    which is what keeps `compose(batch)` equal to `[compose(img) for img in batch]` under one seed.
    """

    def __init__(self, transforms: Sequence[Callable], generator=None):
        super().__init__(generator)
        self.transforms = list(transforms)

    def __call__(self, img):
        """One image (a 4-D input is taken as a batch); its random steps share one per-sample stream."""
        x = img.data if isinstance(img, Tensor) else img
        if getattr(x, "ndim", 0) == 4:
            out = self.apply_batch(x)
            return Tensor._wrap(out) if isinstance(img, Tensor) and not isinstance(out, Tensor) else out
        return self.call_single(img, SampleStream.draw(self.generator, 1))

    def call_single(self, img, stream=None):
        if stream is None:
            return self(img)
        for t in self.transforms:
            img = t.call_single(img, stream) if isinstance(t, Transform) else t(img)
        return img

    def _apply(self, x, stream):
        for t in self.transforms:
            if isinstance(t, RandomTransform):
                x = t.apply_batch(x.data if isinstance(x, Tensor) else x, stream)
            elif hasattr(t, "apply_batch"):
                x = t.apply_batch(x.data if isinstance(x, Tensor) else x)
            else:
                outs = [t(xi) for xi in x]
                x = get_array_module(x).stack([o.data if isinstance(o, Tensor) else o for o in outs])
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToTensor(Transform):
    """uint8 H×W×C (or H×W) image → float32 C×H×W Tensor in [0, 1]; float images are only transposed.

    On a batch (`apply_batch`), N×H×W×C or N×H×W → N×C×H×W (a 3-D input there is N grayscale images).
    """

    def call_single(self, img, stream=None):
        x = img.data if isinstance(img, Tensor) else img
        x = get_array_module(x).asarray(x)
        if x.ndim not in (2, 3):
            raise ValueError(f"ToTensor: expected one image H×W or H×W×C, got shape {tuple(x.shape)} "
                             f"(use apply_batch for a batch)")
        return Tensor._wrap(self.apply_batch(x[None])[0])

    def apply_batch(self, x):
        xp = get_array_module(x)
        x = xp.asarray(x)
        if x.ndim == 3:
            x = x[:, None]
        elif x.ndim == 4:
            x = x.transpose(0, 3, 1, 2)
        else:
            raise ValueError(f"ToTensor: expected a batch N×H×W or N×H×W×C, got shape {tuple(x.shape)}")
        if x.dtype == np.uint8:
            return xp.ascontiguousarray(x, dtype=np.float32) / np.float32(255)
        return xp.ascontiguousarray(x.astype(np.float32) if x.dtype.kind != "f" else x)


class Normalize(Transform):
    """(x - mean[c]) / std[c] per channel, for C×H×W images or N×C×H×W batches."""

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float):
        self.mean = [float(m) for m in np.atleast_1d(mean)]
        self.std = [float(s) for s in np.atleast_1d(std)]
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std must be non-zero, got {self.std}")

    def apply_batch(self, x):
        require_float(x, "Normalize")
        xp = get_array_module(x)
        C = x.shape[1]
        if len(self.mean) not in (1, C) or len(self.std) not in (1, C):
            raise ValueError(f"Normalize: {len(self.mean)} means / {len(self.std)} stds for {C} channels")
        mean = xp.asarray(self.mean, dtype=x.dtype).reshape(1, -1, 1, 1)
        std = xp.asarray(self.std, dtype=x.dtype).reshape(1, -1, 1, 1)
        return (x - mean) / std


class Lambda(Transform):
    """Wrap a function as a transform (it receives what the transform receives: an image or a batch)."""

    def __init__(self, fn: Callable):
        self.fn = fn

    def call_single(self, img, stream=None):
        return self.fn(img)

    def apply_batch(self, x):
        return self.fn(x)
