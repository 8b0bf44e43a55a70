"""Keras's weight layout for `get_weights` / `set_weights`.

deepglass keeps PyTorch's layout inside (Linear (out, in), Conv2d (out, in, kh, kw)); Keras code expects its
own: Dense's kernel is (in, out), Conv2D's (kh, kw, in, out), DepthwiseConv2D's (kh, kw, channels,
multiplier). A layer names the state entries that differ in `KERAS_LAYOUT` ({key: kind}); everything else
(biases, BatchNormalization's gamma/beta/moving statistics, embeddings) is the same in both. PyTorch's
`num_batches_tracked` counter is not a Keras weight and is left out.
"""

from __future__ import annotations

import numpy as np


def to_keras(kind: str, value: np.ndarray, layer) -> np.ndarray:
    """A PyTorch-layout weight in Keras's layout."""
    if kind == "kernel":  # (out, in, *k) → (*k, in, out); Dense (out, in) → (in, out)
        return np.ascontiguousarray(np.transpose(value, (*range(2, value.ndim), 1, 0)))
    if kind == "depthwise":  # (C·m, 1, *k) → (*k, C, m)
        channels = value.shape[0] // layer.depth_multiplier
        grouped = value.reshape(channels, layer.depth_multiplier, *value.shape[2:])
        return np.ascontiguousarray(np.transpose(grouped, (*range(2, grouped.ndim), 0, 1)))
    if kind in ("gru_kernel", "gru_bias"):  # PyTorch's gates (r, z, n) → Keras's (z, r, h); kernels transposed
        value = _swap_first_gates(value, axis=0 if kind == "gru_kernel" else -1)
        return np.ascontiguousarray(value.T) if kind == "gru_kernel" else value
    raise ValueError(f"unknown weight layout {kind!r}")


def from_keras(kind: str, value: np.ndarray) -> np.ndarray:
    """The inverse of `to_keras`."""
    n = value.ndim
    if kind == "kernel":
        return np.ascontiguousarray(np.transpose(value, (n - 1, n - 2, *range(n - 2))))
    if kind == "depthwise":
        grouped = np.transpose(value, (n - 2, n - 1, *range(n - 2)))  # (C, m, *k)
        return np.ascontiguousarray(grouped.reshape(-1, 1, *grouped.shape[2:]))
    if kind == "gru_kernel":
        return _swap_first_gates(np.ascontiguousarray(value.T), axis=0)
    if kind == "gru_bias":
        return _swap_first_gates(value, axis=-1)
    raise ValueError(f"unknown weight layout {kind!r}")


def _swap_first_gates(value: np.ndarray, axis: int) -> np.ndarray:
    """Swap the first two of three equal gate blocks along `axis` (GRU: r, z, n ↔ z, r, h); its own inverse."""
    r, z, n = np.split(value, 3, axis=axis)
    return np.ascontiguousarray(np.concatenate([z, r, n], axis=axis))


def keras_entries(model, layer_type) -> list[tuple[str, object, str | None]]:
    """(state key, owning layer, layout kind or None) for each weight Keras lists, in state order.

    The owner is the innermost `layer_type` (Keras Layer) module whose name prefixes the key, so nested models
    and layers wrapping dg.nn modules resolve alike."""
    layers = {name: m for name, m in model.named_modules() if isinstance(m, layer_type)}
    entries = []
    for key in model.state_dict():
        if key.endswith("num_batches_tracked"):
            continue
        parts = key.split(".")
        for cut in range(len(parts) - 1, -1, -1):
            owner = layers.get(".".join(parts[:cut]))
            if owner is not None:
                break
        entries.append((key, owner, getattr(owner, "KERAS_LAYOUT", {}).get(".".join(parts[cut:]))))
    return entries
