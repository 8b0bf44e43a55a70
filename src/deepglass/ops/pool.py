"""Max and average pooling over 2-D windows (NCHW, PyTorch semantics incl. ceil_mode and dilation).

Both are loops over the kh·kw kernel offsets, each step one strided slice of the whole batch:
max pooling is a chain of elementwise maximums, and backward routes each gradient to the first input
equal to its window's maximum, as PyTorch does; average pooling sums the slices and divides by
the window sizes, which separate into a row factor times a column factor.
"""

from __future__ import annotations

import numpy as np

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from . import elementwise
from . import shape as shape_ops
from .im2col import Geometry
from .resample import resample2d

# MaxPool2d(2)'s backward works on this many bytes of input at a time: its temporaries stay in cache (256 KB: 2x
# slower, whole halves of the batch: 10% slower and 10 MB more peak memory in the course CNN)
POOL_BLOCK_BYTES = 1 << 20
_HALVING = Geometry(2, 2, 2, 2)  # MaxPool2d(2): 2×2 windows, stride 2, no padding


class MaxPool2d(Function):
    def forward(self, x, *, geom, out_size):
        xp = get_array_module(x)
        self.xpad, self.geom, self.in_shape = geom.pad(x, value=-np.inf), geom, x.shape
        self.out = out = xp.empty(x.shape[:2] + tuple(out_size), dtype=x.dtype)

        def chunk(s):
            slices = self._slices(s, out_size)
            if len(slices) == 1:
                out[s] = slices[0]
                return
            xp.maximum(slices[0], slices[1], out=out[s])
            for v in slices[2:]:
                xp.maximum(out[s], v, out=out[s])  # propagates NaN, as PyTorch does
        parallel.parallel_for(x.shape[0], chunk, min_chunk=parallel.min_samples(x), xp=xp)
        return out

    def _slices(self, s: slice, out_size) -> list:
        """What each kernel offset sees of samples `s`, one (n, C, Ho, Wo) strided view per offset, row-major."""
        geom, xpad = self.geom, self.xpad[s]
        return [xpad[(..., *geom.offset_slice(i, j, *out_size))] for i in range(geom.kh) for j in range(geom.kw)]

    def backward(self, gy):
        # which offset won is found again here (one compare per offset) rather than stored by forward:
        # forward stays a plain chain of maximums, 9x faster than tracking the argmax as it goes
        xp, geom = get_array_module(gy), self.geom
        overlap = geom.sh <= geom.dh * (geom.kh - 1) or geom.sw <= geom.dw * (geom.kw - 1)
        # windows that tile the padded input exactly write every pixel once: nothing to zero first
        tiles = ((geom.dh, geom.dw) == (1, 1) and (geom.sh, geom.sw) == (geom.kh, geom.kw)
                 and (geom.sh * gy.shape[2], geom.sw * gy.shape[3]) == self.xpad.shape[2:])
        gxpad = xp.empty(self.xpad.shape, dtype=gy.dtype)
        halving = geom == _HALVING and xp is np and gy.dtype == self.xpad.dtype == np.float32

        def chunk(s):
            out, g, target_pad = self.out[s], gy[s], gxpad[s]
            has_nan = bool(xp.isnan(out).any())
            # gy·won is 3x faster than a masked copy on strided views, and where windows do not overlap each
            # input pixel is written once instead of added to; but inf/NaN in gy would leak NaN through gy·0
            finite = bool(xp.isfinite(g).all())
            if halving and finite and not has_nan:
                _route_to_first_max_2x2(self.xpad[s], out, g, target_pad)
                return
            if not (tiles and finite):
                target_pad[...] = 0
            slices = self._slices(s, g.shape[2:])
            taken = None
            for offset, v in enumerate(slices):
                won = (v == out) | (v != v) if has_nan else v == out
                if taken is None:
                    taken = won  # the first offset takes every window it wins
                else:
                    xp.greater(won, taken, out=won)  # won, not taken: ties go to the first maximum, as in PyTorch
                    if offset + 1 < len(slices):
                        xp.logical_or(taken, won, out=taken)
                target = target_pad[(..., *geom.offset_slice(*divmod(offset, geom.kw), *out.shape[2:]))]
                if not finite:
                    target += xp.where(won, g, 0)
                elif overlap:
                    target += g * won
                else:
                    xp.multiply(g, won, out=target)
        parallel.parallel_for(gy.shape[0], chunk, min_chunk=parallel.min_samples(self.xpad), xp=xp)
        return xp.ascontiguousarray(geom.crop(gxpad, *self.in_shape[2:]))


def _route_to_first_max_2x2(x, out, g, gx) -> None:
    """MaxPool2d(2) backward for float32 without NaN or inf: gx gets each g at the first maximum of its window,
    `POOL_BLOCK_BYTES` of x at a time.

    Whole rows at a time instead of four strided window corners (25% faster): out and g are widened to two
    copies per value (one uint64 multiply), each pair of input rows is compared with them, and the two
    bytes of a column pair's result, read as one uint16, settle ties (left before right, top before bottom).
    """
    n, c, ho, wo = out.shape
    step = max(1, POOL_BLOCK_BYTES // x[:1].nbytes)  # samples at a time: the temporaries stay in cache
    if n > step:
        for i in range(0, n, step):
            _route_to_first_max_2x2(x[i:i + step], out[i:i + step], g[i:i + step], gx[i:i + step])
        return

    def widened(a):  # (n, c, ho, wo) float32 → (n, c, ho, 2·wo), every value twice
        doubled = np.ascontiguousarray(a).view(np.uint32).astype(np.uint64)
        doubled *= 0x100000001
        return doubled.view(np.float32)
    out2, g2 = widened(out), widened(g)
    top, bottom = (np.equal(x[:, :, row:2 * ho:2, :2 * wo], out2).view("<u2") for row in (0, 1))  # low byte: left
    top &= ~(top << 8)  # a right maximum only where the left one is not
    bottom &= ((top | (top >> 8)) & 1) - 1  # the bottom row only where the top row has no maximum
    bottom &= ~(bottom << 8)
    for row, won in ((0, top), (1, bottom)):
        np.multiply(g2, won.view(np.bool_), out=gx[:, :, row:2 * ho:2, :2 * wo])
    gx[:, :, 2 * ho:] = 0  # an odd last row or column belongs to no window
    gx[:, :, :, 2 * wo:] = 0


class AvgPool2d(Function):
    def forward(self, x, *, geom, out_size, divisor):
        ho, wo = out_size
        xpad = geom.pad(x)
        out = xpad[(..., *geom.offset_slice(0, 0, ho, wo))].copy()
        for offset in range(1, geom.kh * geom.kw):
            out += xpad[(..., *geom.offset_slice(*divmod(offset, geom.kw), ho, wo))]
        out /= divisor
        self.geom, self.in_shape, self.divisor = geom, x.shape, divisor
        return out

    def backward(self, gy):
        g = gy / self.divisor
        return _scatter_windows(gy, self.geom, self.in_shape, (g for _ in range(self.geom.kh * self.geom.kw)))


def _scatter_windows(gy, geom: Geometry, in_shape: tuple, grads) -> object:
    """Add the gradients `grads` yields, one (N, C, Ho, Wo) per kernel offset in row-major order, onto the
    input pixels that offset read; crop the padding (average pooling's backward)."""
    xp = get_array_module(gy)
    h, w = in_shape[2:]
    ho, wo = gy.shape[2:]
    gxpad = xp.zeros(in_shape[:2] + geom.padded_size(h, w), dtype=gy.dtype)
    for offset, grad in enumerate(grads):
        gxpad[(..., *geom.offset_slice(*divmod(offset, geom.kw), ho, wo))] += grad
    return xp.ascontiguousarray(geom.crop(gxpad, h, w))


# ---- argument handling ---------------------------------------------------------------------------
def _pair(value, name: str, op: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value[0], value[0]
    if len(value) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair, got {value}")
    return value


def pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Output length of a pooling window sweep (PyTorch's formula: in ceil_mode the last window must start inside)."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_geometry(op: str, x: Tensor, kernel_size, stride, padding, dilation, ceil_mode):
    """The window geometry (with the extra bottom/right padding ceil_mode needs) and the output size."""
    if x.ndim != 4:
        raise ValueError(f"{op}: expected input of shape (N, C, H, W), got {x.shape}")
    k = _pair(kernel_size, "kernel_size", op)
    s = k if stride is None or stride == () or stride == [] else _pair(stride, "stride", op)
    p, d = _pair(padding, "padding", op), _pair(dilation, "dilation", op)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: padding {p} must be at most half the kernel size {k}")
    out = tuple(pool_out_size(n, *args, ceil_mode) for n, *args in zip(x.shape[2:], k, s, p, d))
    if out[0] < 1 or out[1] < 1:
        raise ValueError(f"{op}: input {x.shape} is too small for kernel {k} (dilation {d}, padding {p})")
    # ceil_mode's last window may hang past the padded input: pad the end far enough to hold it
    extra = [max(p_, (o - 1) * s_ + d_ * (k_ - 1) + 1 - n - p_) for n, k_, s_, p_, d_, o in
             zip(x.shape[2:], k, s, p, d, out)]
    return Geometry(*k, *s, *d, p[0], extra[0], p[1], extra[1]), out


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """The maximum of each (dilated) kh × kw window: (N, C, H, W) → (N, C, Ho, Wo); stride defaults to the kernel.

    With `return_indices`, also where each maximum lies: int64 (N, C, Ho, Wo) flat indices into its H × W plane.
    """
    geom, out = _pool_geometry("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    y = MaxPool2d.apply(input, geom=geom, out_size=out)
    if return_indices:
        return y, Tensor._wrap(_max_indices(input.data, y.data, geom))
    return y


def _max_indices(x, out, geom: Geometry):
    """Flat index (row·W + col in the unpadded plane) of the first maximum of each window, or of its first NaN."""
    xp = get_array_module(x)
    w = x.shape[3]
    xpad = geom.pad(x, value=-np.inf)
    ho, wo = out.shape[2:]
    rows = xp.arange(ho, dtype=np.int64)[:, None] * geom.sh - geom.pad_top
    cols = xp.arange(wo, dtype=np.int64)[None, :] * geom.sw - geom.pad_left
    indices = xp.zeros(out.shape, dtype=np.int64)
    taken = xp.zeros(out.shape, dtype=bool)
    for i in range(geom.kh):  # a loop over the kernel offsets, as forward's
        for j in range(geom.kw):
            v = xpad[(..., *geom.offset_slice(i, j, ho, wo))]
            won = ((v == out) | (v != v)) & ~taken
            indices = xp.where(won, (rows + i * geom.dh) * w + cols + j * geom.dw, indices)
            taken |= won
    return indices


class MaxUnpool2d(Function):
    """Each input value written at its flat index into a zero (N, C, H·W) plane; backward reads them back."""

    def forward(self, x, *, indices, size):
        xp = get_array_module(x)
        n, c = x.shape[:2]
        self.rows, self.flat, self.in_shape = xp.arange(n * c)[:, None], indices.reshape(n * c, -1), x.shape
        out = xp.zeros((n * c, size[0] * size[1]), dtype=x.dtype)
        out[self.rows, self.flat] = x.reshape(n * c, -1)
        return out.reshape(n, c, *size)

    def backward(self, gy):
        return gy.reshape(self.rows.shape[0], -1)[self.rows, self.flat].reshape(self.in_shape)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool2d: (N, C, H, W) values put at their `indices` in a zero (N, C, Ho, Wo) map.

    Ho = (H − 1)·stride − 2·padding + kernel unless `output_size` ((Ho, Wo) or (N, C, Ho, Wo)) says otherwise.
    """
    if input.ndim != 4 or tuple(indices.shape) != tuple(input.shape):
        raise ValueError(f"max_unpool2d: expected input (N, C, H, W) and indices of the same shape, got "
                         f"{tuple(input.shape)} and {tuple(indices.shape)}")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"max_unpool2d: indices must be integers, got dtype {indices.dtype}")
    k = _pair(kernel_size, "kernel_size", "max_unpool2d")
    s = k if stride is None or stride == () or stride == [] else _pair(stride, "stride", "max_unpool2d")
    p = _pair(padding, "padding", "max_unpool2d")
    default = tuple((n - 1) * s_ - 2 * p_ + k_ for n, s_, p_, k_ in zip(input.shape[2:], s, p, k))
    size = default if output_size is None else tuple(int(v) for v in tuple(output_size)[-2:])
    if len(size) != 2 or any(not d - s_ < o < d + s_ for o, d, s_ in zip(size, default, s)):
        raise ValueError(f"max_unpool2d: output_size {output_size} must be within a stride {s} of the default "
                         f"size {default}")
    if indices.numel() and (int(indices.data.min()) < 0 or int(indices.data.max()) >= size[0] * size[1]):
        raise IndexError(f"max_unpool2d: an index is outside the {size[0]}×{size[1]} output plane")
    return MaxUnpool2d.apply(input, indices=indices.data, size=size)


def _window_counts(size: int, out: int, k: int, s: int, p: int, include_pad: bool):
    """How many cells each window covers along one axis (padding counted or not, the ceil overhang never)."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if not include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, size)
    return end - start


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean of each kh × kw window: (N, C, H, W) → (N, C, Ho, Wo).

    count_include_pad=True divides by the window size including zero padding (PyTorch's default);
    divisor_override replaces the divisor altogether.
    """
    geom, out = _pool_geometry("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override:
        divisor = np.array(divisor_override, dtype=input.dtype)
    else:
        rows = _window_counts(input.shape[2], out[0], geom.kh, geom.sh, geom.pad_top, count_include_pad)
        cols = _window_counts(input.shape[3], out[1], geom.kw, geom.sw, geom.pad_left, count_include_pad)
        divisor = np.outer(rows, cols).astype(input.dtype)
    divisor = input.xp.asarray(divisor)
    return AvgPool2d.apply(input, geom=geom, out_size=out, divisor=divisor)


def _averaging_matrix(size: int, out: int, xp, dtype):
    """(out, size) matrix whose row i averages cells ⌊i·size/out⌋ … ⌈(i+1)·size/out⌉ − 1 (adaptive pooling)."""
    i = np.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    cells = np.arange(size)
    mask = (cells >= start[:, None]) & (cells < end[:, None])
    return xp.asarray(mask / (end - start)[:, None], dtype=dtype)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output size (N, C, H, W) → (N, C, oh, ow); None keeps that input size."""
    if input.ndim != 4:
        raise ValueError(f"adaptive_avg_pool2d: expected input of shape (N, C, H, W), got {input.shape}")
    size = (output_size, output_size) if isinstance(output_size, int) or output_size is None else output_size
    oh, ow = (n if o is None else int(o) for o, n in zip(size, input.shape[2:]))
    h, w = input.shape[2:]
    rows = _averaging_matrix(h, oh, input.xp, input.dtype)
    cols = _averaging_matrix(w, ow, input.xp, input.dtype)
    return resample2d(input, rows, cols)


def _adaptive_windows(size: int, out: int, xp):
    """(out, K) input cells of each adaptive window ⌊i·size/out⌋ … ⌈(i+1)·size/out⌉ − 1, padded to the longest
    window K by repeating its last cell (a repeat after the maximum never changes which one comes first)."""
    i = np.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    cells = np.minimum(start[:, None] + np.arange((end - start).max()), end[:, None] - 1)
    return xp.asarray(cells)


def adaptive_max_pool2d(input: Tensor, output_size) -> Tensor:
    """Max pooling to a fixed output size (N, C, H, W) → (N, C, oh, ow); None keeps that input size. The
    gradient goes to the first maximum of each window, as in PyTorch."""
    if input.ndim != 4:
        raise ValueError(f"adaptive_max_pool2d: expected input of shape (N, C, H, W), got {input.shape}")
    size = (output_size, output_size) if isinstance(output_size, int) or output_size is None else output_size
    (oh, ow), (h, w) = (tuple(n if o is None else int(o) for o, n in zip(size, input.shape[2:])), input.shape[2:])
    rows, cols = _adaptive_windows(h, oh, input.xp), _adaptive_windows(w, ow, input.xp)
    windows = input[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, oh, ow, Kh, Kw)
    n, c = input.shape[:2]
    return windows.reshape(n, c, oh, ow, -1).max(dim=-1).values


def global_avg_pool2d(input: Tensor) -> Tensor:
    """The mean over all pixels of each channel: (N, C, H, W) → (N, C) (Keras' GlobalAveragePooling2D)."""
    if input.ndim != 4:
        raise ValueError(f"global_avg_pool2d: expected input of shape (N, C, H, W), got {input.shape}")
    return input.mean(axis=(2, 3))


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max pooling over (N, C, L) windows: a max_pool2d over a 1-pixel-high image (indices: positions in L)."""
    out = max_pool2d(shape_ops.unsqueeze(input, 2), _one(kernel_size), None if stride is None else _one(stride),
                     (0, _one(padding)[1]), _one(dilation), ceil_mode, return_indices)
    if return_indices:
        return shape_ops.squeeze(out[0], 2), shape_ops.squeeze(out[1], 2)
    return shape_ops.squeeze(out, 2)


def _one(v) -> tuple[int, int]:
    """A 1-D size as the (1, size) pair of the 2-D op over a 1-pixel-high image."""
    return 1, v if isinstance(v, int) else int(tuple(v)[0])


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool1d: (N, C, L) values put at their `indices` in a zero (N, C, L_out) map."""
    if input.ndim != 3:
        raise ValueError(f"max_unpool1d: expected input (N, C, L), got {tuple(input.shape)}")
    size = None if output_size is None else (1, int(tuple(output_size)[-1]))
    out = max_unpool2d(shape_ops.unsqueeze(input, 2), shape_ops.unsqueeze(indices, 2), _one(kernel_size),
                       None if stride is None else _one(stride), (0, _one(padding)[1]), size)
    return shape_ops.squeeze(out, 2)


def _check_1d(op: str, input: Tensor, output_size) -> int:
    if input.ndim != 3:
        raise ValueError(f"{op}: expected input of shape (N, C, L), got {tuple(input.shape)}")
    return int(output_size if isinstance(output_size, int) else tuple(output_size)[0])


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, L) to a fixed length: (N, C, output_size)."""
    size = _check_1d("adaptive_avg_pool1d", input, output_size)
    return shape_ops.squeeze(adaptive_avg_pool2d(shape_ops.unsqueeze(input, 2), (1, size)), 2)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False) -> Tensor:
    """Max pooling of (N, C, L) to a fixed length: (N, C, output_size); the gradient goes to each first maximum."""
    if return_indices:
        raise NotImplementedError("adaptive_max_pool1d: return_indices=True is not supported")
    size = _check_1d("adaptive_max_pool1d", input, output_size)
    return shape_ops.squeeze(adaptive_max_pool2d(shape_ops.unsqueeze(input, 2), (1, size)), 2)


def _lp_root(sums: Tensor, norm_type: float, window: int) -> Tensor:
    """PyTorch's (sign(s)·relu(|s|)·window)^(1/p) of the windows' mean p-th powers s."""
    return elementwise.pow(elementwise.sign(sums) * elementwise.relu(elementwise.abs(sums)) * window,
                           1.0 / norm_type)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling (Σ x^p over each window)^(1/p): (N, C, H, W) → (N, C, Ho, Wo), as PyTorch computes it."""
    kh, kw = _pair(kernel_size, "kernel_size", "lp_pool2d")
    sums = avg_pool2d(elementwise.pow(input, norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_root(sums, norm_type, kh * kw)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling (Σ x^p over each window)^(1/p) of (N, C, L)."""
    k = _one(kernel_size)[1]
    sums = avg_pool1d(elementwise.pow(input, norm_type), k, stride, 0, ceil_mode)
    return _lp_root(sums, norm_type, k)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Average pooling over (N, C, L) windows: an avg_pool2d over a 1-pixel-high image."""
    out = avg_pool2d(shape_ops.unsqueeze(input, 2), _one(kernel_size), None if stride is None else _one(stride),
                     (0, _one(padding)[1]), ceil_mode, count_include_pad)
    return shape_ops.squeeze(out, 2)
