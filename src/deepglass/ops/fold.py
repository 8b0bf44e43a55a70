"""`unfold` (im2col) and `fold` (col2im) as differentiable ops, with PyTorch's layout.

`unfold` turns (N, C, H, W) into (N, C·kh·kw, L): one column per sliding window (L = Ho·Wo of them), rows
ordered channel by channel, then kernel row, then kernel column — so a convolution is
`W.reshape(Cout, -1) @ unfold(x)` reshaped to (N, Cout, Ho, Wo). `fold` is its adjoint: it adds the
columns back onto an image, summing where windows overlap. Each is the other's backward.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .conv import _pair
from .im2col import Geometry, im2col_per_sample


def _unfold(x, geom: Geometry):
    ho, wo = geom.out_size(*x.shape[2:])
    return im2col_per_sample(x, geom, ho, wo)


def _fold(cols, geom: Geometry, h: int, w: int):
    """Sum the columns (N, C·kh·kw, L) back onto (N, C, h, w): a loop over the kernel offsets only."""
    xp = get_array_module(cols)
    n = cols.shape[0]
    ho, wo = geom.out_size(h, w)
    c = cols.shape[1] // (geom.kh * geom.kw)
    windows = cols.reshape(n, c, geom.kh, geom.kw, ho, wo)
    xpad = xp.zeros((n, c, *geom.padded_size(h, w)), dtype=cols.dtype)
    for i in range(geom.kh):
        for j in range(geom.kw):
            xpad[(..., *geom.offset_slice(i, j, ho, wo))] += windows[:, :, i, j]
    return xp.ascontiguousarray(geom.crop(xpad, h, w))


class Unfold(Function):
    def forward(self, x, geom):
        self.geom, self.size = geom, x.shape[2:]
        return _unfold(x, geom)

    def backward(self, gy):
        return _fold(gy, self.geom, *self.size)


class Fold(Function):
    def forward(self, cols, geom, size):
        self.geom = geom
        return _fold(cols, geom, *size)

    def backward(self, gy):
        return _unfold(gy, self.geom)


def _geometry(op: str, kernel_size, dilation, padding, stride) -> Geometry:
    kh, kw = _pair(kernel_size, "kernel_size", op)
    (ph, pw), (sh, sw), (dh, dw) = (_pair(v, name, op) for v, name in
                                    ((padding, "padding"), (stride, "stride"), (dilation, "dilation")))
    return Geometry(kh, kw, sh, sw, dh, dw, ph, ph, pw, pw)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding windows of (N, C, H, W) as columns (N, C·kh·kw, L), as torch.nn.functional.unfold."""
    if input.ndim != 4:
        raise ValueError(f"unfold: expects (N, C, H, W), got shape {tuple(input.shape)}")
    geom = _geometry("unfold", kernel_size, dilation, padding, stride)
    ho, wo = geom.out_size(*input.shape[2:])
    if ho < 1 or wo < 1:
        raise ValueError(f"unfold: input {tuple(input.shape)} is smaller than the dilated kernel "
                         f"{(geom.kh, geom.kw)} (dilation {dilation}, padding {padding})")
    return Unfold.apply(input, geom=geom)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Columns (N, C·kh·kw, L) summed back onto (N, C, *output_size), as torch.nn.functional.fold."""
    geom = _geometry("fold", kernel_size, dilation, padding, stride)
    size = _pair(output_size, "output_size", "fold")
    ho, wo = geom.out_size(*size)
    per_window = geom.kh * geom.kw
    if input.ndim != 3 or input.shape[1] % per_window or input.shape[2] != ho * wo or ho < 1 or wo < 1:
        raise ValueError(f"fold: expects (N, C·{per_window}, {max(ho, 0) * max(wo, 0)}) columns for output "
                         f"{size} and kernel {(geom.kh, geom.kw)}, got shape {tuple(input.shape)}")
    return Fold.apply(input, geom=geom, size=size)
