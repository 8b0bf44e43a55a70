"""Loss layers: thin Modules over `nn.functional` with PyTorch's names, arguments and defaults."""

from __future__ import annotations

import inspect

from ..tensor import Tensor, get_default_dtype
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("none", "mean", "sum", "batchmean"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""

    def get_config(self) -> dict:
        """The constructor's arguments, JSON-ready (class weights as lists): `type(self)(**config)` rebuilds
        the loss, which is how a saved model keeps its loss options."""
        names = [n for n in inspect.signature(type(self).__init__).parameters if n != "self"]
        return {n: getattr(self, n).tolist() if isinstance(getattr(self, n), Tensor) else getattr(self, n)
                for n in names}

    def _register_weight(self, name: str, weight) -> None:
        """Keep a `weight`/`pos_weight` argument as a buffer, as PyTorch does: `to(device)` moves it and
        `state_dict()` saves it. Arrays and lists become float Tensors."""
        if weight is not None and not isinstance(weight, Tensor):
            weight = Tensor(weight, dtype=get_default_dtype())
        self.register_buffer(name, weight)


class MSELoss(_Loss):
    """factor · (input - target)², reduced. `factor=0.5` is the course's ½(s - d)² form (default 1 = PyTorch)."""

    def __init__(self, reduction: str = "mean", factor: float = 1.0):
        super().__init__(reduction)
        self.factor = factor

    def forward(self, input: Tensor, target) -> Tensor:
        return F.mse_loss(input, target, self.reduction, self.factor)


class L1Loss(_Loss):
    """|input - target|, reduced (mean absolute error by default); input and target of one shape."""
    def forward(self, input: Tensor, target) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """½d² where |d| < delta, delta·(|d| - ½delta) elsewhere (d = input - target), reduced."""
    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by `beta`: ½d²/beta where |d| < beta, |d| - ½beta elsewhere; beta=0 is L1Loss."""
    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (apply a sigmoid first, or use BCEWithLogitsLoss)."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean"):
        super().__init__(reduction)
        self._register_weight("weight", weight)

    def forward(self, input: Tensor, target) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy fused (stable for any logit); `pos_weight` weights positive examples."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean", pos_weight: Tensor | None = None):
        super().__init__(reduction)
        self._register_weight("weight", weight)
        self._register_weight("pos_weight", pos_weight)

    def forward(self, input: Tensor, target) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax + negative log-likelihood on logits, fused and stable. See `F.cross_entropy` for shapes.

    Targets are class indices or class probabilities; `weight`, `ignore_index`, `label_smoothing` as in PyTorch.
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        self._register_weight("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (pair it with LogSoftmax)."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self._register_weight("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class KLDivLoss(_Loss):
    """KL(target || exp(input)) for log-probabilities `input`; use reduction='batchmean' for the true KL."""

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target) -> Tensor:
        return F.kl_div(input, target, self.reduction, self.log_target)


class HingeEmbeddingLoss(_Loss):
    """x where target is 1, max(0, margin - x) where target is -1, reduced (x: distances)."""
    def __init__(self, margin: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Tensor, target) -> Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, self.reduction)


class MultiMarginLoss(_Loss):
    """Multi-class hinge (SVM) loss on scores (N, C) and class indices (N,)."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None, reduction: str = "mean"):
        super().__init__(reduction)
        self._register_weight("weight", weight)
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target) -> Tensor:
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class DiceLoss(_Loss):
    """1 - Dice coefficient per sample and channel, for segmentation masks (input: probabilities)."""

    def __init__(self, smooth: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.smooth = smooth

    def forward(self, input: Tensor, target) -> Tensor:
        return F.dice_loss(input, target, self.smooth, self.reduction)
