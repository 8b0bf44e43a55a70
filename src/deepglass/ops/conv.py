"""2-D convolution and transposed convolution as im2col + GEMM (NCHW, PyTorch semantics).

Forward:  out = W @ im2col(x)     (one GEMM per block of the batch: cols are (C·kh·kw, B·Ho·Wo), or
                                   B·Ho·Wp in the "wide" layout, whose junk columns must be zero: see `im2col`)
          out[n] = [W | b] @ [cols_n; 1]   (one GEMM per sample, straight into the output, bias included,
                                   for maps of at least MIN_SAMPLE_COLUMNS pixels: see `im2col_per_sample`)
Backward: gW  = Σ_blocks gy @ im2col(x)ᵀ,  gx = col2im(Wᵀ @ gy)   (first layers: gW sample by sample)
3×3 stride-1 layers with enough channels and pixels take Winograd's F(2×2, 3×3) instead, all three passes
(`winograd.py`: 2.25x fewer multiply-adds).
The blocks are shared out among the CPU threads (`deepglass.parallel`); weight and bias gradients are
summed block by block in a fixed order.
A transposed convolution is the input gradient of a convolution, so its forward is `col2im(Wᵀ @ x)`
and its backward is the convolution forward: the same four loops serve both. Columns are recomputed
in backward instead of being kept from forward: an im2col copy costs less than holding the matrix.
Groups are the batch axis of matmul (weights `(g, Cout/g, C/g·kh·kw)`), never a Python loop.
"""

from __future__ import annotations

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from . import shape as shape_ops
from . import winograd
from .im2col import Geometry, batch_blocks, col2im, col2im_channels_last, im2col, im2col_per_sample

# Layers with at most this many weight columns (C·kh·kw, e.g. a CNN's first layer on 1 or 3 channels) that
# need no input gradient get their weight gradient sample by sample (`_thin_weight_grads`). The MNIST
# layer (9 columns), 1 thread: 5.8 -> 1.2 ms; 3×3 on 3 channels (27): 9.9 -> 4.7 ms; on 8 channels (72) it
# would lose (10.9 -> 13.0 ms).
THIN_WEIGHT_COLUMNS = 32
# Forward GEMMs sample by sample, straight into the output (`im2col_per_sample`), once a sample has this many
# output pixels; on smaller maps per-sample GEMMs are too thin and one GEMM per block wins. 3×3 convs,
# 1 thread, forward ms, per block vs per sample: the 1-channel MNIST layer 2.6 vs 1.3; 26×26, 32→64
# channels 37.8 vs 35.6; 28×28×128 99 vs 87; 14×14×256 92 vs 89; 10×10 even (×256 51 vs 49, ×512 195 vs
# 196); 8×8×512 114 vs 144; 7×7×512 81 vs 108
MIN_SAMPLE_COLUMNS = 128


def _channels_first(a, groups: int, wp: int | None):
    """Batch block (B, C, Ho, Wo) → (g, C/g, columns), the column layout of GEMM results (see `im2col`):
    (Ho, B, Wp) with zero junk columns when wide (`wp` given), else (B, Ho, Wo)."""
    xp = get_array_module(a)
    b, c, ho, wo = a.shape
    if wp is None:
        return xp.ascontiguousarray(a.transpose(1, 0, 2, 3)).reshape(groups, c // groups, -1)
    out = xp.zeros((c, ho, b, wp), dtype=a.dtype)
    out[..., :wo] = a.transpose(1, 2, 0, 3)
    return out.reshape(groups, c // groups, -1)


def _batch_first(a, b: int, ho: int, wo: int, wp: int | None):
    """(g, C/g, columns) → (B, C, Ho, Wo), the inverse of `_channels_first` (a view; assigning copies it)."""
    if wp is None:
        return a.reshape(-1, b, ho, wo).transpose(1, 0, 2, 3)
    return a.reshape(-1, ho, b, wp)[..., :wo].transpose(2, 0, 1, 3)


def _grouped_weight(W, groups: int):
    """Weight (Cout, C/g, kh, kw) → (g, Cout/g, C/g·kh·kw)."""
    return W.reshape(groups, W.shape[0] // groups, -1)


def _weight_by_offset(W):
    """Weight (A, B, kh, kw) → (A, kh·kw·B): the columns ordered (i, j, b), as `col2im_channels_last` reads them."""
    return get_array_module(W).ascontiguousarray(W.transpose(0, 2, 3, 1)).reshape(W.shape[0], -1)


def _channels_last_col2im(a, W_by_offset, geom: Geometry, h: int, w: int):
    """col2im(Wᵀ @ a) for a block a (B, A, Ho, Wo) in the compact layout, one group: the GEMM is turned
    round (aᵀ @ W) so the sums run channels-last (`col2im_channels_last`)."""
    xp = get_array_module(a)
    b, channels, ho, wo = a.shape
    a_t = xp.ascontiguousarray(a.transpose(0, 2, 3, 1)).reshape(-1, channels)
    return col2im_channels_last(a_t @ W_by_offset, geom, b, h, w, ho, wo)


def _cols(x, geom: Geometry, groups: int, ho: int, wo: int):
    """im2col of a block, split by group: (g, C/g·kh·kw, columns)."""
    cols = im2col(x, geom, ho, wo)
    return cols.reshape(groups, cols.shape[0] // groups, cols.shape[1])


def _blocks(n: int, c: int, other: int, geom: Geometry, ho: int, wo: int, wp: int | None, itemsize: int,
            xp) -> list[slice]:
    """Batch blocks sized by one sample's columns (C·kh·kw rows × Ho·(Wp or Wo)) or by the GEMM's other side
    when it is taller (`other` channels: few input channels, many filters); at least one block per CPU thread."""
    columns = ho * (wo if wp is None else wp)
    return batch_blocks(n, max(c * geom.kh * geom.kw, other) * columns * itemsize, xp, columns_per_sample=columns,
                        min_blocks=parallel.get_num_threads())


def _weight_and_bias_grads(sums, W, need_w: bool, need_b: bool, bias_size: int) -> tuple:
    """(gW, gb) from the block sums (gWᵀ by group, gb); zeros for an empty batch, None where not needed."""
    xp = get_array_module(W)
    gWt, gb = sums or (None, None)
    gW = None
    if need_w:
        gW = xp.zeros(W.shape, W.dtype) if gWt is None else xp.ascontiguousarray(gWt.swapaxes(1, 2)).reshape(W.shape)
    if need_b and gb is None:
        gb = xp.zeros(bias_size, W.dtype)
    return gW, gb


def _with_bias_column(W, b):
    """Weight (Cout, C, kh, kw) → (Cout, C·kh·kw), with the bias (if any) appended as a last column."""
    xp = get_array_module(W)
    W2 = W.reshape(W.shape[0], -1)
    return W2 if b is None else xp.concatenate([W2, b.reshape(-1, 1)], axis=1)


def _per_sample(groups: int, ho: int, wo: int) -> bool:
    """Whether a convolution's GEMMs run sample by sample (`im2col_per_sample`): one group and enough pixels."""
    return groups == 1 and ho * wo >= MIN_SAMPLE_COLUMNS


def _sample_blocks(n: int, columns_per_sample: int, itemsize: int, xp) -> list[slice]:
    """Batch blocks for per-sample columns, at least one per CPU thread."""
    return batch_blocks(n, columns_per_sample * itemsize, xp, min_blocks=parallel.get_num_threads())


def _conv_forward_per_sample(x, W, b, geom: Geometry, ho: int, wo: int):
    """out[n] = [W | b] @ [cols_n; 1], each sample's GEMM written straight into the output: no layout copy of
    the output and no separate bias pass (the wide layout needs both)."""
    xp = get_array_module(x)
    n, c_out = x.shape[0], W.shape[0]
    Wb = _with_bias_column(W, b)
    out = xp.empty((n, c_out, ho, wo), dtype=x.dtype)

    def block(blk):
        cols = im2col_per_sample(x[blk], geom, ho, wo, ones=b is not None)
        xp.matmul(Wb, cols, out=out[blk].reshape(-1, c_out, ho * wo))
    parallel.sum_over_blocks(_sample_blocks(n, Wb.shape[1] * ho * wo, x.itemsize, xp), block, xp)
    return out


def _conv_forward(x, W, b, geom: Geometry, groups: int):
    """out (N, Cout, Ho, Wo) = W @ im2col(x) + b, one GEMM per block (and group) or per sample; b may be None."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    ho, wo = geom.out_size(h, w)
    if winograd.applies(W, geom, groups, n, (ho, wo)):
        return winograd.conv_forward(x, W, b, geom)
    if _per_sample(groups, ho, wo):
        return _conv_forward_per_sample(x, W, b, geom, ho, wo)
    Wg = _grouped_weight(W, groups)
    wp = geom.row_width(w, wo)
    out = xp.empty((n, W.shape[0], ho, wo), dtype=x.dtype)

    def block(blk):
        xb = x[blk]
        out[blk] = _batch_first(xp.matmul(Wg, _cols(xb, geom, groups, ho, wo)), xb.shape[0], ho, wo, wp)
        if b is not None:
            out[blk] += b.reshape(1, -1, 1, 1)  # while the block is in cache
    parallel.sum_over_blocks(_blocks(n, c, W.shape[0], geom, ho, wo, wp, x.itemsize, xp), block, xp)
    return out


def _conv_backward(x, W, gy, geom: Geometry, groups: int, need: tuple):
    """(gx, gW, gb) of a convolution, each None unless `need`ed: one im2col per block feeds gW = gy @ colsᵀ;
    gx = col2im(Wᵀ @ gy); gb sums gy per channel."""
    need_x, need_w, need_b = (tuple(need) + (False,))[:3]
    xp = get_array_module(x)
    n, c, h, w = x.shape
    ho, wo = gy.shape[2:]
    if need_w and not need_x and _per_sample(groups, ho, wo) and W[0].size <= THIN_WEIGHT_COLUMNS:
        return (None, *_thin_weight_grads(x, W, gy, geom, need_b))
    if winograd.applies(W, geom, groups, n, (ho, wo)):
        return winograd.conv_backward(x, W, gy, geom, need_x, need_w, need_b)
    Wg = _grouped_weight(W, groups)
    gx = xp.empty_like(x) if need_x else None
    wp = geom.row_width(w, wo)
    W_by_offset = _weight_by_offset(W) if need_x and wp is None and groups == 1 else None

    def block(blk):
        g = _channels_first(gy[blk], groups, wp)
        if W_by_offset is not None:
            gx[blk] = _channels_last_col2im(gy[blk], W_by_offset, geom, h, w)
        elif need_x:
            gcols = xp.matmul(Wg.swapaxes(1, 2), g)
            gx[blk] = col2im(gcols.reshape(-1, gcols.shape[2]), geom, gy[blk].shape[0], h, w, ho, wo)
        # (cols @ gyᵀ)ᵀ, not gy @ colsᵀ: the same numbers, faster in OpenBLAS (one thread: 92 vs 77 GFLOP/s)
        gWt = xp.matmul(_cols(x[blk], geom, groups, ho, wo), g.swapaxes(1, 2)) if need_w else None
        return gWt, (g.sum(axis=2).reshape(-1) if need_b else None)  # junk columns are zero
    sums = parallel.sum_over_blocks(_blocks(n, c, W.shape[0], geom, ho, wo, wp, x.itemsize, xp), block, xp)
    return (gx, *_weight_and_bias_grads(sums, W, need_w, need_b, W.shape[0]))


def _thin_weight_grads(x, W, gy, geom: Geometry, need_b: bool) -> tuple:
    """(gW, gb or None) = Σ_n gy_n @ [cols_n; 1]ᵀ, sample by sample, gy read where it lies: with only C·kh·kw
    weight columns, the one-GEMM-per-block path spends its time copying gy channels-first, not in the GEMM."""
    xp = get_array_module(x)
    n, c_out, ho, wo = gy.shape
    rows = W[0].size

    def block(blk):
        cols = im2col_per_sample(x[blk], geom, ho, wo, ones=need_b)
        g = gy[blk].reshape(-1, c_out, ho * wo)
        return (xp.matmul(g, cols.swapaxes(1, 2)).sum(axis=0),)
    sums = parallel.sum_over_blocks(_sample_blocks(n, (rows + need_b) * ho * wo, x.itemsize, xp), block, xp)
    total = sums[0] if sums else xp.zeros((c_out, rows + need_b), dtype=W.dtype)
    gW = xp.ascontiguousarray(total[:, :rows]).reshape(W.shape)
    return gW, (xp.ascontiguousarray(total[:, rows]) if need_b else None)


def _conv_transpose_forward(x, W, b, geom: Geometry, groups: int, h: int, w: int):
    """out (N, Cout, h, w) = col2im(Wᵀ @ x) + b: the input gradient of the convolution with weight W."""
    xp = get_array_module(x)
    n, _, ho, wo = x.shape
    WgT = _grouped_weight(W, groups).swapaxes(1, 2)
    c_out = W.shape[1] * groups
    out = xp.empty((n, c_out, h, w), dtype=x.dtype)
    wp = geom.row_width(w, wo)
    W_by_offset = _weight_by_offset(W) if wp is None and groups == 1 else None

    def block(blk):
        if W_by_offset is not None:
            out[blk] = _channels_last_col2im(x[blk], W_by_offset, geom, h, w)
        else:
            gcols = xp.matmul(WgT, _channels_first(x[blk], groups, wp))
            out[blk] = col2im(gcols.reshape(-1, gcols.shape[2]), geom, x[blk].shape[0], h, w, ho, wo)
        if b is not None:
            out[blk] += b.reshape(1, -1, 1, 1)
    parallel.sum_over_blocks(_blocks(n, c_out, W.shape[0], geom, ho, wo, wp, x.itemsize, xp), block, xp)
    return out


def _conv_transpose_backward(x, W, gy, geom: Geometry, groups: int, need: tuple):
    """(gx, gW, gb) of a transposed convolution: gx is a convolution of gy, gW pairs x with gy's columns."""
    need_x, need_w, need_b = (tuple(need) + (False,))[:3]
    xp = get_array_module(x)
    n, _, ho, wo = x.shape
    Wg = _grouped_weight(W, groups)
    gx = xp.empty_like(x) if need_x else None
    wp = geom.row_width(gy.shape[3], wo)

    def block(blk):
        cols = _cols(gy[blk], geom, groups, ho, wo)
        if need_x:
            gx[blk] = _batch_first(xp.matmul(Wg, cols), x[blk].shape[0], ho, wo, wp)
        gWt = xp.matmul(cols, _channels_first(x[blk], groups, wp).swapaxes(1, 2)) if need_w else None
        return gWt, (gy[blk].sum(axis=(0, 2, 3)) if need_b else None)
    sums = parallel.sum_over_blocks(_blocks(n, gy.shape[1], W.shape[0], geom, ho, wo, wp, x.itemsize, xp), block, xp)
    return (gx, *_weight_and_bias_grads(sums, W, need_w, need_b, gy.shape[1]))


class Conv2d(Function):
    """Convolution (cross-correlation, as in every framework) with an optional bias fused in."""

    def forward(self, x, W, b=None, *, geom, groups):
        self.x, self.W, self.geom, self.groups = x, W, geom, groups
        return _conv_forward(x, W, b, geom, groups)

    def backward(self, gy):
        grads = _conv_backward(self.x, self.W, gy, self.geom, self.groups, self.needs_input_grad)
        return grads[:len(self.needs_input_grad)]


class ConvTranspose2d(Function):
    """Transposed convolution: the adjoint of Conv2d with the same weight, output size (h, w) given."""

    def forward(self, x, W, b=None, *, geom, groups, size):
        self.x, self.W, self.geom, self.groups = x, W, geom, groups
        return _conv_transpose_forward(x, W, b, geom, groups, *size)

    def backward(self, gy):
        grads = _conv_transpose_backward(self.x, self.W, gy, self.geom, self.groups, self.needs_input_grad)
        return grads[:len(self.needs_input_grad)]


# ---- argument handling (PyTorch's names and conventions) ----------------------------------------
def _pair(value, name: str, op: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair, got {value}")
    return value


def _single(value) -> int:
    return value if isinstance(value, int) else int(value[0])


def conv_padding(padding, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int],
                 op: str = "conv2d") -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for an int, a pair, 'valid' or 'same' (extra pixel at the end, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' needs stride 1 (got stride {stride}), as in PyTorch")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2
    ph, pw = _pair(padding, "padding", op)
    return ph, ph, pw, pw


def _check(op: str, x: Tensor, W: Tensor, b: Tensor | None, c_in: int, groups: int) -> None:
    if x.ndim != 4:
        raise ValueError(f"{op}: expected input of shape (N, C, H, W), got {x.shape}")
    if W.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight, got {W.shape}")
    if x.shape[1] != c_in:
        raise ValueError(f"{op}: input has {x.shape[1]} channels but the weight {W.shape} expects {c_in} "
                         f"(groups={groups})")
    if x.dtype != W.dtype:
        raise TypeError(f"{op}: input dtype {x.dtype} differs from weight dtype {W.dtype}")
    if b is not None and b.shape != (W.shape[0] if op == "conv2d" else W.shape[1] * groups,):
        raise ValueError(f"{op}: bias of shape {b.shape} does not match weight {W.shape}")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution of input (N, C, H, W) with weight (Cout, C/groups, kh, kw) → (N, Cout, Ho, Wo).

    Ho = ⌊(H + pad_top + pad_bottom − dilation·(kh − 1) − 1) / stride⌋ + 1; padding is an int, a pair,
    'valid' (0) or 'same' (output as big as the input, stride 1).
    """
    kernel = weight.shape[2:]
    stride, dilation = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    if weight.ndim == 4 and weight.shape[0] % groups:
        raise ValueError(f"conv2d: {weight.shape[0]} output channels are not divisible by groups={groups}")
    _check("conv2d", input, weight, bias, weight.shape[1] * groups, groups)
    geom = Geometry(*kernel, *stride, *dilation, *conv_padding(padding, kernel, stride, dilation))
    ho, wo = geom.out_size(*input.shape[2:])
    if ho < 1 or wo < 1:
        raise ValueError(f"conv2d: input {input.shape} is smaller than the dilated kernel {kernel} "
                         f"(dilation {dilation}, padding {padding})")
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return Conv2d.apply(*inputs, geom=geom, groups=groups)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed convolution of input (N, Cin, H, W) with weight (Cin, Cout/groups, kh, kw) → (N, Cout, Ho, Wo).

    Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1 (PyTorch's formula): it maps a
    conv2d output back to that conv2d's input size; output_padding picks among sizes a strided conv merges.
    """
    kernel = weight.shape[2:]
    stride, dilation = _pair(stride, "stride", "conv_transpose2d"), _pair(dilation, "dilation", "conv_transpose2d")
    (ph, pw), (oph, opw) = _pair(padding, "padding", "conv_transpose2d"), _pair(output_padding, "output_padding",
                                                                                  "conv_transpose2d")
    if oph >= max(stride[0], dilation[0]) or opw >= max(stride[1], dilation[1]):
        raise ValueError(f"conv_transpose2d: output_padding {output_padding} must be smaller than stride {stride} "
                         f"or dilation {dilation}")
    _check("conv_transpose2d", input, weight, bias, weight.shape[0], groups)
    h = (input.shape[2] - 1) * stride[0] - 2 * ph + dilation[0] * (kernel[0] - 1) + oph + 1
    w = (input.shape[3] - 1) * stride[1] - 2 * pw + dilation[1] * (kernel[1] - 1) + opw + 1
    if h < 1 or w < 1:
        raise ValueError(f"conv_transpose2d: input {input.shape} with padding {padding} gives an empty output")
    # the output_padding rows lie past the last window: no window touches them, so they get only the bias
    geom = Geometry(*kernel, *stride, *dilation, ph, ph, pw, pw)
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return ConvTranspose2d.apply(*inputs, geom=geom, groups=groups, size=(h, w))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D convolution of input (N, C, L) with weight (Cout, C/groups, k): a conv2d over a 1-pixel-high image."""
    if input.ndim != 3 or weight.ndim != 3:
        raise ValueError(f"conv1d: expected input (N, C, L) and weight (Cout, C/groups, k), got {input.shape} "
                         f"and {weight.shape}")
    x, W = shape_ops.unsqueeze(input, 2), shape_ops.unsqueeze(weight, 2)
    pad = padding if isinstance(padding, str) else (0, _single(padding))
    out = conv2d(x, W, bias, stride=(1, _single(stride)), padding=pad, dilation=(1, _single(dilation)), groups=groups)
    return shape_ops.squeeze(out, 2)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed convolution of input (N, Cin, L) with weight (Cin, Cout/groups, k) → (N, Cout, L_out):
    a conv_transpose2d over a 1-pixel-high image (L_out as conv_transpose2d's Ho)."""
    if input.ndim != 3 or weight.ndim != 3:
        raise ValueError(f"conv_transpose1d: expected input (N, C, L) and weight (Cin, Cout/groups, k), got "
                         f"{input.shape} and {weight.shape}")
    x, W = shape_ops.unsqueeze(input, 2), shape_ops.unsqueeze(weight, 2)
    out = conv_transpose2d(x, W, bias, stride=(1, _single(stride)), padding=(0, _single(padding)),
                           output_padding=(0, _single(output_padding)), groups=groups,
                           dilation=(1, _single(dilation)))
    return shape_ops.squeeze(out, 2)
