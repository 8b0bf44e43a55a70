"""Keras metric names and classes (implemented once in deepglass.training.metrics)."""

from ..training.metrics import *  # noqa: F403
from ..training.metrics import get  # noqa: F401
