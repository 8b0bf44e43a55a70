"""Sliding-window geometry and the im2col / col2im pair that turn convolution into matrix products.

A window of a 2-D convolution is `kh × kw` input pixels of every channel. `im2col` copies, for each
output pixel, its window into one column, so the convolution becomes `W (Cout × C·kh·kw) @ cols`.
`col2im` is its adjoint: it adds each column back onto the pixels it came from (the input gradient).
Both are loops over the `kh·kw` kernel offsets only; each step moves a whole strided slice of the batch.

Stride-1 convolutions (most of them) use a "wide" layout: per channel, the block's padded images lie
side by side as one wide image (row r of every sample, then row r + 1 of every sample, …), stored flat,
and the columns are every position of its first Ho rows (Ho × Wp per sample instead of Ho × Wo). A window
at offset (i, j) is then the whole flat run shifted by i·dh·(N·Wp) + j·dw, so every im2col copy and col2im
add is one long contiguous run per channel instead of one per row or per sample (NumPy pays ~130 ns per
run: col2im got 3x faster). Windows that hang over a row's end into the next sample make junk columns,
which the callers keep at zero on the way in (`_channels_first`) and drop on the way out (`_batch_first`).
Junk is extra GEMM work (Wp/Wo − 1: 8% for a 3×3 kernel on 26×26), so inputs whose rows are too short
for it (`WIDE_MAX_COLUMNS`: small deep feature maps, where GEMM dominates) and strided convolutions use
the compact layout: exactly Ho × Wo columns per sample, in (N, Ho, Wo) order.

Convolution forward on maps with enough pixels (`conv.MIN_SAMPLE_COLUMNS`; also the weight gradient of
first layers) uses neither: `im2col_per_sample` gives each sample its own compact column matrix, and each GEMM
writes one sample's (Cout, Ho·Wo) output where it belongs, with no layout copy and no junk columns.

The batch is processed in blocks whose column matrix stays under `CPU_BLOCK_BYTES` (4 MB): the
columns of one block are still in cache when the GEMM reads them and when col2im adds them back, and
no buffer grows with the batch (the full im2col matrix of a layer is never built). Only layers with few
pixels per sample get bigger blocks, so that each GEMM has at least `MIN_BLOCK_COLUMNS` columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..backend import get_array_module

CPU_BLOCK_BYTES = 4 << 20  # in cache: 2-8 MB blocks ran as fast as 16 MB or faster; the whole batch at once, 2x slower
GPU_BLOCK_BYTES = 512 << 20  # a GPU wants big GEMMs; memory is the only limit there
# Deep layers (many channels, few pixels) fill the byte budget with few columns, and GEMMs that thin run
# at half speed (ResNet's 512-channel 4x4 layer: backward 37 GFLOP/s with 216 columns, 57 with 1,536).
MIN_BLOCK_COLUMNS = 1024
# wide only while Wp ≤ 1.2·Wo. 3×3 'same' convs, batch 64, 1 thread, forward ms wide vs compact:
# 32×32 (Wp/Wo 1.06) 60 vs 73; 16×16 (1.13) 57 vs 60; 8×8 (1.25) 63 vs 56; 4×4 (1.5) 73 vs 54
WIDE_MAX_COLUMNS = 1.2


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

    def padded_size(self, h: int, w: int) -> tuple[int, int]:
        """(Hp, Wp): the size of an `h × w` input with this geometry's padding around it."""
        return h + self.pad_top + self.pad_bottom, w + self.pad_left + self.pad_right

    def out_size(self, h: int, w: int) -> tuple[int, int]:
        """Output height and width for an `h × w` input (floor division, as in PyTorch)."""
        hp, wp = self.padded_size(h, w)
        return (hp - self.dh * (self.kh - 1) - 1) // self.sh + 1, (wp - self.dw * (self.kw - 1) - 1) // self.sw + 1

    @property
    def padded(self) -> bool:
        return bool(self.pad_top or self.pad_bottom or self.pad_left or self.pad_right)

    def pad(self, x, value: float = 0.0):
        """`x` (…, H, W) with the padding of this geometry added around its last two axes."""
        if not self.padded:
            return x
        xp = get_array_module(x)
        h, w = x.shape[-2:]
        shape = x.shape[:-2] + self.padded_size(h, w)
        # fill and copy in: 2.5x faster than xp.pad on a (64, 32, 32) sample, which conv pays per block
        out = xp.zeros(shape, dtype=x.dtype) if value == 0 else xp.full(shape, value, dtype=x.dtype)
        out[..., self.pad_top:self.pad_top + h, self.pad_left:self.pad_left + w] = x
        return out

    def crop(self, xpad, h: int, w: int):
        """Undo `pad`: the `h × w` interior of a padded array."""
        return xpad[..., self.pad_top:self.pad_top + h, self.pad_left:self.pad_left + w]

    def row_width(self, w: int, wo: int) -> int | None:
        """Wp, the columns per output row and sample, when this input uses the wide layout (stride 1 and rows
        long enough for its junk columns: see the module docstring); None for the compact layout."""
        wp = w + self.pad_left + self.pad_right
        return wp if self.sh == 1 and self.sw == 1 and wp <= WIDE_MAX_COLUMNS * wo else None

    def offset_slice(self, i: int, j: int, ho: int, wo: int) -> tuple:
        """The (rows, cols) slices of a padded input seen by kernel offset (i, j) at every output pixel."""
        r0, c0 = i * self.dh, j * self.dw
        return (slice(r0, r0 + self.sh * (ho - 1) + 1, self.sh), slice(c0, c0 + self.sw * (wo - 1) + 1, self.sw))


def unaliased(a):
    """`a` (B, C, H, W), or a copy of it whose channel planes do not fall on the same few L1 cache sets.

    A copy to channels-last reads all C channels of a pixel in turn. With planes a multiple of 1 KB apart
    (16×16, 32×32, 64×64 float32 maps) those reads share 1-4 of the 64 sets of an 8-way, 4 KB-period L1
    (x86 cores) and evict each other: 2 samples × 64 channels × 32×32 took 188 µs to transpose, against
    46 µs through this copy with a cache line between planes, and 25-34 µs for 30×30 or 34×34 maps.
    """
    xp = get_array_module(a)
    b, c, h, w = a.shape
    if xp is not np or a.strides[2:] != (w * a.itemsize, a.itemsize):
        return a
    sets = min(64, 4096 // math.gcd(a.strides[1], 4096))  # the L1 sets that C reads this far apart reach
    if c <= 8 * sets:  # they all fit in its 8 ways
        return a
    planes = xp.empty((b, c, h * w + 64 // a.itemsize), dtype=a.dtype)
    copy = planes[:, :, :h * w].reshape(b, c, h, w)
    copy[...] = a
    return copy


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
    """The column matrix (C·kh·kw, columns) of `x` (N, C, H, W): one column per window, rows ordered like the
    weight; the columns are (Ho, N, Wp) in the wide layout, (N, Ho, Wo) in the compact one.

    Rows first and the batch inside the columns make `W @ cols` one big GEMM for the whole block (many small
    per-sample GEMMs each pay BLAS's thread start-up).
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    wp = geom.row_width(w, wo)
    if wp is None:
        view = windows(xp.ascontiguousarray(geom.pad(x)), geom, ho, wo)  # (N, C, kh, kw, Ho, Wo)
        return xp.ascontiguousarray(view.transpose(1, 2, 3, 0, 4, 5)).reshape(c * geom.kh * geom.kw, n * ho * wo)
    flat = _wide_image(xp.zeros, c, n, geom, h, w, x.dtype)
    _interior(flat, geom, n, h, w)[...] = x.transpose(1, 2, 0, 3)
    s_c, s_e = flat.strides
    view = xp.lib.stride_tricks.as_strided(  # (C, kh, kw, Ho·N·Wp): offset (i, j) starts at i·dh·N·Wp + j·dw
        flat, shape=(c, geom.kh, geom.kw, ho * n * wp), strides=(s_c, s_e * geom.dh * n * wp, s_e * geom.dw, s_e))
    return xp.ascontiguousarray(view).reshape(c * geom.kh * geom.kw, ho * n * wp)


def im2col_per_sample(x, geom: Geometry, ho: int, wo: int, ones: bool = False):
    """One column matrix per sample, (N, C·kh·kw, Ho·Wo), compact columns, rows ordered like the weight.

    With `ones`, a last row of ones is appended (N, C·kh·kw + 1, Ho·Wo): a weight with the bias as its last
    column then adds the bias inside the GEMM, and the GEMM of gy against these columns sums the bias gradient.
    """
    xp = get_array_module(x)
    n, c = x.shape[:2]
    rows = c * geom.kh * geom.kw
    cols = xp.empty((n, rows + ones, ho * wo), dtype=x.dtype)
    body = cols[:, :rows].reshape(n, c, geom.kh, geom.kw, ho, wo)  # splits axes only: always a view
    body[...] = windows(xp.ascontiguousarray(geom.pad(x)), geom, ho, wo)
    if ones:
        cols[:, rows] = 1
    return cols


def col2im(cols, geom: Geometry, n: int, h: int, w: int, ho: int, wo: int):
    """The adjoint of `im2col`: add the columns (C·kh·kw, columns) back onto an (N, C, H, W) image.

    The sums run in a channels-first buffer, the order of the columns' axes (3x faster than adding across
    a transpose); the result is an (N, C, H, W) view of it. Junk columns of the wide layout must be zero.
    """
    xp = get_array_module(cols)
    c = cols.shape[0] // (geom.kh * geom.kw)
    wp = geom.row_width(w, wo)
    if wp is None:
        cols = cols.reshape(c, geom.kh, geom.kw, n, ho, wo)
        xpad = xp.zeros((c, n, *geom.padded_size(h, w)), cols.dtype)
        for i in range(geom.kh):
            for j in range(geom.kw):
                xpad[(..., *geom.offset_slice(i, j, ho, wo))] += cols[:, i, j]
        return geom.crop(xpad, h, w).transpose(1, 0, 2, 3)
    length = ho * n * wp
    cols = cols.reshape(c, geom.kh, geom.kw, length)
    flat = _wide_image(xp.zeros, c, n, geom, h, w, cols.dtype)
    for i in range(geom.kh):
        for j in range(geom.kw):
            start = i * geom.dh * n * wp + j * geom.dw
            flat[:, start:start + length] += cols[:, i, j]
    return _interior(flat, geom, n, h, w).transpose(2, 0, 1, 3)


def col2im_channels_last(cols_t, geom: Geometry, n: int, h: int, w: int, ho: int, wo: int):
    """`col2im` for the compact layout, from transposed columns (N·Ho·Wo, kh·kw·C) ordered (i, j, c).

    The sums run channels-last, (N, Hp, Wp, C): each add moves runs of C (or Wo·C) numbers instead of
    the Wo numbers of a compact row, which on small deep maps (4×4, 8×8) is what col2im's time went to
    (a 4×4×512 layer's input gradient: 70 → 54 ms). Returns an (N, C, H, W) view.
    """
    xp = get_array_module(cols_t)
    c = cols_t.shape[1] // (geom.kh * geom.kw)
    xpad = xp.zeros((n, *geom.padded_size(h, w), c), cols_t.dtype)
    windows_t = cols_t.reshape(n, ho, wo, geom.kh, geom.kw, c)
    for i in range(geom.kh):
        for j in range(geom.kw):
            rows, columns = geom.offset_slice(i, j, ho, wo)
            xpad[:, rows, columns, :] += windows_t[:, :, :, i, j, :]
    return xpad[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w, :].transpose(0, 3, 1, 2)


def _wide_image(alloc, c: int, n: int, geom: Geometry, h: int, w: int, dtype):
    """Per channel, the N padded images side by side, flat: (C, Hp·N·Wp + tail); the junk windows of the
    last row reach tail = (kw−1)·dw past the end."""
    hp, wp = geom.padded_size(h, w)
    return alloc((c, hp * n * wp + (geom.kw - 1) * geom.dw), dtype=dtype)


def _interior(flat, geom: Geometry, n: int, h: int, w: int):
    """The (C, H, N, W) images inside a `_wide_image` buffer (a view)."""
    hp, wp = geom.padded_size(h, w)
    rows = flat[:, :hp * n * wp].reshape(flat.shape[0], hp, n, wp)
    return rows[:, geom.pad_top:geom.pad_top + h, :, geom.pad_left:geom.pad_left + w]


def batch_blocks(n: int, bytes_per_sample: int, xp, columns_per_sample: int | None = None,
                 min_blocks: int = 1, budget: int | None = None, min_columns: int | None = None) -> list[slice]:
    """Slices of the batch axis, each block's buffer under `budget` bytes (by default the block budget of the
    device; at least 1 sample), but with at least `min_columns` (default `MIN_BLOCK_COLUMNS`) GEMM columns when
    `columns_per_sample` is given. On the CPU, the block count is a multiple of `min_blocks` (the threads) where
    the batch allows, so each thread gets as many."""
    budget = budget or (CPU_BLOCK_BYTES if xp is np else GPU_BLOCK_BYTES)
    size = budget // max(1, bytes_per_sample)
    if columns_per_sample:
        size = max(size, -(-(min_columns or MIN_BLOCK_COLUMNS) // columns_per_sample))
    size = max(1, min(n, size))
    if xp is np and min_blocks > 1 and n >= min_blocks:
        count = -(-n // size)
        count = -(-count // min_blocks) * min_blocks
        size = -(-n // count)
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]
