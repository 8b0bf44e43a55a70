"""Rprop: resilient backpropagation — only the sign of the gradient is used, each coordinate adapts its step."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class Rprop(Optimizer):
    """Per-coordinate step sizes (Riedmiller & Braun, 1993): where the gradient keeps its sign the step grows
    by `etas[1]`, where it flips the step shrinks by `etas[0]` (and that coordinate skips this update and
    forgets its gradient); the step stays in `step_sizes = (min, max)`. Then `p -= sign(g) * step_size`.

    Meant for full-batch training: mini-batch noise flips gradient signs and stalls it. Starts every step
    size at `lr`.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("Rprop", lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: invalid etas {etas} (need 0 < etaminus < 1 < etaplus)")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        xp = get_array_module(param)
        return {"step": 0, "prev": xp.zeros_like(param), "step_size": xp.full_like(param, group["lr"])}

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        etaminus, etaplus = group["etas"]
        step_min, step_max = group["step_sizes"]
        g = self._grad_with_decay(param, grad, group)  # only `maximize`: Rprop has no weight decay
        prev, step_size = state["prev"], state["step_size"]
        product = xp.multiply(g, prev, out=self._scratch(param, 1))
        factor = xp.where(product > 0, etaplus, xp.where(product < 0, etaminus, 1.0)).astype(param.dtype)
        step_size *= factor
        xp.clip(step_size, step_min, step_max, out=step_size)
        # a coordinate whose gradient changed sign takes no step now and has no "previous" sign next time
        xp.multiply(g, product >= 0, out=prev)
        param -= xp.multiply(xp.sign(prev, out=product), step_size, out=product)
