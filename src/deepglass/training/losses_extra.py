"""Keras's other losses: percentage/log errors, focal cross-entropies, log-cosh, Poisson, the hinge family,
cosine similarity, and the overlap losses Dice and Tversky used for (medical) segmentation.

Same conventions as `losses`: functions give one value per sample (Dice and Tversky one value over the
`axis` they reduce, the whole batch by default); the `Loss` classes weigh and reduce them.
Logit paths use log-sigmoid / log-softmax so any logit (±1e4 included) gives a finite loss and gradient.
"""

from __future__ import annotations

import math

from .. import ops
from ..tensor import Tensor
from .losses import EPSILON, _align, _loss_class, hinge_labels


def _mean_last(loss: Tensor) -> Tensor:
    return loss.mean(axis=-1) if loss.ndim > 1 else loss


def mean_absolute_percentage_error(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """100 · mean(|y − ŷ| / max(|y|, 1e-7)) over the last axis (Keras 'mape')."""
    y_true = _align(y_true, y_pred)
    scale = Tensor._wrap(y_true.xp.maximum(y_true.xp.abs(y_true.data), EPSILON).astype(y_pred.dtype))
    return 100.0 * _mean_last(ops.abs(y_true - y_pred) / scale)


def mean_squared_logarithmic_error(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """mean((log(1 + max(ŷ, ε)) − log(1 + max(y, ε)))²) over the last axis (Keras 'msle')."""
    y_true = _align(y_true, y_pred)
    d = ops.log1p(ops.clip(y_pred, EPSILON, None)) - ops.log1p(ops.clip(y_true, EPSILON, None))
    return _mean_last(d * d)


def log_cosh(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """mean(log cosh(ŷ − y)) over the last axis, as |x| + log(1 + e^−2|x|) − log 2 (no overflow for large x)."""
    x = ops.abs(y_pred - _align(y_true, y_pred))
    return _mean_last(x + ops.log1p(ops.exp(-2.0 * x)) - math.log(2.0))


def poisson(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """mean(ŷ − y·log(ŷ + 1e-7)) over the last axis, for count targets and positive rates ŷ."""
    y_true = _align(y_true, y_pred)
    return _mean_last(y_pred - y_true * ops.log(y_pred + EPSILON))


def squared_hinge(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """mean(max(1 − y·ŷ, 0)²) with labels in {−1, 1} (0/1 labels are mapped to −1/1)."""
    margin = ops.relu(1.0 - hinge_labels(y_true, y_pred) * y_pred)
    return _mean_last(margin * margin)


def categorical_hinge(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """max(neg − pos + 1, 0) with pos = Σ y·ŷ and neg = max((1 − y)·ŷ) over the last axis (one-hot y)."""
    y_true = _align(y_true, y_pred)
    pos = (y_true * y_pred).sum(axis=-1)
    neg = ops.amax((1.0 - y_true) * y_pred, axis=-1)
    return ops.relu(neg - pos + 1.0)


def _l2_normalize(x: Tensor, axis) -> Tensor:
    return x / ops.sqrt(ops.clip((x * x).sum(axis=axis, keepdims=True), 1e-12, None))


def cosine_similarity(y_true: Tensor, y_pred: Tensor, axis: int = -1) -> Tensor:
    """−Σ ŷ/‖ŷ‖ · y/‖y‖ over `axis`: −1 for the same direction, 0 when orthogonal or either is zero."""
    y_true = _align(y_true, y_pred)
    return -(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis)).sum(axis=axis)


def binary_focal_crossentropy(
    y_true: Tensor,
    y_pred: Tensor,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Binary cross-entropy scaled by (1 − p_t)^gamma, p_t the probability given to the true label
    (Lin et al. 2018); with `apply_class_balancing`, also by alpha for label 1 and 1 − alpha for label 0.
    Averaged over the last axis."""
    y_true = _align(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:  # bce = max(x, 0) − x·y + log(1 + e^−|x|); 1 − p_t = y·σ(−x) + (1 − y)·σ(x)
        bce = ops.relu(y_pred) - y_pred * y_true + ops.log1p(ops.exp(-ops.abs(y_pred)))
        miss = y_true * ops.sigmoid(-y_pred) + (1.0 - y_true) * ops.sigmoid(y_pred)
    else:
        p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
        miss = y_true * (1.0 - y_pred) + (1.0 - y_true) * y_pred
    loss = bce if gamma == 0 else (miss**gamma) * bce
    if apply_class_balancing:
        loss = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * loss
    return _mean_last(loss)


def categorical_focal_crossentropy(
    y_true: Tensor,
    y_pred: Tensor,
    alpha=0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Σ alpha·(1 − p)^gamma·(−y·log p) over the last axis (one-hot y); `alpha` a number or one per class.
    Probabilities are renormalized and clipped to [1e-7, 1 − 1e-7] as in Keras (in log space for logits)."""
    y_true = _align(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[-1]
    if from_logits:
        log_p = ops.clip(ops.log_softmax(y_pred, axis=-1), math.log(EPSILON), math.log1p(-EPSILON))
        p = ops.exp(log_p)
    else:
        p = ops.clip(y_pred / y_pred.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
        log_p = ops.log(p)
    if not isinstance(alpha, (int, float)):
        alpha = Tensor._wrap(y_pred.xp.asarray(alpha, dtype=y_pred.dtype))
    factor = 1.0 if gamma == 0 else (1.0 - p) ** gamma
    return (factor * alpha * (-y_true * log_p)).sum(axis=-1)


def _overlap_sums(y_true: Tensor, y_pred: Tensor, axis):
    y_true = _align(y_true, y_pred)
    tp = (y_true * y_pred).sum(axis=axis)
    return y_true, tp, y_true.sum(axis=axis), y_pred.sum(axis=axis)


def dice(y_true: Tensor, y_pred: Tensor, axis=None) -> Tensor:
    """1 − 2·Σ y·ŷ / (Σ y + Σ ŷ + 1e-7), the sums over `axis` (None: everything, one value per batch;
    e.g. (1, 2, 3) for one value per image). ŷ are probabilities (apply the sigmoid/softmax first)."""
    _, tp, true_sum, pred_sum = _overlap_sums(y_true, y_pred, axis)
    return 1.0 - 2.0 * tp / (true_sum + pred_sum + EPSILON)


def tversky(y_true: Tensor, y_pred: Tensor, alpha: float = 0.5, beta: float = 0.5, axis=None) -> Tensor:
    """1 − TP / (TP + alpha·FP + beta·FN + 1e-7) with soft counts TP = Σ y·ŷ, FP = Σ (1 − y)·ŷ,
    FN = Σ y·(1 − ŷ) over `axis` (Salehi et al. 2017). alpha = beta = ½ is Dice; beta > alpha penalizes
    missed foreground (false negatives) more, as lesion segmentation often wants."""
    y_true, tp, true_sum, pred_sum = _overlap_sums(y_true, y_pred, axis)
    fp, fn = pred_sum - tp, true_sum - tp
    return 1.0 - tp / (tp + alpha * fp + beta * fn + EPSILON)


MeanAbsolutePercentageError = _loss_class(mean_absolute_percentage_error, "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _loss_class(mean_squared_logarithmic_error, "mean_squared_logarithmic_error")
BinaryFocalCrossentropy = _loss_class(
    binary_focal_crossentropy,
    "binary_focal_crossentropy",
    "binary",
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
)
CategoricalFocalCrossentropy = _loss_class(
    categorical_focal_crossentropy,
    "categorical_focal_crossentropy",
    "categorical",
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
)
LogCosh = _loss_class(log_cosh, "log_cosh")
Poisson = _loss_class(poisson, "poisson")
SquaredHinge = _loss_class(squared_hinge, "squared_hinge", "binary")
CategoricalHinge = _loss_class(categorical_hinge, "categorical_hinge", "categorical")
CosineSimilarity = _loss_class(cosine_similarity, "cosine_similarity", axis=-1)
Dice = _loss_class(dice, "dice", axis=None)
Tversky = _loss_class(tversky, "tversky", alpha=0.5, beta=0.5, axis=None)

EXTRA_LOSSES = {
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "log_cosh": LogCosh,
    "logcosh": LogCosh,
    "poisson": Poisson,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
    "cosine_similarity": CosineSimilarity,
    "dice": Dice,
    "tversky": Tversky,
}
