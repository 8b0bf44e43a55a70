"""Random rotations and affine maps, each sample its own parameters, resampled in one batched gather."""

from __future__ import annotations

import numpy as np

from . import functional as F
from .base import RandomTransform, as_pair


class RandomAffine(RandomTransform):
    """Random rotation, translation, scale and shear about the image center (torchvision's arguments).

    degrees: d or (min, max), counter-clockwise; translate: (a, b) fractions of width/height, moves
    rounded to whole pixels; scale: (min, max); shear: s, (min, max) for x only, or
    (xmin, xmax, ymin, ymax), in degrees. Uses 6 uniforms per sample: angle, tx, ty, scale, shear x, y.
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation: str = "nearest",
                 fill: float = 0.0, center=None, generator=None):
        super().__init__(generator)
        self.degrees = as_pair(degrees, "RandomAffine degrees")
        if translate is not None and not all(0 <= t <= 1 for t in translate):
            raise ValueError(f"RandomAffine: translate fractions must be in [0, 1], got {translate}")
        self.translate, self.scale = translate, scale
        if shear is None:
            self.shear = (0.0, 0.0, 0.0, 0.0)
        elif isinstance(shear, (int, float)):
            self.shear = (*as_pair(shear, "RandomAffine shear"), 0.0, 0.0)
        elif len(shear) == 2:
            self.shear = (float(shear[0]), float(shear[1]), 0.0, 0.0)
        else:
            self.shear = tuple(float(s) for s in shear)
        self.interpolation, self.fill, self.center = interpolation, fill, center

    def matrices(self, stream, H: int, W: int) -> np.ndarray:
        """Draw each sample's parameters from `stream` and return their inverse maps (n, 2, 3)."""
        u = stream.uniform(6)
        n = len(u)
        lerp = lambda lo, hi, v: lo + (hi - lo) * v  # noqa: E731
        angle = lerp(*self.degrees, u[:, 0])
        if self.translate is not None:
            tx = np.round(lerp(-self.translate[0] * W, self.translate[0] * W, u[:, 1]))
            ty = np.round(lerp(-self.translate[1] * H, self.translate[1] * H, u[:, 2]))
        else:
            tx = ty = np.zeros(n)
        scale = lerp(*self.scale, u[:, 3]) if self.scale is not None else np.ones(n)
        shear = np.stack([lerp(self.shear[0], self.shear[1], u[:, 4]), lerp(self.shear[2], self.shear[3], u[:, 5])], 1)
        center = self.center if self.center is not None else F.image_center(H, W)
        return F.affine_matrices(angle, np.stack([tx, ty], 1), scale, shear, center)

    def _apply(self, x, stream):
        theta = self.matrices(stream, x.shape[2], x.shape[3])
        return F.warp_affine(x, theta, interpolation=self.interpolation, fill=self.fill)


class RandomRotation(RandomAffine):
    """Rotate by an angle drawn from `degrees` (d → (-d, d)), counter-clockwise, about `center`.

    Same draws as RandomAffine (6 uniforms per sample) so the two mix freely in one pipeline.
    """

    def __init__(self, degrees, interpolation: str = "nearest", fill: float = 0.0, center=None, generator=None):
        super().__init__(degrees, interpolation=interpolation, fill=fill, center=center, generator=generator)
