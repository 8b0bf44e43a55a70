"""Segmentation for U-Net: the Dice + BCE loss on logits, Dice / IoU of hard masks, and mask overlays.

Binary masks: logits (N, 1, H, W), targets (N, 1, H, W) or (N, H, W) of 0/1. Dice = 2|A∩B| / (|A| + |B|)
measures overlap and, unlike per-pixel BCE, is not swamped by a large background; the usual recipe adds both.
"""

from __future__ import annotations

import numpy as np

from .. import nn, ops
from ..nn import functional as F
from ..tensor import Tensor


class DiceBCELoss(nn.Module):
    """Soft Dice loss of sigmoid(logits) plus `bce_weight` x BCE-with-logits: the usual binary U-Net loss.

    Shapes: logits (N, 1, H, W); target 0/1 mask of the same shape (or (N, H, W)). Dice alone gives
    weak gradients early on (all-background predictions); BCE alone under-weights small objects.
    """

    def __init__(self, smooth: float = 1.0, bce_weight: float = 1.0):
        super().__init__()
        self.smooth, self.bce_weight = smooth, bce_weight

    def forward(self, logits: Tensor, target) -> Tensor:
        target = target if isinstance(target, Tensor) else Tensor(np.asarray(target), device=logits.device)
        if target.ndim == logits.ndim - 1:
            target = target.reshape(logits.shape)
        if target.shape != logits.shape:
            raise ValueError(f"DiceBCELoss: logits have shape {logits.shape} but the target mask has shape "
                             f"{target.shape}")
        target = target.astype(logits.dtype)
        loss = F.dice_loss(ops.sigmoid(logits), target, self.smooth)
        if self.bce_weight:
            loss = loss + self.bce_weight * F.binary_cross_entropy_with_logits(logits, target)
        return loss

    def extra_repr(self) -> str:
        return f"smooth={self.smooth}, bce_weight={self.bce_weight}"


def _masks(pred, target, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Hard boolean masks (N, pixels) from logits (thresholded after sigmoid) or probabilities, and 0/1 targets."""
    p = np.asarray(pred.numpy() if isinstance(pred, Tensor) else pred, dtype=np.float64)
    t = np.asarray(target.numpy() if isinstance(target, Tensor) else target)
    if p.min() < 0 or p.max() > 1:  # logits
        p = 1.0 / (1.0 + np.exp(-p))
    return (p > threshold).reshape(len(p), -1), (t > 0.5).reshape(len(t), -1)


def dice_score(pred, target, threshold: float = 0.5) -> float:
    """Mean over images of the Dice coefficient of the thresholded prediction (1.0 when both masks are empty)."""
    p, t = _masks(pred, target, threshold)
    inter, total = (p & t).sum(1), p.sum(1) + t.sum(1)
    return float(np.mean(np.where(total == 0, 1.0, 2.0 * inter / np.maximum(total, 1))))


def iou_score(pred, target, threshold: float = 0.5) -> float:
    """Mean over images of intersection over union (Jaccard) of the thresholded prediction."""
    p, t = _masks(pred, target, threshold)
    inter, union = (p & t).sum(1), (p | t).sum(1)
    return float(np.mean(np.where(union == 0, 1.0, inter / np.maximum(union, 1))))


def overlay_mask(image, mask, color=(1.0, 0.0, 0.0), alpha: float = 0.4) -> np.ndarray:
    """An (H, W, 3) float image in [0, 1] with `mask` (H, W) tinted in `color`, for plotting predictions."""
    img = np.asarray(image.numpy() if isinstance(image, Tensor) else image, dtype=np.float64)
    if img.ndim == 3 and img.shape[0] in (1, 3):
        img = img.transpose(1, 2, 0)  # CHW -> HWC
    if img.ndim == 2:
        img = img[..., None]
    if img.shape[-1] == 1:
        img = np.repeat(img, 3, axis=-1)
    m = np.asarray(mask.numpy() if isinstance(mask, Tensor) else mask).reshape(img.shape[:2]) > 0.5
    lo, hi = img.min(), img.max()
    img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    out = img.copy()
    out[m] = (1 - alpha) * img[m] + alpha * np.asarray(color, dtype=np.float64)
    return out
