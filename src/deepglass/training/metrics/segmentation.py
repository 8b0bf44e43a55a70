"""Segmentation metrics over pixels: mean intersection-over-union and the Dice coefficient.

Both accumulate one confusion matrix across batches (global counts, not a mean of per-batch scores).
Inputs as for `ConfusionMatrix`: (N, H, W) labels against (N, C, H, W) or (N, H, W, C) scores, label maps,
or same-shape sigmoid masks (binary, threshold 0.5).
"""

from __future__ import annotations

import numpy as np

from .confusion import ConfusionMatrix


class MeanIoU(ConfusionMatrix):
    """Mean over classes of tp / (tp + fp + fn); classes absent from both labels and predictions are skipped."""

    def __init__(
        self,
        num_classes: int | None = None,
        threshold: float = 0.5,
        ignore_class: int | None = None,
        name: str = "mean_iou",
    ):
        self.ignore_class = ignore_class
        super().__init__(num_classes, threshold, name)

    def result(self) -> float:
        tp, predicted, actual = self._counts()
        union = predicted + actual - tp
        keep = union > 0
        if self.ignore_class is not None and self.ignore_class < keep.size:
            keep[self.ignore_class] = False
        return float(np.mean(tp[keep] / union[keep])) if keep.any() else 0.0


class Dice(ConfusionMatrix):
    """(2tp + smooth) / (2tp + fp + fn + smooth): the foreground class for binary masks, else the mean over
    classes present (the same number as the F1 score over pixels)."""

    def __init__(self, num_classes: int | None = None, threshold: float = 0.5, smooth: float = 0.0, name: str = "dice"):
        self.smooth = smooth
        super().__init__(num_classes, threshold, name)

    def result(self) -> float:
        tp, predicted, actual = self._counts()
        if tp.size == 0:
            return 0.0
        scores = (2 * tp + self.smooth) / np.maximum(predicted + actual + self.smooth, 1e-300)
        if self.binary:
            return float(scores[1]) if tp.size > 1 else 0.0
        keep = (predicted + actual) > 0
        return float(scores[keep].mean()) if keep.any() else 0.0
