"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992), with PyTorch's step-size schedule."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class ASGD(Optimizer):
    """`p *= 1 - lambd*η; p -= η * g`, and the running average `ax` of the iterates after step `t0`.

    `η_t = lr / (1 + lambd*lr*t)^alpha` decays the step size; `μ_t = 1 / max(1, t - t0)` is the weight of
    the newest iterate in the average `ax` (state), which is what ASGD returns as the solution — the
    parameters themselves keep following plain (decaying) SGD. `weight_decay` adds an L2 term to the gradient.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("ASGD", lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        xp = get_array_module(param)
        return {"step": 0, "eta": float(group["lr"]), "mu": 1.0, "ax": xp.zeros_like(param)}

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        step, lr, lambd = state["step"], group["lr"], group["lambd"]
        g = self._grad_with_decay(param, grad, group)
        eta, tmp = state["eta"], self._scratch(param, 1)
        param *= 1 - lambd * eta
        param -= xp.multiply(g, eta, out=tmp)
        ax = state["ax"]
        if state["mu"] != 1:
            ax += xp.multiply(xp.subtract(param, ax, out=tmp), state["mu"], out=tmp)
        else:
            ax[...] = param
        state["eta"] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        state["mu"] = 1 / max(1, step - group["t0"])
