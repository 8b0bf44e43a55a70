"""Keras callback names (implemented once in deepglass.training.callbacks)."""

from ..training.callbacks import *  # noqa: F403
from ..training.progress import ProgbarLogger  # noqa: F401
