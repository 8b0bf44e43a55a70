"""Sampling from distributions, seeded by `dg.manual_seed` and not differentiable: `dg.bernoulli`,
`dg.multinomial`, `dg.normal`, and the in-place fills `x.uniform_()`, `x.normal_()`, `x.bernoulli_()`,
`x.exponential_()`, `x.random_()` (also Tensor methods, as in PyTorch).

Numbers are drawn on the CPU from deepglass's generator and copied to the tensor's device, as `dg.rand`
does, so a seed gives the same values on the CPU and the GPU.
"""

from __future__ import annotations

import numpy as np

from . import backend
from .creation import _dtype, _make
from .random import default_generator, draw_like
from .tensor import Tensor


def bernoulli(input: Tensor, p: float | None = None, generator=None) -> Tensor:  # noqa: A002 - PyTorch's name
    """0/1 samples, 1 with probability `input` elementwise (or `p` everywhere), in input's shape and dtype."""
    probs = input.numpy() if p is None else np.full(input.shape, p)
    if probs.size and (probs.min() < 0 or probs.max() > 1):
        raise ValueError(f"bernoulli: probabilities must lie in [0, 1], got values in [{probs.min()}, {probs.max()}]")
    rng = generator or default_generator()
    sample = (rng.random(input.shape) < probs).astype(input.dtype)
    return Tensor._wrap(backend.to_device(sample, input.device))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, generator=None) -> Tensor:  # noqa: A002
    """int64 indices (num_samples,) or (rows, num_samples) of categories drawn in proportion to the
    non-negative weights `input` (n,) or (rows, n), with or without replacement, as torch.multinomial."""
    weights = input.numpy().astype(np.float64)
    if weights.ndim not in (1, 2) or weights.shape[-1] == 0:
        raise ValueError(f"multinomial: expects 1-D or 2-D weights, got shape {input.shape}")
    w = weights.reshape(-1, weights.shape[-1])
    positive = (w > 0).sum(-1)
    if not np.isfinite(w).all() or (w < 0).any() or (positive == 0).any():
        raise ValueError("multinomial: weights must be finite, non-negative, and not all zero in a row")
    if not replacement and (num_samples > positive).any():
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from rows with "
                         f"{int(positive.min())} non-zero weights")
    rng, rows, n = generator or default_generator(), w.shape[0], w.shape[1]
    if replacement:  # invert each row's CDF; rows are offset by their index so one searchsorted serves all
        cdf = np.cumsum(w, axis=-1) / w.sum(-1, keepdims=True)
        offset = np.arange(rows)[:, None]
        u = rng.random((rows, num_samples)) + offset
        picked = np.searchsorted((cdf + offset).ravel(), u.ravel(), side="right").reshape(rows, -1) - offset * n
        last = n - 1 - np.argmax(w[:, ::-1] > 0, axis=-1)  # rounding can never pick past the last positive weight
        picked = np.minimum(picked, last[:, None])
    else:  # Gumbel top-k: the k largest of log(w) + Gumbel noise are a draw without replacement
        with np.errstate(divide="ignore"):
            keys = np.log(w) - np.log(-np.log(rng.random(w.shape)))
        picked = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    picked = picked.astype(np.int64).reshape(weights.shape[:-1] + (num_samples,))
    return Tensor._wrap(backend.to_device(picked, input.device))


def normal(mean, std=1.0, size=None, generator=None, dtype=None, device=None) -> Tensor:
    """Normal samples with `mean` and `std` (tensors broadcast together, or numbers with `size`), as torch.normal."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if tensors:
        means, stds = (v.numpy() if isinstance(v, Tensor) else v for v in (mean, std))
        shape = np.broadcast_shapes(*(t.shape for t in tensors)) if size is None else tuple(size)
        dtype, device = dtype or tensors[0].dtype, device or tensors[0].device
    else:
        if size is None:
            raise ValueError("normal: give `size` when mean and std are numbers")
        means, stds, shape = mean, std, tuple(size) if isinstance(size, (tuple, list)) else (size,)
    if np.any(np.asarray(stds) < 0):
        raise ValueError("normal: std must be non-negative")
    rng = generator or default_generator()
    return _make(rng.normal(means, stds, size=shape).astype(_dtype(dtype)), device, False)


def _fill_random(tensor: Tensor, op: str, sample, generator) -> Tensor:
    """Overwrite `tensor`'s data with `sample(generator, shape)` from deepglass's seeded generator."""
    tensor._check_inplace(op)
    tensor.data[...] = draw_like(tensor.data, sample, generator)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with uniform samples in [a, b)."""
    return _fill_random(tensor, "uniform_", lambda g, shape: g.uniform(a, b, shape), generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with normal samples of `mean` and `std`."""
    return _fill_random(tensor, "normal_", lambda g, shape: g.normal(mean, std, shape), generator)


def bernoulli_(tensor: Tensor, p: float = 0.5, generator=None) -> Tensor:
    """Fill with 0/1 samples, 1 with probability `p` (a number, or a tensor broadcast to this shape)."""
    p = p.numpy() if isinstance(p, Tensor) else p
    return _fill_random(tensor, "bernoulli_", lambda g, shape: g.random(shape) < p, generator)


def exponential_(tensor: Tensor, lambd: float = 1.0, generator=None) -> Tensor:
    """Fill with exponential samples of rate `lambd` (mean 1 / lambd)."""
    return _fill_random(tensor, "exponential_", lambda g, shape: g.exponential(1.0 / lambd, shape), generator)


def random_(tensor: Tensor, from_: int = 0, to: int | None = None, generator=None) -> Tensor:
    """Fill with integers uniform in [from_, to) (`random_(to)` starts at 0), as torch's random_."""
    if to is None:
        if from_ == 0:
            raise ValueError("random_: give the upper bound, e.g. x.random_(10) or x.random_(0, 10)")
        from_, to = 0, from_
    return _fill_random(tensor, "random_", lambda g, shape: g.integers(from_, to, shape), generator)


for _name in ("bernoulli", "multinomial", "uniform_", "normal_", "bernoulli_", "exponential_", "random_"):
    setattr(Tensor, _name, globals()[_name])
