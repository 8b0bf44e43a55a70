"""The one training engine: Model (compile/fit/evaluate/predict), callbacks, metrics, progress, summary.

`dg.Model(module)` trains any dg.nn.Module; the Keras models in `dg.keras` use the same `Trainer`.
"""

from . import callbacks, metrics
from .callbacks import Callback, History
from .model import Model, ModelIO, fit
from .progress import Progbar, ProgbarLogger
from .saving import load_model
from .summary import summarize
from .trainer import Trainer
