"""3-D (volumetric) convolution and transposed convolution as vol2col + GEMM (NCDHW, PyTorch semantics).

The 2-D recipe of `conv.py` one axis up. A window is `kd × kh × kw` voxels of every channel; `_vol2col`
copies, for each output voxel, its window into one column, so the convolution is one matrix product:

Forward:  out = W @ vol2col(x)                      W (Cout, C·kd·kh·kw), columns one per output voxel
Backward: gW  = Σ (vol2col(x) @ gyᵀ)ᵀ,  gx = col2vol(Wᵀ @ gy),  gb = Σ gy

`_vol2col` and `_col2vol` are loops over the kd·kh·kw kernel offsets only: each step copies (or adds) one
strided slice of the whole block, every channel and sample at once. A volume's column matrix is large
(C·k³ rows × D·H·W columns: 38 MB for 16 channels of 28³ with a 3³ kernel), so each block of the batch is
cut into slabs of output depth planes whose columns stay under the cache-sized block budget of `im2col`
(`CPU_BLOCK_BYTES`); small volumes (deep layers) instead take several samples per GEMM, so that it keeps at
least `MIN_BLOCK_COLUMNS` columns. Neither layout builds more than one block's columns, and no buffer
grows with the batch. Columns are recomputed in backward rather than kept from forward.

The padded input of a block is laid out channels-first, (C, B, Dp, Hp, Wp), the order of the columns'
rows, so every vol2col copy and col2vol add runs without a transpose. Groups are the batch axis of
matmul (weights (g, Cout/g, C/g·k³)), never a Python loop. Blocks are shared out among the CPU threads
(`deepglass.parallel`), weight and bias gradients summed block by block in a fixed order.

Stride-1 convolutions whose rows are long enough (`_wide`) use the "wide" layout of `im2col` one axis up: the
padded block lies flat, output rows are computed Wp wide on the padded grid (the last Wp − Wo columns junk,
cropped on the way out, zero in gy), so the window of kernel offset (j, k) on one plane is one contiguous run of
Ho·Wp values. The columns hold the (kh, kw) offsets only; depth offset i is a shift of i·dd planes within them,
so a slab of output planes is kd GEMMs on shifted column views, summed (`_conv_forward_wide`):

    out[:, planes d0 … d1) = Σ_i W_i @ cols(kh, kw)[:, planes d0 + i·dd … d1 + i·dd)      W_i = W[:, :, i]

and each input value is copied kh·kw times, not kd·kh·kw. The weight gradient takes the same columns
(`_weight_grads_wide`), and the input gradient is a forward convolution of gy with the flipped kernel
(`_correlation_geometry`, `_flipped_weight`): no col2vol scatter, whose adds cost more than the copies.
Strided convolutions and those the wide layout does not suit keep the compact vol2col / col2vol below.
Conv3d(16, 32, 3, padding=1) on 8×16×28³, 1 thread, ms compact → wide: forward 100 → 89, backward 218 → 204.

A transposed convolution is the input gradient of a convolution: its forward is `_conv_backward` for gx
alone, and its backward is the convolution forward (gx) and the convolution weight gradient with the roles
of input and output gradient swapped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .im2col import CPU_BLOCK_BYTES, GPU_BLOCK_BYTES, MIN_BLOCK_COLUMNS, WIDE_MAX_COLUMNS, batch_blocks

__all__ = ["conv3d", "conv_transpose3d"]


@dataclass(frozen=True)
class Geometry3d:
    """Where the windows of a 3-D convolution lie: per axis (depth, height, width) the kernel size, stride,
    dilation, and the zero padding before and after."""

    kernel: tuple
    stride: tuple = (1, 1, 1)
    dilation: tuple = (1, 1, 1)
    before: tuple = (0, 0, 0)
    after: tuple = (0, 0, 0)

    @property
    def taps(self) -> int:
        """Voxels in one window (per channel): kd·kh·kw."""
        kd, kh, kw = self.kernel
        return kd * kh * kw

    def padded_size(self, size) -> tuple:
        """(Dp, Hp, Wp) of an input of spatial size `size` with this geometry's padding around it."""
        return tuple(n + b + a for n, b, a in zip(size, self.before, self.after))

    def out_size(self, size) -> tuple:
        """(Do, Ho, Wo) for an input of spatial size `size` (floor division, as in PyTorch)."""
        return tuple((p - d * (k - 1) - 1) // s + 1
                     for p, k, s, d in zip(self.padded_size(size), self.kernel, self.stride, self.dilation))

    def offset_slices(self, offset: tuple, d0: int, out: tuple) -> tuple:
        """The (depth, rows, cols) slices of a padded volume that kernel offset (i, j, k) reads for output depth
        planes d0 … d0 + out[0] − 1 and all out[1] × out[2] output rows and columns."""
        return tuple(slice(o * d + s * start, o * d + s * start + s * (n - 1) + 1, s)
                     for o, d, s, start, n in zip(offset, self.dilation, self.stride, (d0, 0, 0), out))


def _offsets(geom: Geometry3d):
    kd, kh, kw = geom.kernel
    return [(i, j, k) for i in range(kd) for j in range(kh) for k in range(kw)]


def _padded_channels_first(x, geom: Geometry3d):
    """A block x (B, C, D, H, W) zero-padded and laid out channels-first: (C, B, Dp, Hp, Wp)."""
    xp = get_array_module(x)
    b, c = x.shape[:2]
    d, h, w = x.shape[2:]
    out = xp.zeros((c, b, *geom.padded_size((d, h, w))), dtype=x.dtype)
    (bd, bh, bw) = geom.before
    out[:, :, bd:bd + d, bh:bh + h, bw:bw + w] = x.transpose(1, 0, 2, 3, 4)
    return out


def _vol2col(xpad, geom: Geometry3d, d0: int, out: tuple):
    """The columns (C·kd·kh·kw, B·ds·Ho·Wo) of output depth planes d0 … d0 + ds − 1 (out = (ds, Ho, Wo)) from a
    channels-first padded block (C, B, Dp, Hp, Wp): rows ordered (c, i, j, k) like the weight, columns (b, d, h, w)."""
    xp = get_array_module(xpad)
    c, b = xpad.shape[:2]
    cols = xp.empty((c, geom.taps, b, *out), dtype=xpad.dtype)
    for t, offset in enumerate(_offsets(geom)):
        cols[:, t] = xpad[(slice(None), slice(None), *geom.offset_slices(offset, d0, out))]
    return cols.reshape(c * geom.taps, -1)


def _col2vol(cols, gpad, geom: Geometry3d, d0: int, out: tuple) -> None:
    """The adjoint of `_vol2col`: add the columns (C·kd·kh·kw, B·ds·Ho·Wo) onto the channels-first padded block
    gradient `gpad` (C, B, Dp, Hp, Wp), in place."""
    c, b = gpad.shape[:2]
    cols = cols.reshape(c, geom.taps, b, *out)
    for t, offset in enumerate(_offsets(geom)):
        gpad[(slice(None), slice(None), *geom.offset_slices(offset, d0, out))] += cols[:, t]


def _plan(n: int, rows: int, out: tuple, itemsize: int, xp) -> tuple[list, int]:
    """Batch blocks and the output depth planes per GEMM: a block's columns (rows × columns) stay within the block
    budget, by cutting a sample into slabs of depth planes when one sample is too big, or by taking several
    samples per block when one sample has fewer than `MIN_BLOCK_COLUMNS` columns; at least one block per thread."""
    do, ho, wo = out
    plane, budget = ho * wo, CPU_BLOCK_BYTES if xp is np else GPU_BLOCK_BYTES
    per_sample = do * plane
    blocks = batch_blocks(n, rows * per_sample * itemsize, xp, columns_per_sample=per_sample,
                          min_blocks=parallel.get_num_threads())
    if rows * per_sample * itemsize <= budget:
        return blocks, do
    depth = max(budget // (rows * plane * itemsize), -(-MIN_BLOCK_COLUMNS // plane), 1)
    return blocks, min(do, depth)


def _slabs(do: int, depth: int):
    return [(d0, min(do, d0 + depth)) for d0 in range(0, do, depth)]


def _grouped_weight(W, groups: int):
    """Weight (Cout, C/g, kd, kh, kw) → (g, Cout/g, C/g·kd·kh·kw)."""
    return W.reshape(groups, W.shape[0] // groups, -1)


def _gy_columns(gy, blk: slice, d0: int, d1: int, groups: int):
    """Output gradient of block `blk`, depth planes d0 … d1 − 1, as GEMM columns (g, Cout/g, B·ds·Ho·Wo): a view
    for one sample, a channels-first copy for several."""
    xp = get_array_module(gy)
    part = gy[blk, :, d0:d1]
    if part.shape[0] == 1:
        return part[0].reshape(groups, part.shape[1] // groups, -1)
    return xp.ascontiguousarray(part.transpose(1, 0, 2, 3, 4)).reshape(groups, part.shape[1] // groups, -1)


# ---- the wide layout (stride 1) -----------------------------------------------------------------
def _wide(geom: Geometry3d, size: tuple, out_size: tuple, c: int, c_out: int) -> bool:
    """Whether a convolution of c → c_out channels (per group) and an input of spatial `size` uses the wide layout:
    stride 1, rows long enough that the junk columns (Wp − Wo per output row) cost less than the short copies they
    save (`WIDE_MAX_COLUMNS`), and at least as many (kh, kw) column rows as output channels: with fewer (a first
    layer on 1 channel: 9 rows, 16 filters) the kd GEMMs, each K = C·kh·kw, and the sums of their outputs cost more
    than the copies saved (Conv3d(1, 16, 3) on 16×28³, 1 thread: forward 8.8 ms compact vs 11.9 wide)."""
    return (geom.stride == (1, 1, 1) and geom.padded_size(size)[2] <= WIDE_MAX_COLUMNS * out_size[2]
            and c * geom.taps // geom.kernel[0] >= c_out)


def _wide_length(geom: Geometry3d, b: int, c: int, size: tuple) -> int:
    """Length of a `_wide_volume` buffer: b·c padded volumes and a tail of (kw − 1)·dw zeros, which the
    windows of the last row's junk columns reach."""
    return b * c * math.prod(geom.padded_size(size)) + (geom.kernel[2] - 1) * geom.dilation[2]


def _wide_volume(x, geom: Geometry3d):
    """A block x (B, C, D, H, W) zero-padded to (B, C, Dp, Hp, Wp) and stored flat, with a zero tail."""
    xp = get_array_module(x)
    b, c = x.shape[:2]
    flat = xp.zeros(_wide_length(geom, b, c, x.shape[2:]), dtype=x.dtype)
    (bd, bh, bw), (d, h, w) = geom.before, x.shape[2:]
    vol = flat[:b * c * math.prod(geom.padded_size((d, h, w)))].reshape(b, c, *geom.padded_size((d, h, w)))
    vol[:, :, bd:bd + d, bh:bh + h, bw:bw + w] = x
    return flat


def _plane_cols(flat, geom: Geometry3d, b: int, c: int, size: tuple, p0: int, planes: int, ho: int):
    """Wide columns over the (kh, kw) offsets only, for padded input planes p0 … p0 + planes − 1:
    (B, C·kh·kw, planes·Ho·Wp), rows (c, j, k), columns (plane, h, w < Wp). Row (c, j, k) of plane p is one run of
    Ho·Wp values of the flat volume from p·Hp·Wp + j·dh·Wp + k·dw: output row h, column w reads input row h + j·dh,
    column w + k·dw, and the w ≥ Wo columns are junk. Depth offset i of an output plane d is then plane d + i·dd of
    these columns: a column shift, not another copy (see `_conv_forward_wide`)."""
    xp = get_array_module(flat)
    dp, hp, wp = geom.padded_size(size)
    (_, kh, kw), (_, dh, dw) = geom.kernel, geom.dilation
    cols = xp.empty((b, c, kh * kw, planes, ho * wp), dtype=flat.dtype)
    e = flat.itemsize
    for t, (j, k) in enumerate((j, k) for j in range(kh) for k in range(kw)):
        start = p0 * hp * wp + j * dh * wp + k * dw
        cols[:, :, t] = xp.lib.stride_tricks.as_strided(
            flat[start:], shape=(b, c, planes, ho * wp),
            strides=(c * dp * hp * wp * e, dp * hp * wp * e, hp * wp * e, e))
    return cols.reshape(b, c * kh * kw, planes * ho * wp)


def _wide_plan(n: int, c: int, c_out: int, geom: Geometry3d, out_size: tuple, wp: int, itemsize: int, xp):
    """Batch blocks and output depth planes per slab for the wide path: a slab's columns (C·kh·kw rows × (ds +
    (kd − 1)·dd) planes of Ho·Wp) within the block budget (or several samples per block for small volumes)."""
    do, ho, _ = out_size
    rows, plane, extra = max(c * geom.taps // geom.kernel[0], c_out), ho * wp, (geom.kernel[0] - 1) * geom.dilation[0]
    budget = CPU_BLOCK_BYTES if xp is np else GPU_BLOCK_BYTES
    per_sample = rows * (do + extra) * plane * itemsize
    blocks = batch_blocks(n, per_sample, xp, columns_per_sample=do * plane, min_blocks=parallel.get_num_threads())
    if per_sample <= budget:
        return blocks, do
    return blocks, min(do, max(budget // (rows * plane * itemsize) - extra, -(-MIN_BLOCK_COLUMNS // plane), 1))


def _weight_by_depth(W, groups: int):
    """Weight (Cout, C/g, kd, kh, kw) → (kd, g, Cout/g, C/g·kh·kw): one GEMM weight per depth offset."""
    xp = get_array_module(W)
    kd = W.shape[2]
    return xp.ascontiguousarray(W.transpose(2, 0, 1, 3, 4)).reshape(kd, groups, W.shape[0] // groups, -1)


def _conv_forward_wide(x, W, b, geom: Geometry3d, groups: int, out_size: tuple):
    """`_conv_forward` in the wide layout, stride 1. Per slab of ds output planes, one copy builds the (kh, kw)
    columns of the ds + (kd − 1)·dd input planes it reads, and

        out[:, slab] = Σ_i W_i @ cols[:, shifted by i·dd planes]      W_i (Cout, C·kh·kw), one GEMM per depth offset

    so each input row is copied kh·kw times instead of kd·kh·kw times; the Wp-wide output rows are cropped to Wo
    (and the bias added) on the way out. cols (B, C·kh·kw, planes·Ho·Wp), out (N, Cout, Do, Ho, Wo)."""
    xp = get_array_module(x)
    n, c = x.shape[:2]
    size, c_out, (do, ho, wo) = x.shape[2:], W.shape[0], out_size
    wp, dd = geom.padded_size(size)[2], geom.dilation[0]
    Wi = _weight_by_depth(W, groups)
    out = xp.empty((n, c_out, *out_size), dtype=x.dtype)
    blocks, depth = _wide_plan(n, c, c_out, geom, out_size, wp, x.itemsize, xp)
    bias = None if b is None else b.reshape(-1, 1, 1, 1)
    run = ho * wp

    def block(blk):
        count = blk.stop - blk.start
        flat = _wide_volume(x[blk], geom)
        for d0, d1 in _slabs(do, depth):
            ds = d1 - d0
            cols = _plane_cols(flat, geom, count, c, size, d0, ds + (W.shape[2] - 1) * dd, ho)
            cols = cols.reshape(count, groups, cols.shape[1] // groups, -1)
            acc = None
            for i in range(W.shape[2]):
                part = xp.matmul(Wi[i], cols[..., i * dd * run:(i * dd + ds) * run])  # (B, g, Cout/g, ds·Ho·Wp)
                acc = part if acc is None else xp.add(acc, part, out=acc)
            res = acc.reshape(count, c_out, ds, ho, wp)[..., :wo]
            if bias is None:
                out[blk, :, d0:d1] = res
            else:  # the bias added on the way out: no second pass over the output
                xp.add(res, bias, out=out[blk, :, d0:d1])
    parallel.sum_over_blocks(blocks, block, xp)
    return out


def _weight_grads_wide(x, W, gy, geom: Geometry3d, groups: int, need_b: bool):
    """(gW, gb or None) in the wide layout, stride 1: per slab the (kh, kw) columns of `_conv_forward_wide` and gy
    laid out wide (B, Cout, Do, Ho·Wp, junk columns zero, so they add nothing) give, per depth offset i,
    gW_iᵀ += cols[:, shifted by i·dd planes] @ gyᵀ   (C·kh·kw × Cout); gb sums gy."""
    xp = get_array_module(x)
    n, c = x.shape[:2]
    size, c_out, (do, ho, wo) = x.shape[2:], W.shape[0], gy.shape[2:]
    (kd, kh, kw), dd = W.shape[2:], geom.dilation[0]
    wp = geom.padded_size(size)[2]
    blocks, depth = _wide_plan(n, c, c_out, geom, gy.shape[2:], wp, x.itemsize, xp)
    run = ho * wp

    def block(blk):
        count = blk.stop - blk.start
        flat = _wide_volume(x[blk], geom)
        gwide = xp.zeros((count, c_out, do, ho, wp), dtype=gy.dtype)
        gwide[..., :wo] = gy[blk]
        gwide = gwide.reshape(count, c_out, do, run)
        gWt = None
        for d0, d1 in _slabs(do, depth):
            ds = d1 - d0
            cols = _plane_cols(flat, geom, count, c, size, d0, ds + (kd - 1) * dd, ho)
            cols = cols.reshape(count, groups, cols.shape[1] // groups, -1)
            g = gwide[:, :, d0:d1].reshape(count, groups, c_out // groups, ds * run).swapaxes(2, 3)
            parts = xp.stack([xp.matmul(cols[..., i * dd * run:(i * dd + ds) * run], g).sum(axis=0)
                              for i in range(kd)])  # (kd, g, C/g·kh·kw, Cout/g)
            gWt = parts if gWt is None else xp.add(gWt, parts, out=gWt)
        return gWt, (gy[blk].sum(axis=(0, 2, 3, 4)) if need_b else None)
    sums = parallel.sum_over_blocks(blocks, block, xp)
    gb = None if not need_b else (sums[1] if sums else xp.zeros(c_out, W.dtype))
    if not sums:
        return xp.zeros(W.shape, W.dtype), gb
    # (kd, g, C/g, kh·kw, Cout/g) → (g, Cout/g, C/g, kd, kh·kw) = (Cout, C/g, kd, kh, kw)
    gWt = sums[0].reshape(kd, groups, c // groups, kh * kw, c_out // groups)
    return xp.ascontiguousarray(gWt.transpose(1, 4, 2, 0, 3)).reshape(W.shape), gb


def _correlation_geometry(geom: Geometry3d, size: tuple, out_size: tuple) -> Geometry3d | None:
    """The geometry under which a stride-1 convolution's input gradient (size D) is a plain convolution of gy
    (size Do) with the flipped kernel: gx[z] = Σ_t Wflip[t]·gy[z + t·d − (k − 1)·d + before], i.e. gy padded by
    (k − 1)·d − before in front and D + before − Do behind (= (k − 1)·d − after, plus any output_padding of a
    transposed convolution). None where that is negative (padding wider than the dilated kernel)."""
    before = tuple((k - 1) * d - p for k, d, p in zip(geom.kernel, geom.dilation, geom.before))
    after = tuple(n + p - m for n, p, m in zip(size, geom.before, out_size))
    if geom.stride != (1, 1, 1) or min(before + after) < 0:
        return None
    return Geometry3d(geom.kernel, (1, 1, 1), geom.dilation, before, after)


def _flipped_weight(W, groups: int):
    """The weight of the input-gradient convolution: W (Cout, C/g, kd, kh, kw) with in and out channels swapped
    per group and the kernel flipped on all three axes → (C, Cout/g, kd, kh, kw)."""
    xp = get_array_module(W)
    c_out, c_g = W.shape[:2]
    Wg = W.reshape(groups, c_out // groups, c_g, *W.shape[2:]).swapaxes(1, 2)
    return xp.ascontiguousarray(Wg[..., ::-1, ::-1, ::-1]).reshape(groups * c_g, c_out // groups, *W.shape[2:])


def _finish_grads(sums, W, need_w: bool, need_b: bool) -> tuple:
    """(gW, gb) from the block sums (gWᵀ by group, gb); zeros for an empty batch, None where not needed."""
    xp = get_array_module(W)
    gWt, gb = sums or (None, None)
    gW = None
    if need_w:
        gW = xp.zeros(W.shape, W.dtype) if gWt is None else xp.ascontiguousarray(gWt.swapaxes(1, 2)).reshape(W.shape)
    if need_b and gb is None:
        gb = xp.zeros(W.shape[0], W.dtype)
    return gW, gb


def _conv_forward(x, W, b, geom: Geometry3d, groups: int, out_size: tuple):
    """out (N, Cout, Do, Ho, Wo) = W @ vol2col(x) + b, one GEMM per slab (and group); b may be None."""
    if _wide(geom, x.shape[2:], out_size, W.shape[1], W.shape[0] // groups):
        return _conv_forward_wide(x, W, b, geom, groups, out_size)
    xp = get_array_module(x)
    n, c = x.shape[:2]
    c_out = W.shape[0]
    Wg = _grouped_weight(W, groups)
    out = xp.empty((n, c_out, *out_size), dtype=x.dtype)
    blocks, depth = _plan(n, max(c * geom.taps, c_out), out_size, x.itemsize, xp)

    def block(blk):
        xpad = _padded_channels_first(x[blk], geom)
        count = xpad.shape[1]
        for d0, d1 in _slabs(out_size[0], depth):
            cols = _vol2col(xpad, geom, d0, (d1 - d0, *out_size[1:]))
            cols = cols.reshape(groups, cols.shape[0] // groups, -1)
            if count == 1:  # straight into the output: (Cout, ds, Ho, Wo) of one sample is a matrix view
                xp.matmul(Wg, cols, out=out[blk.start, :, d0:d1].reshape(groups, c_out // groups, -1))
            else:
                res = xp.matmul(Wg, cols).reshape(c_out, count, d1 - d0, *out_size[1:])
                out[blk, :, d0:d1] = res.transpose(1, 0, 2, 3, 4)
        if b is not None:
            out[blk] += b.reshape(1, -1, 1, 1, 1)
    parallel.sum_over_blocks(blocks, block, xp)
    return out


def _conv_backward(x, W, gy, geom: Geometry3d, groups: int, need_x: bool, need_w: bool, need_b: bool):
    """(gx, gW, gb) of a convolution of x with W, each None unless needed, from the output gradient gy: per slab,
    one vol2col feeds gW = (cols @ gyᵀ)ᵀ, and gx = col2vol(Wᵀ @ gy); gb sums gy per channel."""
    # gx as a forward convolution of gy, no col2vol scatter, where its copies (Cout/g·kh·kw rows per output plane)
    # cost less than the scatter's adds (C/g·kd·kh·kw rows, an add costing about two copies); Conv3d(1, 16, 3) on
    # 16×28³, 1 thread, gx: scatter 12.7 ms, correlation 25.9; Conv3d(16, 32, 3) on 16×14³: 38.9 vs 24.2
    corr = _correlation_geometry(geom, x.shape[2:], gy.shape[2:]) if need_x else None
    if corr is not None and 2 * W.shape[1] * geom.kernel[0] >= W.shape[0] // groups:
        gx = _conv_forward(gy, _flipped_weight(W, groups), None, corr, groups, x.shape[2:])
        rest = _conv_backward(x, W, gy, geom, groups, False, need_w, need_b)[1:] if need_w or need_b else (None, None)
        return (gx, *rest)
    if need_w and not need_x and _wide(geom, x.shape[2:], gy.shape[2:], W.shape[1], W.shape[0] // groups):
        return (None, *_weight_grads_wide(x, W, gy, geom, groups, need_b))
    xp = get_array_module(x)
    n, c = x.shape[:2]
    size, out_size = x.shape[2:], gy.shape[2:]
    c_out = W.shape[0]
    Wg = _grouped_weight(W, groups)
    WgT = Wg.swapaxes(1, 2) if need_x else None
    gx = xp.empty_like(x) if need_x else None
    blocks, depth = _plan(n, max(c * geom.taps, c_out), out_size, x.itemsize, xp)
    (bd, bh, bw), (d, h, w) = geom.before, size

    def block(blk):
        xpad = _padded_channels_first(x[blk], geom) if need_w else None
        count = blk.stop - blk.start
        gpad = xp.zeros((c, count, *geom.padded_size(size)), dtype=x.dtype) if need_x else None
        gWt = gb = None
        for d0, d1 in _slabs(out_size[0], depth):
            slab = (d1 - d0, *out_size[1:])
            g = _gy_columns(gy, blk, d0, d1, groups)
            if need_w:
                cols = _vol2col(xpad, geom, d0, slab)
                part = xp.matmul(cols.reshape(groups, cols.shape[0] // groups, -1), g.swapaxes(1, 2))
                gWt = part if gWt is None else xp.add(gWt, part, out=gWt)
            if need_x:
                _col2vol(xp.matmul(WgT, g), gpad, geom, d0, slab)
            if need_b:
                part = g.sum(axis=2).reshape(-1)
                gb = part if gb is None else xp.add(gb, part, out=gb)
        if need_x:
            gx[blk] = gpad[:, :, bd:bd + d, bh:bh + h, bw:bw + w].transpose(1, 0, 2, 3, 4)
        return gWt, gb
    return (gx, *_finish_grads(parallel.sum_over_blocks(blocks, block, xp), W, need_w, need_b))


class Conv3d(Function):
    """3-D convolution (N, C, D, H, W) with weight (Cout, C/g, kd, kh, kw) and optional bias."""

    def forward(self, x, W, b=None, *, geom, groups):
        self.x, self.W, self.geom, self.groups = x, W, geom, groups
        return _conv_forward(x, W, b, geom, groups, geom.out_size(x.shape[2:]))

    def backward(self, gy):
        need = tuple(self.needs_input_grad) + (False,)
        grads = _conv_backward(self.x, self.W, gy, self.geom, self.groups, *need[:3])
        return grads[:len(self.needs_input_grad)]


class ConvTranspose3d(Function):
    """Transposed 3-D convolution: the adjoint of Conv3d with the same weight (Cin, Cout/g, kd, kh, kw) and
    geometry, output spatial size `size` given."""

    def forward(self, x, W, b=None, *, geom, groups, size):
        self.x, self.W, self.geom, self.groups = x, W, geom, groups
        n = x.shape[0]
        like = get_array_module(x).empty((n, W.shape[1] * groups, *size), dtype=x.dtype)  # only its shape is read
        out, _, _ = _conv_backward(like, W, x, geom, groups, True, False, False)
        if b is not None:
            out += b.reshape(1, -1, 1, 1, 1)
        return out

    def backward(self, gy):
        need_x, need_w, need_b = (tuple(self.needs_input_grad) + (False,))[:3]
        x, W, geom, groups = self.x, self.W, self.geom, self.groups
        gx = _conv_forward(gy, W, None, geom, groups, x.shape[2:]) if need_x else None
        gW = _conv_backward(gy, W, x, geom, groups, False, True, False)[1] if need_w else None
        gb = gy.sum(axis=(0, 2, 3, 4)) if need_b else None
        return (gx, gW, gb)[:len(self.needs_input_grad)]


# ---- argument handling (PyTorch's names and conventions) ----------------------------------------
def triple(value, name: str, op: str) -> tuple[int, int, int]:
    """An int or a 3-tuple (depth, height, width) as a 3-tuple of ints."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * 3
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * 3
    if len(value) != 3:
        raise ValueError(f"{op}: {name} must be an int or a triple, got {value}")
    return value


def conv3d_padding(padding, kernel: tuple, stride: tuple, dilation: tuple, op: str = "conv3d") -> tuple:
    """(before, after) triples for an int, a triple, 'valid' or 'same' (any odd voxel goes at the end, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0), (0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a triple, 'same' or 'valid', got {padding!r}")
        if tuple(stride) != (1, 1, 1):
            raise ValueError(f"{op}: padding='same' needs stride 1 (got stride {stride}), as in PyTorch")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)
    p = triple(padding, "padding", op)
    return p, p


def _check(op: str, x: Tensor, W: Tensor, b: Tensor | None, c_in: int, groups: int, bias_size: int) -> None:
    if x.ndim != 5:
        raise ValueError(f"{op}: expected input of shape (N, C, D, H, W), got {tuple(x.shape)}")
    if W.ndim != 5:
        raise ValueError(f"{op}: expected a 5-D weight, got {tuple(W.shape)}")
    if groups < 1:
        raise ValueError(f"{op}: groups must be positive, got {groups}")
    if x.shape[1] != c_in:
        raise ValueError(f"{op}: input has {x.shape[1]} channels but the weight {tuple(W.shape)} expects {c_in} "
                         f"(groups={groups})")
    if x.dtype != W.dtype:
        raise TypeError(f"{op}: input dtype {x.dtype} differs from weight dtype {W.dtype}")
    if b is not None and tuple(b.shape) != (bias_size,):
        raise ValueError(f"{op}: bias of shape {tuple(b.shape)} does not match weight {tuple(W.shape)}")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-D convolution of input (N, C, D, H, W) with weight (Cout, C/groups, kd, kh, kw) → (N, Cout, Do, Ho, Wo).

    Do = ⌊(D + pad_front + pad_back − dilation·(kd − 1) − 1) / stride⌋ + 1 (likewise Ho, Wo); padding is an int,
    a triple, 'valid' (0) or 'same' (output as big as the input, stride 1).
    """
    stride, dilation = triple(stride, "stride", "conv3d"), triple(dilation, "dilation", "conv3d")
    if weight.ndim == 5 and groups >= 1 and weight.shape[0] % groups:
        raise ValueError(f"conv3d: {weight.shape[0]} output channels are not divisible by groups={groups}")
    _check("conv3d", input, weight, bias, weight.shape[1] * groups, groups, weight.shape[0])
    kernel = tuple(weight.shape[2:])
    before, after = conv3d_padding(padding, kernel, stride, dilation)
    geom = Geometry3d(kernel, stride, dilation, before, after)
    if min(geom.out_size(input.shape[2:])) < 1:
        raise ValueError(f"conv3d: input {tuple(input.shape)} is smaller than the dilated kernel {kernel} "
                         f"(dilation {dilation}, padding {padding})")
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return Conv3d.apply(*inputs, geom=geom, groups=groups)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed convolution of input (N, Cin, D, H, W) with weight (Cin, Cout/groups, kd, kh, kw) →
    (N, Cout, Do, Ho, Wo), the input gradient of conv3d.

    Do = (D − 1)·stride − 2·padding + dilation·(kd − 1) + output_padding + 1 (PyTorch's formula, likewise Ho, Wo);
    output_padding picks among the input sizes a strided conv3d maps to the same output size.
    """
    op = "conv_transpose3d"
    stride, dilation = triple(stride, "stride", op), triple(dilation, "dilation", op)
    pad, out_pad = triple(padding, "padding", op), triple(output_padding, "output_padding", op)
    if any(o >= max(s, d) for o, s, d in zip(out_pad, stride, dilation)):
        raise ValueError(f"{op}: output_padding {out_pad} must be smaller than stride {stride} or dilation {dilation}")
    _check(op, input, weight, bias, weight.shape[0] if weight.ndim == 5 else -1, groups,
           weight.shape[1] * groups if weight.ndim == 5 else -1)
    if weight.shape[0] % groups:
        raise ValueError(f"{op}: {weight.shape[0]} input channels are not divisible by groups={groups}")
    kernel = tuple(weight.shape[2:])
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1
                 for n, s, p, d, k, o in zip(input.shape[2:], stride, pad, dilation, kernel, out_pad))
    if min(size) < 1:
        raise ValueError(f"{op}: input {tuple(input.shape)} with padding {padding} gives an empty output {size}")
    # the output_padding planes lie past the last window: no window touches them, so they get only the bias
    geom = Geometry3d(kernel, stride, dilation, pad, pad)
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return ConvTranspose3d.apply(*inputs, geom=geom, groups=groups, size=size)
