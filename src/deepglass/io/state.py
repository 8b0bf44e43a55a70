"""Nested training state (optimizer state dicts, scheduler state, RNG state) ↔ JSON + named arrays.

`flatten` turns a tree of dicts/lists/tuples holding arrays, Tensors and Python scalars into a JSON-safe
tree plus a {key: array} dict for safetensors; `unflatten` reverses it exactly (arrays come back as
arrays, Tensors as Tensors, tuples as tuples, int dict keys as ints). Nothing is ever pickled.
"""

from __future__ import annotations

import numpy as np

_SCALARS = (bool, int, float, str, type(None))


def flatten(tree, prefix: str) -> tuple[object, dict[str, np.ndarray]]:
    """(JSON-safe tree, {name: NumPy array}); array names start with `prefix`."""
    arrays: dict[str, np.ndarray] = {}

    def walk(node, path: str):
        if isinstance(node, _SCALARS):
            if isinstance(node, float) and not np.isfinite(node):
                return {"__float__": repr(node)}
            return node
        if isinstance(node, np.generic):
            return walk(node.item(), path)
        if isinstance(node, dict):
            keys = list(node)
            if all(isinstance(k, str) for k in keys) and not any(k.startswith("__") for k in keys):
                return {k: walk(v, f"{path}.{k}") for k, v in node.items()}
            return {"__dict__": [[walk(k, path), walk(v, f"{path}.{i}")] for i, (k, v) in enumerate(node.items())]}
        if isinstance(node, tuple):
            return {"__tuple__": [walk(v, f"{path}.{i}") for i, v in enumerate(node)]}
        if isinstance(node, list):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(node)]
        if hasattr(node, "shape") and hasattr(node, "dtype"):
            kind = "tensor" if hasattr(node, "requires_grad") else "array"
            data = node.numpy() if kind == "tensor" else node
            arrays[path] = np.array(data.get() if hasattr(data, "get") else data, order="C")
            return {"__array__": path, "kind": kind}
        raise TypeError(f"cannot save a {type(node).__name__} at {path!r} in a checkpoint (only arrays and scalars)")

    return walk(tree, prefix), arrays


def unflatten(tree, arrays: dict[str, np.ndarray], device: str | None = None):
    """The original tree from `flatten`'s output; Tensors are recreated on `device` (default cpu)."""
    from ..tensor import Tensor

    def walk(node):
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "__float__" in node:
            return float(node["__float__"])
        if "__tuple__" in node:
            return tuple(walk(v) for v in node["__tuple__"])
        if "__dict__" in node:
            return {walk(k): walk(v) for k, v in node["__dict__"]}
        if "__array__" in node:
            name = node["__array__"]
            if name not in arrays:
                raise ValueError(f"checkpoint state refers to array {name!r}, which the file does not contain")
            array = np.array(arrays[name])
            return Tensor(array, device=device) if node.get("kind") == "tensor" else array
        return {k: walk(v) for k, v in node.items()}

    return walk(tree)
