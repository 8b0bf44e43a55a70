"""Keras optimizer spellings (Keras 3 defaults) that build dg.optim optimizers once the weights exist."""

from ..training.optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, KerasOptimizer, Nadam, RMSprop, get

Optimizer = KerasOptimizer
__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Nadam", "Optimizer", "RMSprop", "get"]
