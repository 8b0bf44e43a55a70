"""RandomPerspective: move each corner inwards by a random amount and warp the image to match."""

from __future__ import annotations

import numpy as np

from . import functional as F
from .base import RandomTransform, get_array_module


def perspective_coefficients(startpoints, endpoints) -> np.ndarray:
    """(N, 8) coefficients a..h of the map taking each `endpoints` corner to its `startpoints` corner
    (both (N, 4, 2) as (x, y)): x_in = (a x + b y + c) / (g x + h y + 1), y_in = (d x + e y + f) / (same)."""
    end = np.asarray(endpoints, dtype=np.float64)
    start = np.asarray(startpoints, dtype=np.float64)
    end, start = np.broadcast_arrays(end, start)
    n = end.shape[0]
    A = np.zeros((n, 8, 8))
    ex, ey, sx, sy = end[..., 0], end[..., 1], start[..., 0], start[..., 1]
    A[:, 0::2, 0], A[:, 0::2, 1], A[:, 0::2, 2] = ex, ey, 1
    A[:, 0::2, 6], A[:, 0::2, 7] = -sx * ex, -sx * ey
    A[:, 1::2, 3], A[:, 1::2, 4], A[:, 1::2, 5] = ex, ey, 1
    A[:, 1::2, 6], A[:, 1::2, 7] = -sy * ex, -sy * ey
    b = start.reshape(n, 8)
    return np.linalg.solve(A, b[..., None])[..., 0]


def warp_perspective(x, coeffs, interpolation: str = "bilinear", fill: float = 0.0):
    """Warp a batch through per-sample coefficients (N, 8), sampling as torchvision's tensor backend does:
    output pixel (x, y) reads the input at P(x + ½, y + ½) − ½."""
    xp = get_array_module(x)
    N, C, H, W = x.shape
    c = xp.asarray(coeffs, dtype=np.float64).reshape(N, 8, 1)
    ys, xs = xp.meshgrid(xp.arange(H, dtype=np.float64) + 0.5, xp.arange(W, dtype=np.float64) + 0.5, indexing="ij")
    xs, ys = xs.ravel()[None], ys.ravel()[None]
    denominator = c[:, 6] * xs + c[:, 7] * ys + 1
    sx = (c[:, 0] * xs + c[:, 1] * ys + c[:, 2]) / denominator - 0.5
    sy = (c[:, 3] * xs + c[:, 4] * ys + c[:, 5]) / denominator - 0.5
    return F.remap(x, sx, sy, (H, W), interpolation, fill)


class RandomPerspective(RandomTransform):
    """With probability p, a random perspective warp: each corner moves inwards by up to
    `distortion_scale` × half the image size (torchvision's draws). Uses 9 uniforms per sample
    (apply, then x/y of the top-left, top-right, bottom-right and bottom-left corners)."""

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5, interpolation: str = "bilinear",
                 fill: float = 0.0, generator=None):
        super().__init__(generator)
        if not 0 <= distortion_scale <= 1:
            raise ValueError(f"RandomPerspective: distortion_scale must be in [0, 1], got {distortion_scale}")
        self.distortion_scale, self.p, self.interpolation, self.fill = distortion_scale, p, interpolation, fill

    def endpoints(self, u: np.ndarray, H: int, W: int) -> np.ndarray:
        """(n, 4, 2) moved corners from 8 uniforms per sample (torchvision's integer ranges)."""
        dw, dh = int(self.distortion_scale * (W // 2)), int(self.distortion_scale * (H // 2))

        def randint(v, lo, hi):  # integers lo..hi-1
            return lo + F.floor_index(v, hi - lo)

        near_x, near_y = lambda v: randint(v, 0, dw + 1), lambda v: randint(v, 0, dh + 1)  # noqa: E731
        far_x, far_y = lambda v: randint(v, W - dw - 1, W), lambda v: randint(v, H - dh - 1, H)  # noqa: E731
        corners = [(near_x(u[:, 0]), near_y(u[:, 1])), (far_x(u[:, 2]), near_y(u[:, 3])),
                   (far_x(u[:, 4]), far_y(u[:, 5])), (near_x(u[:, 6]), far_y(u[:, 7]))]
        return np.stack([np.stack(c, axis=1) for c in corners], axis=1).astype(np.float64)

    def _apply(self, x, stream):
        xp = get_array_module(x)
        N, C, H, W = x.shape
        u = stream.uniform(9)
        start = np.array([[0, 0], [W - 1, 0], [W - 1, H - 1], [0, H - 1]], dtype=np.float64)
        coeffs = perspective_coefficients(np.broadcast_to(start, (N, 4, 2)), self.endpoints(u[:, 1:], H, W))
        warped = warp_perspective(x, coeffs, self.interpolation, self.fill)
        return xp.where(xp.asarray(u[:, 0] < self.p)[:, None, None, None], warped, x)
