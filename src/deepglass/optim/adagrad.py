"""Adagrad: per-coordinate learning rates that shrink with the sum of squared gradients seen so far."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class Adagrad(Optimizer):
    """`sum += g²; p -= clr * g / (sqrt(sum) + eps)` with `clr = lr / (1 + (step - 1) * lr_decay)`.

    Rarely-updated coordinates keep large steps, frequent ones get small steps (Duchi et al., 2011); the
    ever-growing sum makes the effective rate decay, which is why RMSprop/Adadelta replace it by an average.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        xp = get_array_module(param)
        return {"step": 0, "sum": xp.full_like(param, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        g = self._grad_with_decay(param, grad, group)
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        tmp = self._scratch(param, 1)
        state["sum"] += xp.multiply(g, g, out=tmp)
        std = xp.sqrt(state["sum"], out=tmp)
        std += group["eps"]
        param -= xp.multiply(xp.divide(g, std, out=tmp), clr, out=tmp)
