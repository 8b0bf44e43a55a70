"""The spatial transformer's sampler: grid_sample reads (N, C, H, W) at the (x, y) ∈ [-1, 1]² points of a grid.

Each output pixel is a bilinear blend of the 4 input pixels around its point (or the nearest one); backward
scatter-adds the gradient onto those pixels and, for bilinear, differentiates the blend w.r.t. the point.
Points are unnormalized to pixel coordinates, then padded: 'zeros' drops outside pixels, 'border' clamps the
coordinates, 'reflection' mirrors them at the borders, with PyTorch's conventions (and gradients) throughout.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from . import linalg
from . import shape as shape_ops


def _unnormalize(coord, size: int, align_corners: bool):
    """Pixel coordinate of a normalized one and d(pixel)/d(normalized)."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2), (size - 1) / 2
    return ((coord + 1) * size - 1) / 2, size / 2


def _clip(coord, size: int):
    """Clamp to [0, size − 1]; the gradient multiplier is 0 where clamped (at the ends too, as PyTorch's)."""
    xp = get_array_module(coord)
    return xp.clip(coord, 0, size - 1), ((coord > 0) & (coord < size - 1)).astype(coord.dtype)


def _reflect(coord, size: int, align_corners: bool):
    """Mirror into [0, size − 1] (about the pixel edges unless align_corners), then clamp; the gradient multiplier."""
    xp = get_array_module(coord)
    low, high = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
    if low == high:
        return xp.zeros_like(coord), xp.zeros_like(coord)
    lo, span = low / 2, (high - low) / 2
    shifted = coord - lo
    mult = xp.where(shifted < 0, -1.0, 1.0).astype(coord.dtype)
    shifted = xp.abs(shifted)
    extra, flips = xp.fmod(shifted, span), xp.floor(shifted / span)
    even = flips % 2 == 0
    out = xp.where(even, extra + lo, span - extra + lo)
    mult = xp.where(even, mult, -mult)
    out, clip_mult = _clip(out, size)
    return out, mult * clip_mult


def _source(coord, size: int, padding_mode: str, align_corners: bool):
    """Pixel coordinates for `padding_mode` and d(pixel)/d(normalized coordinate)."""
    pixel, scale = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        pixel, mult = _clip(pixel, size)
        return pixel, mult * scale
    if padding_mode == "reflection":
        pixel, mult = _reflect(pixel, size, align_corners)
        return pixel, mult * scale
    return pixel, scale


class GridSample2d(Function):
    def forward(self, x, grid, *, mode, padding_mode, align_corners):
        xp = get_array_module(x)
        n, c, h, w = x.shape
        ho, wo = grid.shape[1:3]
        ix, self.dix = _source(grid[..., 0].reshape(n, -1), w, padding_mode, align_corners)
        iy, self.diy = _source(grid[..., 1].reshape(n, -1), h, padding_mode, align_corners)
        self.x_shape, self.out_hw, self.batch = x.shape, (ho, wo), xp.arange(n)[:, None]
        self.channels_last = xp.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(n, h * w, c)
        if mode == "nearest":
            corners = [(xp.rint(iy), xp.rint(ix), xp.ones_like(ix))]
        else:
            x0, y0 = xp.floor(ix), xp.floor(iy)
            wx1, wy1 = ix - x0, iy - y0
            wx0, wy0 = 1 - wx1, 1 - wy1
            self.weights = (wx0, wx1, wy0, wy1)
            corners = [(y0, x0, wy0 * wx0), (y0, x0 + 1, wy0 * wx1), (y0 + 1, x0, wy1 * wx0),
                       (y0 + 1, x0 + 1, wy1 * wx1)]
        self.corners = []  # (flat index, weight with out-of-bounds corners at 0, the corner's values)
        out = xp.zeros((n, ho * wo, c), dtype=x.dtype)
        for yy, xx, weight in corners:
            inside = (xx >= 0) & (xx <= w - 1) & (yy >= 0) & (yy <= h - 1)
            flat = xp.where(inside, yy * w + xx, 0).astype(xp.int64)
            values = self.channels_last[self.batch, flat] * inside[..., None]  # (n, ho·wo, c)
            weight = (weight * inside).astype(x.dtype, copy=False)
            out += weight[..., None] * values
            self.corners.append((flat, weight, values))
        self.mode = mode
        return xp.ascontiguousarray(out.reshape(n, ho, wo, c).transpose(0, 3, 1, 2))

    def backward(self, gy):
        xp = get_array_module(gy)
        n, c, h, w = self.x_shape
        g = gy.transpose(0, 2, 3, 1).reshape(n, -1, c)  # (n, ho·wo, c)
        gx = ggrid = None
        if self.needs_input_grad[0]:
            gx = xp.zeros((n, h * w, c), dtype=gy.dtype)
            for flat, weight, _ in self.corners:
                xp.add.at(gx, (self.batch, flat), weight[..., None] * g)
            gx = xp.ascontiguousarray(gx.reshape(n, h, w, c).transpose(0, 3, 1, 2))
        if self.needs_input_grad[1]:
            ho, wo = self.out_hw
            if self.mode == "nearest":
                ggrid = xp.zeros((n, ho, wo, 2), dtype=gy.dtype)
            else:
                (_, _, v00), (_, _, v01), (_, _, v10), (_, _, v11) = self.corners
                wx0, wx1, wy0, wy1 = self.weights
                dx = ((v01 - v00) * wy0[..., None] + (v11 - v10) * wy1[..., None])
                dy = ((v10 - v00) * wx0[..., None] + (v11 - v01) * wx1[..., None])
                gix = (g * dx).sum(axis=2) * self.dix
                giy = (g * dy).sum(axis=2) * self.diy
                ggrid = xp.stack([gix, giy], axis=-1).reshape(n, ho, wo, 2).astype(gy.dtype, copy=False)
        return gx, ggrid


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample (N, C, H, W) at the points of grid (N, Ho, Wo, 2) — (x, y) in [-1, 1], (-1, -1) the top-left
    corner — → (N, C, Ho, Wo). mode 'bilinear' or 'nearest'; padding_mode 'zeros', 'border' or 'reflection'."""
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"grid_sample: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"grid_sample: padding_mode must be 'zeros', 'border' or 'reflection', got {padding_mode!r}")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise ValueError(f"grid_sample: expected input (N, C, H, W) and grid (N, Ho, Wo, 2), got {tuple(input.shape)} "
                         f"and {tuple(grid.shape)}")
    if input.dtype != grid.dtype:
        raise TypeError(f"grid_sample: input dtype {input.dtype} differs from grid dtype {grid.dtype}")
    return GridSample2d.apply(input, grid, mode=mode, padding_mode=padding_mode, align_corners=bool(align_corners))


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) of the affine maps theta (N, 2, 3) for an output of size (N, C, H, W):
    each output pixel's normalized (x, y, 1) times thetaᵀ (differentiable w.r.t. theta)."""
    size = tuple(int(v) for v in size)
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3) or len(size) != 4 or size[0] != theta.shape[0]:
        raise ValueError(f"affine_grid: expected theta (N, 2, 3) and size (N, C, H, W) with the same N, got theta "
                         f"{tuple(theta.shape)} and size {size}")
    xp, dtype = theta.xp, theta.dtype
    n, _, h, w = size

    def line(steps: int):
        if align_corners:
            return xp.linspace(-1, 1, steps, dtype=dtype) if steps > 1 else xp.zeros(1, dtype=dtype)
        return ((xp.arange(steps, dtype=dtype) * 2 + 1) / steps - 1).astype(dtype)
    xs, ys = line(w), line(h)
    base = xp.stack([xp.broadcast_to(xs[None, :], (h, w)), xp.broadcast_to(ys[:, None], (h, w)),
                     xp.ones((h, w), dtype=dtype)], axis=-1).reshape(1, h * w, 3)
    grid = linalg.matmul(Tensor._wrap(xp.ascontiguousarray(base)), shape_ops.transpose(theta, 1, 2))
    return shape_ops.reshape(grid, (n, h, w, 2))
