"""Weight penalties added to the loss: `Dense(64, kernel_regularizer=regularizers.l2(1e-4))`.

Keras's definitions: L1 = l1·Σ|w|, L2 = l2·Σw² (no ½).
"""

from __future__ import annotations

from .. import ops


class Regularizer:
    def __call__(self, weight):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:
        return dict(vars(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in vars(self).items())})"


class L1L2(Regularizer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, weight):
        total = None
        if self.l1:
            total = self.l1 * ops.abs(weight).sum()
        if self.l2:
            term = self.l2 * (weight * weight).sum()
            total = term if total is None else total + term
        return total


class L1(L1L2):
    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}


def get(identifier) -> Regularizer | None:
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return _CLASSES[identifier["class_name"]](**identifier.get("config", {}))
    raise ValueError(f"unknown regularizer {identifier!r}; known: l1, l2, l1_l2 or an L1/L2/L1L2 object")


def serialize(regularizer) -> dict | None:
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
