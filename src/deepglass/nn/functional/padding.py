"""`F.pad` with PyTorch's argument order and modes: constant, reflect, replicate, circular."""

from __future__ import annotations

from ... import ops
from ...tensor import Tensor

__all__ = ["pad"]

MODES = ("constant", "reflect", "replicate", "circular")


def _source_indices(xp, size: int, before: int, after: int, mode: str):
    """For each output position along an axis padded by (before, after), the input position it copies."""
    i = xp.arange(-before, size + after)
    if mode == "replicate":
        return xp.clip(i, 0, size - 1)
    if mode == "circular":
        return i % size
    i = xp.abs(i)  # reflect: mirror about the first and the last element, which are not repeated
    return xp.where(i > size - 1, 2 * (size - 1) - i, i)


def pad(input: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last len(pad) // 2 axes: `pad` = (left, right) of the last axis, then (top, bottom) of the one
    before, and so on, as torch.nn.functional.pad. Negative constant pads crop."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: {pad} must hold a (before, after) pair for each of at most {input.ndim} axes "
                         f"(input of shape {tuple(input.shape)})")
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(MODES)}, got {mode!r}")
    pairs = {input.ndim - 1 - k: (pad[2 * k], pad[2 * k + 1]) for k in range(len(pad) // 2)}
    if mode == "constant":
        crop = tuple(slice(-min(b, 0), input.shape[a] + min(e, 0)) if a in pairs and min(pairs[a]) < 0
                     else slice(None) for a, (b, e) in ((a, pairs.get(a, (0, 0))) for a in range(input.ndim)))
        if any(s != slice(None) for s in crop):
            input = input[crop]
        widths = [tuple(max(p, 0) for p in pairs.get(a, (0, 0))) for a in range(input.ndim)]
        return ops.pad(input, widths, value) if any(b or e for b, e in widths) else input
    for axis, (before, after) in sorted(pairs.items()):
        size = input.shape[axis]
        limit = size - 1 if mode == "reflect" else size if mode == "circular" else None
        if min(before, after) < 0 or (limit is not None and max(before, after) > limit):
            raise ValueError(f"pad: {mode} padding of ({before}, {after}) on an axis of size {size} "
                             f"(input of shape {tuple(input.shape)}): each side must be 0-{limit}")
        if before or after:
            input = ops.index_select(input, axis, _source_indices(input.xp, size, before, after, mode))
    return input
