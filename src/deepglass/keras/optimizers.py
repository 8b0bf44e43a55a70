"""Keras optimizer spellings (Keras 3 defaults) that build dg.optim optimizers once the weights exist.

`schedules` holds Keras's learning-rate schedules: `Adam(learning_rate=schedules.ExponentialDecay(...))`.
"""

import sys

from ..training import schedules
from ..training.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    KerasOptimizer,
    Lion,
    Nadam,
    RMSprop,
    get,
)

# `from deepglass.keras.optimizers.schedules import ExponentialDecay` works as with Keras
sys.modules.setdefault(__name__ + ".schedules", schedules)

Optimizer = KerasOptimizer
__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "Lion", "Nadam", "Optimizer", "RMSprop", "get",
           "schedules"]
