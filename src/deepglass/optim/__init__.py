"""Optimizers (PyTorch names and arguments) and learning-rate schedules.

opt = dg.optim.Adam(model.parameters(), lr=1e-3)
sched = dg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
for x, y in loader:
    opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
sched.step()
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lars import LARS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "NAdam", "LARS", "lr_scheduler",
           "Adamax", "RAdam", "ASGD", "Rprop"]
