"""Learning-rate schedules with `torch.optim.lr_scheduler` semantics: `step()`, `get_last_lr()`, `state_dict()`.

Epoch-wise: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR (warm-up), LambdaLR, ...
Batch-wise: CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts (fractional epochs).
Combining: SequentialLR, ChainedScheduler. Metric-driven: ReduceLROnPlateau.
"""

from .combined import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR, OneCycleLR
from .decay import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
]
