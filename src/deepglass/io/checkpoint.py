"""`dg.save(obj, path)` / `dg.load(path)`: PyTorch's torch.save/torch.load for state, without pickle.

`obj` is a tree of dicts, lists and tuples holding Tensors, arrays and Python scalars — a model's or an
optimizer's `state_dict()`, a training checkpoint dict, a single Tensor. It is written as one safetensors
file (the arrays as tensors, the tree as JSON metadata), atomically, so `load` can rebuild it exactly and
can never run code from the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .safetensors import load_file, save_file
from .state import flatten, unflatten

__all__ = ["save", "load"]

_TREE_KEY = "deepglass.object"


def save(obj, path: str | os.PathLike) -> Path:
    """Write `obj` (Tensors, arrays, scalars in dicts/lists/tuples) to `path`, atomically."""
    from ..nn.module import Module

    if isinstance(obj, Module):
        raise TypeError(f"dg.save: save {type(obj).__name__}.state_dict(), not the module itself (deepglass never "
                        "pickles code); rebuild the model and call load_state_dict(dg.load(path))")
    try:
        tree, arrays = flatten(obj, "object")
    except TypeError as e:
        raise TypeError(f"dg.save({str(path)!r}): {e}") from None
    return save_file(arrays, path, metadata={_TREE_KEY: json.dumps(tree)})


def load(path: str | os.PathLike, map_location: str | None = None):
    """The object `save` wrote to `path`; its Tensors on `map_location` ('cpu' by default, or 'cuda')."""
    arrays, metadata = load_file(path)
    if _TREE_KEY not in metadata:
        raise ValueError(f"dg.load: {os.fspath(path)} was not written by dg.save (no {_TREE_KEY!r} metadata); "
                         "read plain safetensors with dg.io.load_file")
    return unflatten(json.loads(metadata[_TREE_KEY]), arrays, device=map_location)
