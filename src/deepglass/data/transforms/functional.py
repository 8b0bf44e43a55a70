"""Geometry on whole batches: inverse-affine sampling with nearest/bilinear interpolation, crops, flips, resize.

Coordinates are pixel centers: x = 0..W-1 to the right, y = 0..H-1 downwards. Warps take, for each
output pixel, the 2×3 matrix `theta` mapping it to the input location it reads (the inverse map), so
every sample of the batch is resampled by one gather — no Python loop over images.
"""

from __future__ import annotations

import numpy as np

from ...backend import get_array_module


def _framed(x, fill, border: bool):
    """x (N, C, H, W) inside a frame: 1 pixel left/top, 2 right/bottom, of `fill` (or edge copies for border)."""
    xp = get_array_module(x)
    N, C, H, W = x.shape
    if border:
        return xp.pad(x, ((0, 0), (0, 0), (1, 2), (1, 2)), mode="edge")
    out = xp.full((N, C, H + 3, W + 3), fill, dtype=x.dtype)
    out[:, :, 1 : H + 1, 1 : W + 1] = x
    return out


def _fold_coordinates(xp, s, size: int, mode: str):
    """Source coordinates brought back into the image, [-0.5, size - 0.5]: mirrored about its edges
    ('reflection': d c b a | a b c d | d c b a) or wrapped around ('wrap': a b c d | a b c d)."""
    if mode == "wrap":
        return xp.mod(s + 0.5, size) - 0.5
    s = xp.mod(s + 0.5, 2 * size)
    return xp.where(s >= size, 2 * size - s, s) - 0.5


PADDING_MODES = ("zeros", "border", "reflection", "wrap")


def warp_affine(x, theta, out_size: tuple[int, int] | None = None, interpolation: str = "bilinear",
                fill: float = 0.0, padding_mode: str = "zeros"):
    """Resample a batch x (N, C, H, W) through inverse maps theta (N, 2, 3): out[n, :, y, x] = x[n, :, theta·(x, y, 1)].

    `padding_mode='zeros'` puts `fill` where the map leaves the image; 'border' repeats the edge pixels,
    'reflection' mirrors the image about its edges and 'wrap' tiles it (Keras's fill modes reflect, wrap).
    Integer inputs (uint8) are interpolated in float32 and rounded back to their dtype.
    How: the batch gets a frame of fill pixels, source coordinates are clamped into that frame, and
    each of the (up to) 4 neighbours is one `take` on the flattened batch — no masks, no Python loop.
    """
    xp = get_array_module(x)
    N, C, H, W = x.shape
    Ho, Wo = out_size if out_size is not None else (H, W)
    theta = xp.asarray(theta, dtype=np.float32).reshape(N, 2, 3)
    ys, xs = xp.meshgrid(xp.arange(Ho, dtype=np.float32), xp.arange(Wo, dtype=np.float32), indexing="ij")
    xs, ys = xs.ravel(), ys.ravel()
    sx = theta[:, 0, 0:1] * xs + theta[:, 0, 1:2] * ys + theta[:, 0, 2:3]  # (N, P) source x
    sy = theta[:, 1, 0:1] * xs + theta[:, 1, 1:2] * ys + theta[:, 1, 2:3]
    return remap(x, sx, sy, (Ho, Wo), interpolation, fill, padding_mode)


def remap(x, sx, sy, out_size: tuple[int, int], interpolation: str = "bilinear", fill: float = 0.0,
          padding_mode: str = "zeros"):
    """Sample a batch x (N, C, H, W) at source coordinates sx, sy (N, Ho·Wo each, pixel units, row-major
    over the output): the general warp behind warp_affine, perspective and elastic transforms."""
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"warp: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"warp: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    xp = get_array_module(x)
    N, C, H, W = x.shape
    Ho, Wo = out_size
    sx = xp.asarray(sx, dtype=np.float32).reshape(N, Ho * Wo)
    sy = xp.asarray(sy, dtype=np.float32).reshape(N, Ho * Wo)
    if padding_mode in ("reflection", "wrap"):
        sx, sy = _fold_coordinates(xp, sx, W, padding_mode), _fold_coordinates(xp, sy, H, padding_mode)
    border = padding_mode != "zeros"
    lo_x, hi_x, lo_y, hi_y = (0, W - 1, 0, H - 1) if border else (-1, W, -1, H)
    sx, sy = xp.clip(sx, lo_x, hi_x), xp.clip(sy, lo_y, hi_y)  # beyond 1 pixel out, everything is frame
    framed = _framed(x, fill, border)
    Wf = W + 3
    flat = framed.reshape(-1)
    base = (xp.arange(N * C, dtype=np.int64) * ((H + 3) * Wf)).reshape(N, C, 1)

    def corner_index(iy, ix):
        """Flat index (N, C, P) of framed pixel (iy, ix); the within-image part is exact in float32."""
        pixel = ((iy + 1) * Wf + (ix + 1)).astype(np.int64)
        return pixel[:, None, :] + base

    if interpolation == "nearest":
        out = xp.take(flat, corner_index(xp.floor(sy + 0.5), xp.floor(sx + 0.5)))
    else:
        x0, y0 = xp.floor(sx), xp.floor(sy)
        wx, wy = (sx - x0)[:, None, :], (sy - y0)[:, None, :]
        if flat.dtype.kind != "f":
            flat = flat.astype(np.float32)
        i00 = corner_index(y0, x0)  # its neighbours are +1 (right), +Wf (below), +Wf+1
        v00, v01 = xp.take(flat, i00), xp.take(flat, i00 + 1)
        v10, v11 = xp.take(flat, i00 + Wf), xp.take(flat, i00 + (Wf + 1))
        top = v00 + (v01 - v00) * wx
        out = top + (v10 + (v11 - v10) * wx - top) * wy
        if x.dtype.kind in "iu":
            info = np.iinfo(x.dtype)
            out = xp.clip(xp.rint(out), info.min, info.max)
        out = out.astype(x.dtype, copy=False)
    return out.reshape(N, C, Ho, Wo)


def affine_matrices(angle, translate, scale, shear, center: tuple[float, float]) -> np.ndarray:
    """Inverse maps (N, 2, 3) for per-sample affine transforms about `center` (cx, cy).

    Forward map: p' = center + translate + R(angle) · Shear(shear) · scale · (p - center), with `angle`
    in degrees counter-clockwise on screen (torchvision's convention), `translate` (N, 2) in pixels,
    `shear` (N, 2) x- and y-shear angles in degrees. Returned is its inverse, which warp_affine needs.
    """
    angle = np.deg2rad(np.asarray(angle, dtype=np.float64))
    n = angle.shape[0]
    translate = np.broadcast_to(np.asarray(translate, dtype=np.float64), (n, 2))
    scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), (n,))
    shear = np.deg2rad(np.broadcast_to(np.asarray(shear, dtype=np.float64), (n, 2)))
    cos, sin = np.cos(angle), np.sin(angle)
    rot = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], 1)  # y points down: CCW on screen
    sh = np.stack([np.stack([np.ones(n), np.tan(shear[:, 0])], -1),
                   np.stack([np.tan(shear[:, 1]), np.ones(n)], -1)], 1)
    A = rot @ sh * scale[:, None, None]  # (N, 2, 2) linear part
    A_inv = np.linalg.inv(A)
    c = np.asarray(center, dtype=np.float64)
    # p = c + A_inv · (p' - c - t)
    offset = c - np.einsum("nij,nj->ni", A_inv, c + translate)
    return np.concatenate([A_inv, offset[:, :, None]], axis=2)


def image_center(H: int, W: int) -> tuple[float, float]:
    """The pixel-center coordinates of the image middle: ((W - 1) / 2, (H - 1) / 2)."""
    return (W - 1) / 2.0, (H - 1) / 2.0


def resize(x, size: tuple[int, int], interpolation: str = "bilinear"):
    """Resize a batch (N, C, H, W) to size (h, w), sampling pixel centers (align_corners=False), edges repeated."""
    N, C, H, W = x.shape
    h, w = size
    sx, sy = W / w, H / h
    theta = np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5]])
    return warp_affine(x, np.broadcast_to(theta, (N, 2, 3)), (h, w), interpolation, padding_mode="border")


def output_size(size, H: int, W: int) -> tuple[int, int]:
    """torchvision's Resize rule: an int resizes the shorter edge keeping the aspect ratio; a pair is (h, w)."""
    if isinstance(size, int):
        if H <= W:
            return size, max(1, int(size * W / H))
        return max(1, int(size * H / W)), size
    return int(size[0]), int(size[1])


def hflip(x):
    """Mirror a batch left-right."""
    return x[..., ::-1]


def vflip(x):
    """Mirror a batch top-bottom."""
    return x[..., ::-1, :]


def crop(x, top, left, h: int, w: int):
    """Per-sample crops: sample n keeps rows top[n]:top[n]+h and columns left[n]:left[n]+w (one gather)."""
    xp = get_array_module(x)
    N = x.shape[0]
    top, left = xp.asarray(top, dtype=np.int64), xp.asarray(left, dtype=np.int64)
    rows = top[:, None] + xp.arange(h)  # (N, h)
    cols = left[:, None] + xp.arange(w)  # (N, w)
    n = xp.arange(N)[:, None, None]
    out = x[n, :, rows[:, :, None], cols[:, None, :]]  # advanced indices first: (N, h, w, C)
    return xp.ascontiguousarray(out.transpose(0, 3, 1, 2))


def pad(x, padding, fill: float = 0.0, padding_mode: str = "constant"):
    """Pad the H and W axes of a batch; `padding` is p, (left/right, top/bottom) or (left, top, right, bottom)."""
    xp = get_array_module(x)
    if isinstance(padding, int):
        left = top = right = bottom = padding
    elif len(padding) == 2:
        left, top = padding
        right, bottom = padding
    else:
        left, top, right, bottom = padding
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    if padding_mode == "constant":
        return xp.pad(x, widths, mode="constant", constant_values=fill)
    return xp.pad(x, widths, mode={"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode])


def floor_index(u, count: int):
    """Uniform u in [0, 1) → integers 0..count-1 (how random offsets are drawn from uniforms)."""
    return np.minimum(np.floor(np.asarray(u) * count), count - 1).astype(np.int64)


__all__ = ["warp_affine", "remap", "affine_matrices", "resize", "hflip", "vflip", "crop", "pad", "image_center",
           "output_size", "floor_index"]
