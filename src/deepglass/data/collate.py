"""Turning samples into a batch of Tensors: stacking, and the dtype rule.

The dtype rule: floating arrays become float32 Tensors, signed/unsigned integer arrays int64 — except
uint8 and bool, which keep their dtype (raw images and masks stay compact until a transform scales them).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor


def to_batch_tensor(array) -> Tensor:
    """One array (already a batch) as a Tensor, following the module's dtype rule; Tensors pass through."""
    if isinstance(array, Tensor):
        return array
    xp = get_array_module(array)
    array = xp.asarray(array)
    kind = array.dtype.kind
    if kind == "f" and array.dtype != np.float32:
        array = array.astype(np.float32)
    elif kind in "iu" and array.dtype != np.uint8 and array.dtype != np.int64:
        array = array.astype(np.int64)
    return Tensor._wrap(array)


def to_tensors(batch):
    """A batch of arrays (or a tuple/list/dict of them) as Tensors, structure kept."""
    if isinstance(batch, tuple):
        return tuple(to_tensors(b) for b in batch)
    if isinstance(batch, list):
        return [to_tensors(b) for b in batch]
    if isinstance(batch, dict):
        return {k: to_tensors(v) for k, v in batch.items()}
    if isinstance(batch, (str, bytes)):
        return batch
    return to_batch_tensor(batch)


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def default_collate(samples: list):
    """Stack a list of samples (arrays, numbers, Tensors, or tuples/dicts of them) into a batch of Tensors."""
    if not samples:
        raise ValueError("default_collate: empty batch")
    first = samples[0]
    if isinstance(first, tuple | list) and not isinstance(first, str):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: samples have different numbers of fields")
        return type(first)(default_collate([s[k] for s in samples]) for k in range(len(first))) \
            if isinstance(first, tuple) else [default_collate([s[k] for s in samples]) for k in range(len(first))]
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, str | bytes):
        return list(samples)
    if isinstance(first, numbers.Number) or isinstance(first, np.generic):
        return to_batch_tensor(np.asarray(samples))
    arrays = [_raw(s) for s in samples]
    shapes = {tuple(a.shape) for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"default_collate: samples have different shapes {sorted(shapes)}; resize them or "
                         f"pass collate_fn=")
    return to_batch_tensor(get_array_module(arrays[0]).stack(arrays))
