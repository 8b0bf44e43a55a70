"""Pooling and resizing of volumes (N, C, D, H, W), PyTorch semantics, as a 2-D pass then a depth pass.

Every 3-D window here is a product of a depth window and a (height × width) window, and max, sum and the
linear resampling matrices all separate along such products:

    max over (d, h, w) = max over d of (max over (h, w))        average: divisor = depth count × plane count

So each op runs the tested 2-D op of `pool.py` / `upsample.py` on the (N, C·D, H, W) stack of depth
planes, then a second pass along depth on (N, C, D, Ho·Wo), a 2-D op with a (kd × 1) window. That is
kd + kh·kw offsets per output instead of kd·kh·kw, and the tie rule carries over: the first maximum of
each plane's window, then the first plane holding the maximum, is the first maximum in (d, h, w) order, the
voxel PyTorch's backward routes the gradient to. ceil_mode, padding, dilation and count_include_pad are
per axis, so they carry over too.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .conv3d import triple
from .pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .resample import resample2d
from .upsample import _interpolation_matrix

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "global_avg_pool3d", "interpolate3d",
           "max_pool3d"]


def _check5(op: str, x: Tensor) -> None:
    if x.ndim != 5:
        raise ValueError(f"{op}: expected input of shape (N, C, D, H, W), got {tuple(x.shape)}")


def _planes(x: Tensor) -> Tensor:
    """(N, C, D, H, W) → (N, C·D, H, W): the depth planes as a stack of images (a view when contiguous)."""
    n, c, d, h, w = x.shape
    return x.reshape(n, c * d, h, w)


def _depth_first(y: Tensor, c: int, d: int) -> Tensor:
    """The planes' result (N, C·D, Ho, Wo) → (N, C, D, Ho·Wo), depth as the rows of a 2-D op."""
    n, _, ho, wo = y.shape
    return y.reshape(n, c, d, ho * wo)


def _stride(stride, kernel: tuple, op: str) -> tuple:
    return kernel if stride is None or stride == () or stride == [] else triple(stride, "stride", op)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """The maximum of each (dilated) kd × kh × kw window: (N, C, D, H, W) → (N, C, Do, Ho, Wo); stride defaults to
    the kernel. Sizes as PyTorch's (ceil_mode: the last window may hang over, if it starts inside)."""
    op = "max_pool3d"
    _check5(op, input)
    if return_indices:
        raise NotImplementedError(f"{op}: return_indices=True is not supported")
    k = triple(kernel_size, "kernel_size", op)
    s, p, d = _stride(stride, k, op), triple(padding, "padding", op), triple(dilation, "dilation", op)
    n, c, depth = input.shape[:3]
    planes = max_pool2d(_planes(input), k[1:], s[1:], p[1:], d[1:], ceil_mode)
    out = max_pool2d(_depth_first(planes, c, depth), (k[0], 1), (s[0], 1), (p[0], 0), (d[0], 1), ceil_mode)
    return out.reshape(n, c, out.shape[2], *planes.shape[2:])


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean of each kd × kh × kw window: (N, C, D, H, W) → (N, C, Do, Ho, Wo).

    count_include_pad=True divides by the window size including zero padding (PyTorch's default);
    divisor_override replaces the divisor altogether.
    """
    op = "avg_pool3d"
    _check5(op, input)
    k = triple(kernel_size, "kernel_size", op)
    s, p = _stride(stride, k, op), triple(padding, "padding", op)
    n, c, depth = input.shape[:3]
    plane_divisor = 1 if divisor_override else None  # with an override: sums, divided once at the end
    planes = avg_pool2d(_planes(input), k[1:], s[1:], p[1:], ceil_mode, count_include_pad, plane_divisor)
    out = avg_pool2d(_depth_first(planes, c, depth), (k[0], 1), (s[0], 1), (p[0], 0), ceil_mode, count_include_pad,
                     divisor_override)
    return out.reshape(n, c, out.shape[2], *planes.shape[2:])


def _output_size(output_size, size: tuple) -> tuple:
    """An adaptive pool's (od, oh, ow) from an int or a triple whose None entries keep that input size."""
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * 3
    output_size = tuple(output_size)
    if len(output_size) != 3:
        raise ValueError(f"adaptive pooling: output_size must be an int or a triple, got {output_size}")
    return tuple(n if o is None else int(o) for o, n in zip(output_size, size))


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output size (N, C, D, H, W) → (N, C, od, oh, ow); None keeps that input size."""
    _check5("adaptive_avg_pool3d", input)
    n, c, depth = input.shape[:3]
    od, oh, ow = _output_size(output_size, input.shape[2:])
    planes = adaptive_avg_pool2d(_planes(input), (oh, ow))
    return _along_depth(_depth_first(planes, c, depth), _averaging(depth, od, input)).reshape(n, c, od, oh, ow)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False) -> Tensor:
    """Max pooling to a fixed output size (N, C, D, H, W) → (N, C, od, oh, ow); None keeps that input size. The
    gradient goes to the first maximum of each window, as in PyTorch."""
    _check5("adaptive_max_pool3d", input)
    if return_indices:
        raise NotImplementedError("adaptive_max_pool3d: return_indices=True is not supported")
    n, c, depth = input.shape[:3]
    od, oh, ow = _output_size(output_size, input.shape[2:])
    planes = adaptive_max_pool2d(_planes(input), (oh, ow))
    return adaptive_max_pool2d(_depth_first(planes, c, depth), (od, oh * ow)).reshape(n, c, od, oh, ow)


def global_avg_pool3d(input: Tensor) -> Tensor:
    """The mean over all voxels of each channel: (N, C, D, H, W) → (N, C)."""
    _check5("global_avg_pool3d", input)
    return input.mean(axis=(2, 3, 4))


class AlongDepth(Function):
    """y = A @ x over the rows of x (…, D, M) → (…, Do, M) for a fixed (Do, D) matrix A; gx = Aᵀ @ gy."""

    def forward(self, x, *, matrix):
        self.matrix = matrix
        return matrix @ x

    def backward(self, gy):
        return self.matrix.T @ gy


def _along_depth(x: Tensor, matrix) -> Tensor:
    return AlongDepth.apply(x, matrix=matrix)


def _averaging(size: int, out: int, like: Tensor):
    """(out, size) matrix averaging adaptive window i: cells ⌊i·size/out⌋ … ⌈(i+1)·size/out⌉ − 1."""
    i = np.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    cells = np.arange(size)
    mask = (cells >= start[:, None]) & (cells < end[:, None])
    return like.xp.asarray(mask / (end - start)[:, None], dtype=like.dtype)


def interpolate3d(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                  align_corners: bool | None = None) -> Tensor:
    """Resize a volume (N, C, D, H, W) to `size` (od, oh, ow) or by `scale_factor`, mode 'nearest' or 'trilinear'
    (PyTorch's source coordinates per axis; align_corners for 'trilinear' only)."""
    _check5("interpolate", input)
    if mode not in ("nearest", "trilinear"):
        raise ValueError(f"interpolate: mode must be 'nearest' or 'trilinear' for 5-D input, got {mode!r}")
    if align_corners is not None and mode == "nearest":
        raise ValueError("interpolate: align_corners only applies to mode='trilinear'")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    in_size = tuple(input.shape[2:])
    if size is not None:
        out = (int(size),) * 3 if isinstance(size, (int, np.integer)) else tuple(int(v) for v in size)
        factors = (None, None, None)
    else:
        factors = (scale_factor,) * 3 if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        out = tuple(math.floor(n * f) for n, f in zip(in_size, factors))
    if len(out) != 3 or len(factors) != 3 or min(out) < 1:
        raise ValueError(f"interpolate: output size {out} from input {tuple(input.shape)} is not a non-empty volume")
    kind = "nearest" if mode == "nearest" else "bilinear"  # trilinear: the linear rule on each axis
    d, h, w = (input.xp.asarray(_interpolation_matrix(n, o, f, kind, bool(align_corners)), dtype=input.dtype)
               for n, o, f in zip(in_size, out, factors))
    n, c = input.shape[:2]
    planes = resample2d(_planes(input), h, w)
    return _along_depth(_depth_first(planes, c, in_size[0]), d).reshape(n, c, *out)
