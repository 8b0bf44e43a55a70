"""3×3 stride-1 convolution by Winograd's F(2×2, 3×3): 16 small GEMMs instead of one 2.25x bigger one.

Each output tile of 2×2 pixels needs a 4×4 input tile d; with the filter g transformed once,
    out_tile = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
and the channel sum happens inside the ⊙: for each of the 16 positions p of the 4×4 tile it is one GEMM
(tiles × C) @ (C × Cout). That is 16·C·Cout multiply-adds per tile against 36·C·Cout for the direct
(im2col) GEMM. The transforms' coefficients are 0 and ±1 (the ½ of G goes into the filter), so float32
keeps its accuracy; along a tile's outer axis they run as GEMMs with K = 4, elsewhere as adds. All three
passes of a convolution use it:
    forward      out = winograd(x, W)
    input grad   gx  = overlap-add of B [ Σ_k U_k ⊙ (A gy_tile Aᵀ) ] Bᵀ        (the adjoint of the forward)
    weight grad  gW  = Gᵀ [ Σ_tiles (A gy_tile Aᵀ) ⊙ (Bᵀ d B) ] G               (the same tiles, the
                                                                                   transposed algorithm)
The work runs channels-last, (tile row, tile column, sample, channel), so every add moves long contiguous
runs; a block of a few samples is transformed and multiplied while it is in cache, blocks shared among
the CPU threads. Only the layout copies in and out touch NCHW.
"""

from __future__ import annotations

import numpy as np

from .. import parallel
from ..backend import get_array_module
from .im2col import Geometry, batch_blocks, unaliased

# Winograd wins once the GEMMs dominate: below this many channels on either side of a layer the transforms
# cost as much as the multiplications they save (2 threads, ms forward + backward, im2col vs Winograd:
# 16 → 16 channels on 28×28 21.0 vs 18.0; 16 → 32 on 14×14 4.7 vs 4.2; 8 → 16 on 28×28 10.1 vs 11.9).
MIN_CHANNELS = 16
# ... and with at least this many 2×2 tiles in the whole batch: each of the 16 GEMMs streams its C × Cout
# filter tiles (16 MB for 512 channels) through for the tile rows it has. 512 channels, 2 threads, ms
# forward + backward: 4×4 maps × 64 samples (256 tiles) 106 vs 92; 7×7 × 8 (128 tiles) 48 vs 60; 4×4 × 8
# (32 tiles) 29 vs 50.
MIN_TILES = 256
# Per-block budget of the transformed tiles (16 positions × tiles × channels): the tiles, the GEMM results
# and both transforms stay in L2/L3 while a block is processed (1 MB and 3-4 MB blocks were slower) ...
BLOCK_BYTES = 2 << 20
# ... but at least this many tile rows per GEMM, for layers with many channels (512: backward 10% faster)
MIN_BLOCK_ROWS = 256

_A_T = np.array([[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, -1.0, -1.0]])  # output transform Aᵀ, 2×4
# the input gradient's transform: B = (Bᵀ)ᵀ with the sign of entry 3 flipped on the way in and out (see
# `_input_tiles_adjoint`), so it passes entries 0 and 3 through
_B_FLIPPED = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, -1.0, -1.0], [-1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])  # filter transform, 4×3
# The weight gradient's output transform: G with its last row negated, because the gradient's tile transform
# A' = [[1, 0], [1, 1], [1, −1], [0, 1]] keeps the last row of Aᵀ's transpose as +1 (a copy, not a negation).
_G_GRAD = _G * np.array([1.0, 1.0, 1.0, -1.0])[:, None]


def applies(W, geom: Geometry, groups: int, n: int, out_size: tuple) -> bool:
    """Whether a convolution with weight W of a batch of n can take the Winograd path: 3×3, stride 1, no
    dilation, one group, padding 0-2 per side, enough channels and tiles, float32 or float64 on the CPU."""
    c_out, c_in = W.shape[:2]
    pixels = n * out_size[0] * out_size[1]
    tiles = n * -(-out_size[0] // 2) * -(-out_size[1] // 2)
    return (type(W) is np.ndarray and W.dtype in (np.float32, np.float64) and groups == 1
            and (geom.kh, geom.kw, geom.sh, geom.sw, geom.dh, geom.dw) == (3, 3, 1, 1, 1, 1)
            and max(geom.pad_top, geom.pad_bottom, geom.pad_left, geom.pad_right) <= 2
            and min(c_in, c_out) >= MIN_CHANNELS and tiles >= MIN_TILES
            and 16 * c_out <= 9 * pixels)  # the filter tiles (16·C·Cout) no bigger than the im2col matrix


def conv_forward(x, W, b, geom: Geometry):
    """out (N, Cout, Ho, Wo) = conv2d(x, W) + b (b may be None) for a geometry that `applies`."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    c_out = W.shape[0]
    ho, wo = geom.out_size(h, w)
    th, tw = -(-ho // 2), -(-wo // 2)
    U, A_T = _filter_tiles(W), xp.asarray(_A_T, dtype=x.dtype)
    out = xp.empty((n, c_out, ho, wo), dtype=x.dtype)

    def block(blk):
        M = xp.matmul(_input_tiles(x[blk], geom.pad_top, geom.pad_left, th, tw), U)  # (16, tiles, Cout)
        if b is not None:
            M[5] += b  # position (1, 1) enters every output pixel of its tile with weight 1
        Y = _sandwich(A_T, M.reshape(4, 4, th, tw, -1, c_out), A_T)  # Aᵀ M A: Y[r, c] is pixel (r, c) of each tile
        for row in (0, 1):
            for col in (0, 1):
                rows, cols = (ho - row + 1) // 2, (wo - col + 1) // 2
                out[blk, :, row::2, col::2] = Y[row, col, :rows, :cols].transpose(2, 3, 0, 1)
    parallel.sum_over_blocks(_blocks(n, th * tw, max(c, c_out), x.itemsize), block, xp)
    return out


def conv_backward(x, W, gy, geom: Geometry, need_x: bool, need_w: bool, need_b: bool) -> tuple:
    """(gx, gW, gb) of conv2d(x, W) + b for a geometry that `applies`, each None unless needed.

    Both gradients start from the same transformed gradient tiles T = A gy_tile Aᵀ (16 per 2×2 tile of gy):
    gW sums T ⊙ (Bᵀ d B) over the tiles (16 GEMMs with the tiles as the inner dimension), and gx is the
    adjoint of the forward, B [Σ_k U_k ⊙ T_k] Bᵀ per 4×4 input tile, the overlapping tiles added up.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    c_out, ho, wo = gy.shape[1:]
    th, tw = -(-ho // 2), -(-wo // 2)
    gx = xp.empty_like(x) if need_x else None
    U_t = _filter_tiles(W.swapaxes(0, 1)) if need_x else None  # (16, Cout, C): made in that order, no copy

    def block(blk):
        g = _gradient_tiles(gy[blk], th, tw)  # (16, tiles, Cout)
        if need_x:
            gx[blk] = _input_tiles_adjoint(xp.matmul(g, U_t), geom.pad_top, geom.pad_left, th, tw, h, w)
        sums = None
        if need_w:
            sums = xp.matmul(g.swapaxes(1, 2), _input_tiles(x[blk], geom.pad_top, geom.pad_left, th, tw))
        return sums, (g[5].sum(axis=0) if need_b else None)  # position (1, 1) is the sum of its tile
    blocks = _blocks(n, th * tw, max(c, c_out), x.itemsize)
    sums, gb = parallel.sum_over_blocks(blocks, block, xp) or (None, None)
    gW = None
    if need_w:
        G = xp.asarray(_G_GRAD.T, dtype=x.dtype)
        gW = xp.ascontiguousarray(_sandwich(G, sums.reshape(4, 4, c_out, c), G).transpose(2, 3, 0, 1))
    return gx, gW, gb


# ---- the transforms -------------------------------------------------------------------------------------
def _filter_tiles(W):
    """U (16, C, Cout) = G W Gᵀ per filter, laid out for the GEMM (tiles × C) @ U."""
    xp = get_array_module(W)
    G = xp.asarray(_G, dtype=W.dtype)
    return _sandwich(G, W.transpose(2, 3, 1, 0), G).reshape(16, W.shape[1], W.shape[0])


def _sandwich(left, X, right):
    """Y[p, q, …] = Σ_ij left[p, i] X[i, j, …] right[q, j]: a transform on both sides of every tile, as two GEMMs
    (4x faster than einsum on a 64×32 filter bank)."""
    xp = get_array_module(X)
    Y = xp.matmul(left, X.reshape(X.shape[0], -1)).reshape(left.shape[0], X.shape[1], -1)
    return xp.matmul(right, Y).reshape(left.shape[0], right.shape[0], *X.shape[2:])


def _input_tiles(x, pad_top: int, pad_left: int, th: int, tw: int):
    """V (16, th·tw·B, C) = Bᵀ d B for the th × tw overlapping 4×4 tiles (stride 2) of x (B, C, H, W) placed at
    (pad_top, pad_left) in a zero image; tile rows are (tile row, tile column, sample)."""
    xp = get_array_module(x)
    b, c, h, w = x.shape
    x = unaliased(x)
    # zero image (2·th + 2 rows, column parity, th + 1 column pairs, B, C): column 2q + p is [:, p, q], so the
    # four columns of a tile row are whole contiguous runs [:, p, q0:q0 + tw] of the buffer
    covered = pad_top == pad_left == 0 and h >= 2 * th + 2 and w >= 2 * tw + 2  # no padding, no ragged edge
    image = (xp.empty if covered else xp.zeros)((2 * th + 2, 2, tw + 1, b, c), dtype=x.dtype)
    rows = min(h, 2 * th + 2 - pad_top)
    for parity, columns, pairs in _columns_by_parity(pad_left, min(w, 2 * tw + 2 - pad_left)):
        image[pad_top:pad_top + rows, parity, pairs] = x[:, :, :rows, columns].transpose(2, 3, 0, 1)
    rows_t = xp.empty((4, th, 2, tw + 1, b, c), dtype=x.dtype)  # Bᵀ over the four rows of every tile
    _apply_Bt([image[k:k + 2 * th:2] for k in range(4)], rows_t, xp)
    V = xp.empty((4, 4, th, tw, b, c), dtype=x.dtype)  # then over its four columns
    _apply_Bt([rows_t[:, :, 0, :tw], rows_t[:, :, 1, :tw], rows_t[:, :, 0, 1:], rows_t[:, :, 1, 1:]],
              V.swapaxes(0, 1), xp)
    return V.reshape(16, th * tw * b, c)


def _apply_Bt(d, out, xp) -> None:
    """Bᵀ along one axis of a tile, given its four entries d: out[0..3] = d0 − d2, d1 + d2, d2 − d1, d1 − d3."""
    xp.subtract(d[0], d[2], out=out[0])
    xp.add(d[1], d[2], out=out[1])
    xp.subtract(d[2], d[1], out=out[2])
    xp.subtract(d[1], d[3], out=out[3])


def _input_tiles_adjoint(Z, pad_top: int, pad_left: int, th: int, tw: int, h: int, w: int):
    """The adjoint of `_input_tiles`: B Z Bᵀ per tile for Z (16, th·tw·B, C), the overlapping 4×4 tiles added
    onto a zero image and the (B, C, h, w) at (pad_top, pad_left) cut out of it.

    Z comes from gradient tiles made with A' (last entry not negated) and unmodified filter tiles, so its last
    row and column carry a flipped sign; with B = [[1, 0, 0, 0], [0, 1, −1, 1], [−1, 1, 1, 0], [0, 0, 0, −1]]
    the flips cancel and B passes the first and last entries through (`_B_FLIPPED`).
    """
    xp = get_array_module(Z)
    c = Z.shape[2]
    b = Z.shape[1] // (th * tw)
    B = xp.asarray(_B_FLIPPED, dtype=Z.dtype)
    # B over the rows of every tile, then over its columns: one GEMM each (K = 4), faster than four adds and
    # one call instead of four. Z[a, b] is then pixel (a, b) of each 4×4 tile.
    Z = xp.matmul(B, xp.matmul(B, Z.reshape(4, -1)).reshape(4, 4, -1)).reshape(4, 4, th, tw, b, c)
    # tile (ty, tx) covers rows 2·ty .. 2·ty + 3: rows 0-1 of a tile share image rows with rows 2-3 of the tile
    # above. Rows first: (th + 1 row pairs, 2, 4 columns, tw, B, C)
    rows = xp.empty((th + 1, 2, 4, tw, b, c), dtype=Z.dtype)
    rows[:th] = Z[:2].transpose(2, 0, 1, 3, 4, 5)
    rows[th] = 0
    rows[1:] += Z[2:].transpose(2, 0, 1, 3, 4, 5)
    # then columns, into the image layout of `_input_tiles`: (rows, column parity, tw + 1 column pairs, B, C)
    image = xp.empty((th + 1, 2, 2, tw + 1, b, c), dtype=Z.dtype)
    image[:, :, :, :tw] = rows[:, :, :2]
    image[:, :, :, tw] = 0
    image[:, :, :, 1:] += rows[:, :, 2:]
    image = image.reshape(2 * th + 2, 2, tw + 1, b, c)
    out = xp.empty((b, c, h, w), dtype=Z.dtype)
    for parity, columns, pairs in _columns_by_parity(pad_left, w):
        out[:, :, :, columns] = image[pad_top:pad_top + h, parity, pairs].transpose(2, 3, 0, 1)
    return out


def _columns_by_parity(pad_left: int, w: int):
    """For each parity p of the image columns: (p, the columns of x (a slice of range(w)) that land on it at
    offset pad_left, the column pairs q they land on): column c of x is image column c + pad_left = 2q + p."""
    for parity in (0, 1):
        first = (parity - pad_left) % 2
        count = len(range(first, w, 2))
        q0 = (pad_left + first) // 2
        yield parity, slice(first, first + 2 * count - 1, 2), slice(q0, q0 + count)


def _gradient_tiles(gy, th: int, tw: int):
    """A' g A'ᵀ (16, th·tw·B, Cout) for the 2×2 tiles g of gy (B, Cout, Ho, Wo), zero past its edge;
    A' = [[1, 0], [1, 1], [1, −1], [0, 1]] (see `_G_GRAD`)."""
    xp = get_array_module(gy)
    b, c, ho, wo = gy.shape
    out = (xp.zeros if ho % 2 or wo % 2 else xp.empty)((4, 4, th, tw, b, c), dtype=gy.dtype)
    gy = unaliased(gy)
    # A' passes its first and last entries through, so the corners of the 4×4 result are the tile itself
    for i in (0, 1):
        for j in (0, 1):
            part = gy[:, :, i::2, j::2]
            out[3 * i, 3 * j, :part.shape[2], :part.shape[3]] = part.transpose(2, 3, 0, 1)
    corner_columns = out[:, ::3]  # columns 0 and 3 of every row
    xp.add(corner_columns[0], corner_columns[3], out=corner_columns[1])
    xp.subtract(corner_columns[0], corner_columns[3], out=corner_columns[2])
    xp.add(out[:, 0], out[:, 3], out=out[:, 1])
    xp.subtract(out[:, 0], out[:, 3], out=out[:, 2])
    return out.reshape(16, th * tw * b, c)


def _blocks(n: int, tiles: int, channels: int, itemsize: int) -> list[slice]:
    """Batch blocks whose transformed tiles (16 × tiles × channels per sample) fit `BLOCK_BYTES`, with at least
    `MIN_BLOCK_ROWS` tiles and one block per CPU thread."""
    return batch_blocks(n, 16 * tiles * channels * itemsize, np, columns_per_sample=tiles,
                        min_blocks=parallel.get_num_threads(), budget=BLOCK_BYTES, min_columns=MIN_BLOCK_ROWS)
