"""Random containers: RandomApply, RandomChoice, RandomOrder (torchvision's names and arguments).

Each sample makes its own choice. The contained transforms run only on the samples that chose them,
each with a child stream of its own (`SampleStream.split`), so what one sample gets never depends on
the other samples of the batch: the batch result still equals the samples one by one under a seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ...tensor import Tensor
from .base import RandomTransform, SampleStream, Transform, get_array_module


def run_transform(t: Callable, x, stream: SampleStream):
    """One step of a pipeline on a batch x (N, C, H, W): batched for deepglass transforms, per sample otherwise."""
    if isinstance(x, Tensor):
        x = x.data
    if isinstance(t, RandomTransform):
        out = t.apply_batch(x, stream)
    elif isinstance(t, Transform):
        out = t.apply_batch(x)
    else:
        outs = [t(xi) for xi in x]
        out = get_array_module(x).stack([o.data if isinstance(o, Tensor) else o for o in outs])
    return out.data if isinstance(out, Tensor) else out


def run_sequence(transforms: Sequence[Callable], x, stream: SampleStream):
    for t in transforms:
        x = run_transform(t, x, stream)
    return x


def _merge(x, parts):
    """x with the rows of each (indices, values) part replaced; every part must keep x's sample shape."""
    xp = get_array_module(x)
    if len(parts) == 1 and len(parts[0][0]) == len(x):  # every sample took the same branch: shapes may change
        return parts[0][1]
    out = None
    for idx, values in parts:
        if tuple(values.shape[1:]) != tuple(x.shape[1:]):
            raise ValueError(f"random container: a transform changed the image shape {tuple(x.shape[1:])} to "
                             f"{tuple(values.shape[1:])}, so samples that skip it could not be batched with it")
        if out is None:
            out = x.astype(xp.result_type(x, values), copy=True)
        out[xp.asarray(idx)] = values
    return x if out is None else out


def _take(x, idx):
    return x[get_array_module(x).asarray(idx)]


def _listing(transforms) -> str:
    return "[" + "".join(f"\n    {t!r}," for t in transforms) + "\n]"


class RandomApply(RandomTransform):
    """Apply the list `transforms` (in order) to each sample with probability p, else leave it as it is.

    Uses 1 uniform and 1 child stream per sample.
    """

    def __init__(self, transforms: Sequence[Callable], p: float = 0.5, generator=None):
        super().__init__(generator)
        self.transforms = list(transforms) if isinstance(transforms, (list, tuple)) else [transforms]
        self.p = float(p)

    def _apply(self, x, stream):
        u = stream.uniform(1)[:, 0]
        (child,) = stream.split(1)
        chosen = np.flatnonzero(u < self.p)
        if len(chosen) == 0:
            return x
        return _merge(x, [(chosen, run_sequence(self.transforms, _take(x, chosen), child.subset(chosen)))])

    def __repr__(self) -> str:
        return f"RandomApply(p={self.p}, transforms={_listing(self.transforms)})"


class RandomChoice(RandomTransform):
    """Apply one transform of `transforms` per sample, picked with weights `p` (default: equally likely).

    Uses 1 uniform and one child stream per transform, for every sample.
    """

    def __init__(self, transforms: Sequence[Callable], p: Sequence[float] | None = None, generator=None):
        super().__init__(generator)
        self.transforms = list(transforms)
        if not self.transforms:
            raise ValueError("RandomChoice needs at least one transform")
        if p is not None and len(p) != len(self.transforms):
            raise ValueError(f"RandomChoice: {len(p)} weights for {len(self.transforms)} transforms")
        self.p = None if p is None else [float(v) for v in p]
        w = np.ones(len(self.transforms)) if p is None else np.asarray(self.p, dtype=np.float64)
        if np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"RandomChoice: weights must be non-negative and not all zero, got {p}")
        self._cumulative = np.cumsum(w / w.sum())

    def _apply(self, x, stream):
        u = stream.uniform(1)[:, 0]
        children = stream.split(len(self.transforms))
        which = np.minimum(np.searchsorted(self._cumulative, u, side="right"), len(self.transforms) - 1)
        parts = []
        for k, t in enumerate(self.transforms):
            idx = np.flatnonzero(which == k)
            if len(idx):
                parts.append((idx, run_transform(t, _take(x, idx), children[k].subset(idx))))
        return _merge(x, parts)

    def __repr__(self) -> str:
        return f"RandomChoice(p={self.p}, transforms={_listing(self.transforms)})"


class RandomOrder(RandomTransform):
    """Apply all of `transforms`, in a random order for each sample.

    Uses one uniform per transform (their ranks give the order) and one child stream per transform.
    """

    def __init__(self, transforms: Sequence[Callable], generator=None):
        super().__init__(generator)
        self.transforms = list(transforms)

    def _apply(self, x, stream):
        k = len(self.transforms)
        if k == 0:
            return x
        orders = np.argsort(stream.uniform(k), axis=1, kind="stable")
        children = stream.split(k)
        parts = []
        for order in np.unique(orders, axis=0):
            idx = np.flatnonzero((orders == order).all(axis=1))
            y = _take(x, idx)
            for j in order:
                y = run_transform(self.transforms[j], y, children[j].subset(idx))
            parts.append((idx, y))
        if len(parts) > 1 and len({tuple(v.shape[1:]) for _, v in parts}) == 1 and parts[0][1].shape[1:] != x.shape[1:]:
            xp = get_array_module(x)  # all orders change the shape the same way: assemble a new batch
            out = xp.empty((len(x), *parts[0][1].shape[1:]), dtype=parts[0][1].dtype)
            for idx, values in parts:
                out[xp.asarray(idx)] = values
            return out
        return _merge(x, parts)

    def __repr__(self) -> str:
        return f"RandomOrder(transforms={_listing(self.transforms)})"
