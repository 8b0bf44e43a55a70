"""Sliding-window geometry and the im2col / col2im pair that turn convolution into matrix products.

A window of a 2-D convolution is `kh × kw` input pixels of every channel. `im2col` copies, for each
output pixel, its window into one column, so the convolution becomes `W (Cout × C·kh·kw) @ cols`.
`col2im` is its adjoint: it adds each column back onto the pixels it came from (the input gradient).
Both are loops over the `kh·kw` kernel offsets only; each step moves a whole strided slice of the batch.

The batch is processed in blocks whose column matrix stays under `block_bytes` (~8 MB on the CPU): the
columns of one block are still in cache when the GEMM reads them and when col2im adds them back, and
no buffer grows with the batch (the full im2col matrix of a layer is never built).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import get_array_module

CPU_BLOCK_BYTES = 8 << 20  # fits the L3 cache; 4-16 MB measured equally fast, the full batch 2x slower
GPU_BLOCK_BYTES = 512 << 20  # a GPU wants big GEMMs; memory is the only limit there


@dataclass(frozen=True)
class Geometry:
    """Where the windows of a 2-D convolution or pooling lie: kernel, stride, dilation, padding per side."""

    kh: int
    kw: int
    sh: int = 1
    sw: int = 1
    dh: int = 1
    dw: int = 1
    pad_top: int = 0
    pad_bottom: int = 0
    pad_left: int = 0
    pad_right: int = 0

    def out_size(self, h: int, w: int) -> tuple[int, int]:
        """Output height and width for an `h × w` input (floor division, as in PyTorch)."""
        ho = (h + self.pad_top + self.pad_bottom - self.dh * (self.kh - 1) - 1) // self.sh + 1
        wo = (w + self.pad_left + self.pad_right - self.dw * (self.kw - 1) - 1) // self.sw + 1
        return ho, wo

    @property
    def padded(self) -> bool:
        return bool(self.pad_top or self.pad_bottom or self.pad_left or self.pad_right)

    def pad(self, x, value: float = 0.0):
        """`x` (…, H, W) with the padding of this geometry added around its last two axes."""
        if not self.padded:
            return x
        xp = get_array_module(x)
        widths = [(0, 0)] * (x.ndim - 2) + [(self.pad_top, self.pad_bottom), (self.pad_left, self.pad_right)]
        return xp.pad(x, widths, mode="constant", constant_values=value)

    def crop(self, xpad, h: int, w: int):
        """Undo `pad`: the `h × w` interior of a padded array."""
        return xpad[..., self.pad_top:self.pad_top + h, self.pad_left:self.pad_left + w]

    def offset_slice(self, i: int, j: int, ho: int, wo: int) -> tuple:
        """The (rows, cols) slices of a padded input seen by kernel offset (i, j) at every output pixel."""
        r0, c0 = i * self.dh, j * self.dw
        return (slice(r0, r0 + self.sh * (ho - 1) + 1, self.sh), slice(c0, c0 + self.sw * (wo - 1) + 1, self.sw))


def windows(xpad, geom: Geometry, ho: int, wo: int):
    """A read-only view (N, C, kh, kw, Ho, Wo) of every window of `xpad` (N, C, Hp, Wp), no copy."""
    xp = get_array_module(xpad)
    n, c = xpad.shape[:2]
    s_n, s_c, s_h, s_w = xpad.strides
    return xp.lib.stride_tricks.as_strided(
        xpad, shape=(n, c, geom.kh, geom.kw, ho, wo),
        strides=(s_n, s_c, s_h * geom.dh, s_w * geom.dw, s_h * geom.sh, s_w * geom.sw),
    )


def im2col(x, geom: Geometry, ho: int, wo: int):
    """Columns (N, C·kh·kw, Ho·Wo) of the windows of `x` (N, C, H, W), channel-major like the weight."""
    xpad = get_array_module(x).ascontiguousarray(geom.pad(x))
    cols = get_array_module(x).ascontiguousarray(windows(xpad, geom, ho, wo))
    n, c = x.shape[:2]
    return cols.reshape(n, c * geom.kh * geom.kw, ho * wo)


def col2im(cols, geom: Geometry, h: int, w: int, ho: int, wo: int):
    """The adjoint of `im2col`: add columns (N, C·kh·kw, Ho·Wo) back onto an (N, C, H, W) image."""
    xp = get_array_module(cols)
    n = cols.shape[0]
    c = cols.shape[1] // (geom.kh * geom.kw)
    cols = cols.reshape(n, c, geom.kh, geom.kw, ho, wo)
    hp, wp = h + geom.pad_top + geom.pad_bottom, w + geom.pad_left + geom.pad_right
    xpad = xp.zeros((n, c, hp, wp), dtype=cols.dtype)
    for i in range(geom.kh):
        for j in range(geom.kw):
            rows, columns = geom.offset_slice(i, j, ho, wo)
            xpad[:, :, rows, columns] += cols[:, :, i, j]
    return geom.crop(xpad, h, w)


def batch_blocks(n: int, bytes_per_sample: int, xp) -> list[slice]:
    """Slices of the batch axis, each block's buffer under the block budget of the device (at least 1 sample)."""
    budget = CPU_BLOCK_BYTES if xp is np else GPU_BLOCK_BYTES
    size = max(1, min(n, budget // max(1, bytes_per_sample)))
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]
