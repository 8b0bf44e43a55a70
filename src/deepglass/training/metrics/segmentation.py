"""Segmentation metrics over pixels: intersection-over-union (IoU, MeanIoU, BinaryIoU) and the Dice coefficient.

All accumulate one confusion matrix across batches (global counts, not a mean of per-batch scores).
Inputs as for `ConfusionMatrix`: (N, H, W) labels against (N, C, H, W) or (N, H, W, C) scores, label maps,
or same-shape sigmoid masks (binary, threshold 0.5).
"""

from __future__ import annotations

import numpy as np

from .base import to_numpy
from .confusion import ConfusionMatrix


class _IoUBase(ConfusionMatrix):
    """tp / (tp + fp + fn) per class, averaged over `target_class_ids` (all classes when None); a class absent
    from both labels and predictions is left out of the mean, as in Keras. Pixels whose label is
    `ignore_class` (a 'void' label such as 255) are not counted at all."""

    def __init__(self, num_classes, target_class_ids, threshold: float, ignore_class: int | None, name: str):
        self.ignore_class = ignore_class
        self.target_class_ids = None if target_class_ids is None else [int(c) for c in target_class_ids]
        super().__init__(num_classes, threshold, name)

    def _keep(self, t: np.ndarray) -> np.ndarray | None:
        return None if self.ignore_class is None else t != self.ignore_class

    def result(self) -> float:
        tp, predicted, actual = self._counts()
        union = predicted + actual - tp
        ids = np.arange(tp.size) if self.target_class_ids is None else np.asarray(self.target_class_ids, dtype=int)
        ids = ids[(ids < tp.size) & (ids != (-1 if self.ignore_class is None else self.ignore_class))]
        ids = ids[union[ids] > 0]
        return float(np.mean(tp[ids] / union[ids])) if ids.size else 0.0


class IoU(_IoUBase):
    """Intersection-over-union of the classes in `target_class_ids`, averaged (Keras's `IoU`): for one class,
    its Jaccard index; for several, their mean. Predictions are class scores (argmax), label maps, or
    sigmoid masks (threshold)."""

    def __init__(
        self,
        num_classes: int | None,
        target_class_ids,
        name: str = "iou",
        ignore_class: int | None = None,
        threshold: float = 0.5,
    ):
        super().__init__(num_classes, target_class_ids, threshold, ignore_class, name)


class MeanIoU(_IoUBase):
    """Mean over classes of tp / (tp + fp + fn); classes absent from both labels and predictions are skipped,
    and so is `ignore_class` (whose pixels are dropped)."""

    def __init__(
        self,
        num_classes: int | None = None,
        threshold: float = 0.5,
        ignore_class: int | None = None,
        name: str = "mean_iou",
    ):
        super().__init__(num_classes, None, threshold, ignore_class, name)


class BinaryIoU(_IoUBase):
    """IoU of binary masks: predictions `>= threshold` are foreground (Keras's `BinaryIoU`), labels > 0.5 are;
    averaged over `target_class_ids` — (0, 1) both classes, [1] the foreground only."""

    def __init__(self, target_class_ids=(0, 1), threshold: float = 0.5, name: str = "binary_iou"):
        super().__init__(2, target_class_ids, threshold, None, name)

    def _labels(self, y_true, y_pred) -> tuple[np.ndarray, np.ndarray, bool]:
        y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
        if y_true.size != y_pred.size:
            raise ValueError(f"{self.name}: labels of shape {y_true.shape} do not match predictions {y_pred.shape}")
        t = (y_true.reshape(y_pred.shape) > 0.5).astype(np.int64)
        return t, (y_pred >= self.threshold).astype(np.int64), True


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
