"""Augmentation policies: TrivialAugmentWide, RandAugment and AutoAugment, with torchvision's op lists and
magnitude bins, on float [0, 1] or uint8 images of 1 or 3 channels.

Each sample draws its own ops and magnitudes; then every op runs once on the samples that drew it (ops
are deterministic given their per-sample magnitudes), so a batch costs one pass per op, not per sample.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from . import functional as F
from . import photometric as P
from .base import RandomTransform, get_array_module


def _theta(n: int, rows) -> np.ndarray:
    theta = np.zeros((n, 2, 3))
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    for (i, j), v in rows.items():
        theta[:, i, j] = v
    return theta


def apply_op(x, name: str, magnitude: np.ndarray, interpolation: str = "nearest", fill: float = 0.0):
    """torchvision's `_apply_op` on a batch, one magnitude per sample (an (N,) array)."""
    n, _, H, W = x.shape
    m = np.asarray(magnitude, dtype=np.float64).reshape(-1)
    m = np.broadcast_to(m, (n,))
    if name == "Identity":
        return x
    if name in ("ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"):
        if name == "ShearX":  # torchvision: shear atan(m) degrees about the top-left corner (pixel −0.5, −0.5)
            theta = _theta(n, {(0, 1): m, (0, 2): 0.5 * m})  # x_in = x + m (y + 0.5)
        elif name == "ShearY":
            theta = _theta(n, {(1, 0): m, (1, 2): 0.5 * m})  # y_in = y + m (x + 0.5)
        elif name == "TranslateX":
            theta = _theta(n, {(0, 2): -np.trunc(m)})  # whole pixels, like int(magnitude)
        elif name == "TranslateY":
            theta = _theta(n, {(1, 2): -np.trunc(m)})
        else:
            theta = F.affine_matrices(m, np.zeros((n, 2)), np.ones(n), np.zeros((n, 2)), F.image_center(H, W))
        return F.warp_affine(x, theta, interpolation=interpolation, fill=fill)
    if name == "Brightness":
        return P.adjust_brightness(x, 1.0 + m)
    if name == "Color":
        return P.adjust_saturation(x, 1.0 + m)
    if name == "Contrast":
        return P.adjust_contrast(x, 1.0 + m)
    if name == "Sharpness":
        return P.adjust_sharpness(x, 1.0 + m)
    if name == "Posterize":
        bits = m.astype(np.int64)
        out = x.copy()
        xp = get_array_module(x)
        for b in np.unique(bits):
            idx = xp.asarray(np.flatnonzero(bits == b))
            out[idx] = P.posterize(x[idx], int(b))
        return out
    if name == "Solarize":  # magnitudes are fractions of the image's range (255 for uint8, 1 for floats)
        xp = get_array_module(x)
        threshold = xp.asarray(m * P.max_value(x.dtype), dtype=np.float64).reshape(-1, 1, 1, 1)
        return xp.where(x >= threshold, P.invert(x), x)
    if name == "AutoContrast":
        return P.autocontrast(x)
    if name == "Equalize":
        return P.equalize(x)
    if name == "Invert":
        return P.invert(x)
    raise ValueError(f"unknown augmentation op {name!r}")


def _apply_grouped(x, names: list[str], which: np.ndarray, magnitude: np.ndarray, interpolation, fill):
    """Sample i gets op names[which[i]] with magnitude[i] (which −1: nothing); one op call per distinct op."""
    xp = get_array_module(x)
    out = x
    for k in np.unique(which[which >= 0]):
        idx = np.flatnonzero(which == k)
        if names[k] == "Identity":
            continue
        if out is x:
            out = x.copy()
        out[xp.asarray(idx)] = apply_op(x[xp.asarray(idx)], names[k], magnitude[idx], interpolation, fill)
    return out


def _space(num_bins: int, H: int, W: int, wide: bool) -> dict[str, tuple[np.ndarray, bool]]:
    """torchvision's augmentation space: op → (magnitude bins, signed). Solarize as a fraction of the range."""
    lin = lambda hi: np.linspace(0.0, hi, num_bins)  # noqa: E731
    one = np.zeros(())
    posterize_div = 6 if wide else 4
    posterize = 8 - np.round(np.arange(num_bins) / ((num_bins - 1) / posterize_div)).astype(np.int64)
    return {
        "Identity": (one, False),
        "ShearX": (lin(0.99 if wide else 0.3), True),
        "ShearY": (lin(0.99 if wide else 0.3), True),
        "TranslateX": (lin(32.0 if wide else 150.0 / 331.0 * W), True),
        "TranslateY": (lin(32.0 if wide else 150.0 / 331.0 * H), True),
        "Rotate": (lin(135.0 if wide else 30.0), True),
        "Brightness": (lin(0.99 if wide else 0.9), True),
        "Color": (lin(0.99 if wide else 0.9), True),
        "Contrast": (lin(0.99 if wide else 0.9), True),
        "Sharpness": (lin(0.99 if wide else 0.9), True),
        "Posterize": (posterize.astype(np.float64), False),
        "Solarize": (np.linspace(1.0, 0.0, num_bins), False),
        "AutoContrast": (one, False),
        "Equalize": (one, False),
    }


def _check_image(x, name: str):
    if x.shape[1] not in (1, 3):
        raise ValueError(f"{name}: expected 1 or 3 channels, got {x.shape[1]}")
    if x.dtype.kind != "f" and x.dtype != np.uint8:
        raise TypeError(f"{name}: expected a float or uint8 image, got dtype {x.dtype}")


class TrivialAugmentWide(RandomTransform):
    """One op of 14 per sample, with a magnitude drawn from `num_magnitude_bins` bins and a random sign
    (Müller & Hutter 2021). Uses 3 uniforms per sample: op, magnitude bin, sign."""

    def __init__(self, num_magnitude_bins: int = 31, interpolation: str = "nearest", fill: float = 0.0,
                 generator=None):
        super().__init__(generator)
        self.num_magnitude_bins, self.interpolation, self.fill = int(num_magnitude_bins), interpolation, fill

    def _apply(self, x, stream):
        _check_image(x, "TrivialAugmentWide")
        space = _space(self.num_magnitude_bins, x.shape[2], x.shape[3], wide=True)
        names = list(space)
        u = stream.uniform(3)
        which = F.floor_index(u[:, 0], len(names))
        bins = F.floor_index(u[:, 1], self.num_magnitude_bins)
        magnitude = np.array([space[names[k]][0][b] if space[names[k]][0].ndim else 0.0 for k, b in zip(which, bins)])
        signed = np.array([space[names[k]][1] for k in which], dtype=bool)
        magnitude = np.where(signed & (u[:, 2] < 0.5), -magnitude, magnitude)
        return _apply_grouped(x, names, which, magnitude, self.interpolation, self.fill)


class RandAugment(RandomTransform):
    """`num_ops` ops in a row per sample, each picked from 14 with the fixed `magnitude` bin (of
    `num_magnitude_bins`) and a random sign (Cubuk et al. 2019). Uses 2 uniforms per op per sample."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation: str = "nearest", fill: float = 0.0, generator=None):
        super().__init__(generator)
        if not 0 <= magnitude < num_magnitude_bins:
            raise ValueError(f"RandAugment: magnitude must be in 0..{num_magnitude_bins - 1}, got {magnitude}")
        self.num_ops, self.magnitude, self.num_magnitude_bins = int(num_ops), int(magnitude), int(num_magnitude_bins)
        self.interpolation, self.fill = interpolation, fill

    def _apply(self, x, stream):
        _check_image(x, "RandAugment")
        space = _space(self.num_magnitude_bins, x.shape[2], x.shape[3], wide=False)
        names = list(space)
        level = {k: (float(v[self.magnitude]) if v.ndim else 0.0, s) for k, (v, s) in space.items()}
        for _ in range(self.num_ops):
            u = stream.uniform(2)
            which = F.floor_index(u[:, 0], len(names))
            magnitude = np.array([level[names[k]][0] for k in which])
            signed = np.array([level[names[k]][1] for k in which], dtype=bool)
            magnitude = np.where(signed & (u[:, 1] < 0.5), -magnitude, magnitude)
            x = _apply_grouped(x, names, which, magnitude, self.interpolation, self.fill)
        return x


class AutoAugmentPolicy(Enum):
    """AutoAugment policies learned on ImageNet, CIFAR-10 and SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


class AutoAugment(RandomTransform):
    """A random sub-policy (two ops, each applied with its probability at its magnitude) of the policy learned
    on ImageNet, CIFAR-10 or SVHN (Cubuk et al. 2018). Uses 5 uniforms per sample: sub-policy, then the
    probability and sign of each op."""

    NUM_BINS = 10

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET, interpolation: str = "nearest",
                 fill: float = 0.0, generator=None):
        super().__init__(generator)
        self.policy = AutoAugmentPolicy(policy)
        self.interpolation, self.fill = interpolation, fill
        self.policies = _POLICIES[self.policy]

    def _apply(self, x, stream):
        _check_image(x, "AutoAugment")
        space = _space(self.NUM_BINS, x.shape[2], x.shape[3], wide=False)
        space["Invert"] = (np.zeros(()), False)
        names = list(space)
        u = stream.uniform(5)
        policy = F.floor_index(u[:, 0], len(self.policies))
        for step in range(2):
            ops = [self.policies[k][step] for k in policy]
            which = np.array([names.index(op) if u[i, 1 + step] <= p else -1 for i, (op, p, _) in enumerate(ops)])
            magnitude = np.array([float(space[op][0][b]) if b is not None else 0.0 for op, _, b in ops])
            signed = np.array([space[op][1] for op, _, _ in ops], dtype=bool)
            magnitude = np.where(signed & (u[:, 3 + step] < 0.5), -magnitude, magnitude)
            x = _apply_grouped(x, names, which, magnitude, self.interpolation, self.fill)
        return x

