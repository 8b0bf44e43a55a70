"""Callbacks: hooks into the training loop (Keras's protocol), one file per family."""

from .backup import BackupAndRestore
from .base import Callback, CallbackList
from .checkpoint import ModelCheckpoint
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .learning_rate import LearningRateScheduler, LRScheduler, ReduceLROnPlateau
from .logging import CSVLogger, TerminateOnNaN
from .tensorboard import TensorBoard
