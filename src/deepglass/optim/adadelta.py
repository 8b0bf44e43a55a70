"""Adadelta: RMSprop whose step size is itself a running RMS of past updates, so units match (no lr needed)."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class Adadelta(Optimizer):
    """`v = rho*v + (1-rho)*g²; Δ = sqrt(u + eps) / sqrt(v + eps) * g; u = rho*u + (1-rho)*Δ²; p -= lr * Δ`.

    Zeiler (2012): the ratio of the two running RMS values gives each coordinate a step in the units of the
    parameter, so the default `lr=1.0` works without tuning.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho {rho} (must be in [0, 1])")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _init_state(self, param, group):
        xp = get_array_module(param)
        return {"step": 0, "square_avg": xp.zeros_like(param), "acc_delta": xp.zeros_like(param)}

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        g = self._grad_with_decay(param, grad, group)
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        std, delta = self._scratch(param, 1), self._scratch(param, 2)
        square_avg *= rho
        square_avg += xp.multiply(xp.multiply(g, g, out=std), 1 - rho, out=std)
        xp.sqrt(xp.add(square_avg, eps, out=std), out=std)
        xp.sqrt(xp.add(acc_delta, eps, out=delta), out=delta)
        delta /= std
        delta *= g
        acc_delta *= rho
        acc_delta += xp.multiply(xp.multiply(delta, delta, out=std), 1 - rho, out=std)
        param -= xp.multiply(delta, group["lr"], out=delta)
