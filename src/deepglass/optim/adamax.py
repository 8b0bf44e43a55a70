"""Adamax: Adam with the infinity norm in place of the running RMS (Kingma & Ba, 2015, section 7.1)."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class Adamax(Optimizer):
    """`m = b1*m + (1-b1)*g; u = max(b2*u, |g| + eps); p -= lr / (1 - b1^t) * m / u`.

    `u` (`exp_inf`) is an exponentially weighted infinity norm of the gradients: it needs no bias
    correction, and the step of a coordinate is bounded by `lr / (1 - b1^t)`. `weight_decay` is an L2 term.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("Adamax", betas, lr=lr, eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        xp = get_array_module(param)
        return {"step": 0, "exp_avg": xp.zeros_like(param), "exp_inf": xp.zeros_like(param)}

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        g = self._grad_with_decay(param, grad, group)
        exp_avg, exp_inf, tmp = state["exp_avg"], state["exp_inf"], self._scratch(param, 1)
        exp_avg += xp.multiply(xp.subtract(g, exp_avg, out=tmp), 1 - beta1, out=tmp)  # lerp towards g
        exp_inf *= beta2
        tmp = xp.abs(g, out=tmp)
        tmp += group["eps"]
        xp.maximum(exp_inf, tmp, out=exp_inf)
        clr = group["lr"] / (1 - beta1 ** state["step"])
        param -= xp.multiply(xp.divide(exp_avg, exp_inf, out=tmp), clr, out=tmp)
