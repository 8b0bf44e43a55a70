"""Optimizer names and Keras-style optimizer objects → `dg.optim` optimizers.

Keras creates an optimizer before the model has weights (`compile(optimizer=Adam(1e-3))`), PyTorch
needs the parameters first. A `KerasOptimizer` is therefore a recipe: it keeps Keras's arguments and
`build(params)` makes the `dg.optim` optimizer once the weights exist. Defaults are Keras 3's
(e.g. Adadelta learning_rate=0.001, epsilon=1e-7 everywhere; Keras 2 used Adadelta lr=1.0).
"""

from __future__ import annotations

from .. import optim
from ..backend import get_array_module
from . import schedules


class _ScheduledStep:
    """Replaces `step` on a built optimizer whose Keras learning rate is a schedule: before each update every
    group's lr becomes `schedule(iterations)` (0 for the first update), as in Keras; afterwards the rate of
    the next update, so `param_groups[0]["lr"]` (and fit's logged lr) is Keras's `optimizer.learning_rate`.
    The count is kept in each group as "iterations", so it is saved and resumed with `state_dict()`."""

    def __init__(self, optimizer: optim.Optimizer, schedule) -> None:
        self.optimizer, self.schedule = optimizer, schedule
        self.original = type(optimizer).step.__get__(optimizer)
        self._set_lr(optimizer.param_groups[0].setdefault("iterations", 0))

    def _set_lr(self, iterations: int) -> None:
        lr = float(self.schedule(iterations))
        for group in self.optimizer.param_groups:
            group["lr"], group["iterations"] = lr, iterations

    def __call__(self, closure=None):
        iterations = int(self.optimizer.param_groups[0].get("iterations", 0))
        self._set_lr(iterations)
        loss = self.original(closure)
        self._set_lr(iterations + 1)
        return loss


class KerasOptimizer:
    """A Keras optimizer spelling: `Adam(learning_rate=1e-3)`; `build(params)` gives the dg.optim optimizer.

    `learning_rate` may be a float or a `keras.optimizers.schedules` schedule, applied at every update.
    """

    defaults: dict = {}

    def __init__(self, learning_rate=None, **kwargs):
        if "lr" in kwargs:  # Keras 2 spelling
            learning_rate = kwargs.pop("lr")
        unknown = set(kwargs) - set(self.defaults) - {"name", "clipnorm", "clipvalue", "global_clipnorm"}
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(unknown)}")
        self.config = {**self.defaults, **kwargs}
        if isinstance(learning_rate, dict) and "class_name" in learning_rate:  # a saved config
            learning_rate = schedules.deserialize(learning_rate)
        self.schedule = learning_rate if isinstance(learning_rate, schedules.LearningRateSchedule) else None
        if self.schedule is not None:
            self.config["learning_rate"] = schedules.serialize(self.schedule)  # JSON, for model.save
        else:
            self.config["learning_rate"] = self.default_lr if learning_rate is None else float(learning_rate)
        self.built = None

    default_lr = 1e-3

    @property
    def learning_rate(self) -> float:
        """The rate of the next update (a schedule's value at the current `iterations`)."""
        if self.built is not None:
            return self.built.param_groups[0]["lr"]
        if self.schedule is not None:
            return float(self.schedule(0))
        return self.config["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        if self.schedule is not None:
            raise TypeError("this optimizer's learning rate is a schedule: it cannot be set to a value")
        self.config["learning_rate"] = float(value)
        if self.built is not None:
            for group in self.built.param_groups:
                group["lr"] = float(value)

    @property
    def iterations(self) -> int:
        """How many updates the built optimizer made (counted only when the learning rate is a schedule)."""
        if self.built is None:
            return 0
        return int(self.built.param_groups[0].get("iterations", 0))

    def build(self, params) -> optim.Optimizer:
        config = self.config
        if self.schedule is not None:
            config = {**config, "learning_rate": float(self.schedule(0))}
        self.built = self._make(list(params), config)
        if self.schedule is not None:
            self.built.step = _ScheduledStep(self.built, self.schedule)
        return self.built

    def _make(self, params, c) -> optim.Optimizer:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": type(self).__name__, **self.config}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.config.items())})"


class SGD(KerasOptimizer):
    """Keras SGD (learning_rate=0.01, momentum=0.0, nesterov=False); builds dg.optim.SGD."""
    default_lr = 0.01
    defaults = {"momentum": 0.0, "nesterov": False, "weight_decay": None}

    def _make(self, params, c):
        return optim.SGD(
            params,
            lr=c["learning_rate"],
            momentum=c["momentum"],
            nesterov=c["nesterov"],
            weight_decay=c["weight_decay"] or 0.0,
        )


class Adam(KerasOptimizer):
    """Keras Adam (learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7); builds dg.optim.Adam."""
    defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False, "weight_decay": None}

    def _make(self, params, c):
        return optim.Adam(
            params,
            lr=c["learning_rate"],
            betas=(c["beta_1"], c["beta_2"]),
            eps=c["epsilon"],
            amsgrad=c["amsgrad"],
            weight_decay=c["weight_decay"] or 0.0,
        )


class AdamW(KerasOptimizer):
    """Keras AdamW: Adam with decoupled weight_decay=0.004 (Keras 3's default); builds dg.optim.AdamW."""
    defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False, "weight_decay": 0.004}

    def _make(self, params, c):
        return optim.AdamW(
            params,
            lr=c["learning_rate"],
            betas=(c["beta_1"], c["beta_2"]),
            eps=c["epsilon"],
            amsgrad=c["amsgrad"],
            weight_decay=c["weight_decay"],
        )


class Nadam(KerasOptimizer):
    """Keras Nadam: Adam with Nesterov momentum (learning_rate=0.001, epsilon=1e-7); builds dg.optim.NAdam."""
    defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "weight_decay": None}

    def _make(self, params, c):
        return optim.NAdam(
            params,
            lr=c["learning_rate"],
            betas=(c["beta_1"], c["beta_2"]),
            eps=c["epsilon"],
            weight_decay=c["weight_decay"] or 0.0,
        )


class RMSprop(KerasOptimizer):
    """Keras RMSprop (learning_rate=0.001, rho=0.9, epsilon=1e-7); builds dg.optim.RMSprop (rho → alpha)."""
    defaults = {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False, "weight_decay": None}

    def _make(self, params, c):
        return optim.RMSprop(
            params,
            lr=c["learning_rate"],
            alpha=c["rho"],
            momentum=c["momentum"],
            eps=c["epsilon"],
            centered=c["centered"],
            weight_decay=c["weight_decay"] or 0.0,
        )


class Adadelta(KerasOptimizer):
    """Keras Adadelta (Keras 3: learning_rate=0.001, rho=0.95, epsilon=1e-7); builds dg.optim.Adadelta."""
    defaults = {"rho": 0.95, "epsilon": 1e-7, "weight_decay": None}

    def _make(self, params, c):
        return optim.Adadelta(
            params, lr=c["learning_rate"], rho=c["rho"], eps=c["epsilon"], weight_decay=c["weight_decay"] or 0.0
        )


class Adagrad(KerasOptimizer):
    """Keras Adagrad (learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7); builds dg.optim.Adagrad."""
    defaults = {"initial_accumulator_value": 0.1, "epsilon": 1e-7, "weight_decay": None}

    def _make(self, params, c):
        return optim.Adagrad(
            params,
            lr=c["learning_rate"],
            eps=c["epsilon"],
            initial_accumulator_value=c["initial_accumulator_value"],
            weight_decay=c["weight_decay"] or 0.0,
        )


class _KerasAdamaxRule(optim.Adamax):
    """Keras's Adamax update, which places epsilon differently from PyTorch's:
    `u = max(b2*u, |g|); p -= lr / (1 - b1^t) * m / (u + eps)`; weight decay is decoupled, as in Keras 3."""

    def __init__(self, params, lr, betas, eps, weight_decay):
        super().__init__(params, lr=lr, betas=betas, eps=eps)
        for group in self.param_groups:
            group["weight_decay"], group["decoupled_weight_decay"] = weight_decay, True
        self.defaults.update(weight_decay=weight_decay, decoupled_weight_decay=True)

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        g = self._decayed_grad(param, grad, group)
        exp_avg, exp_inf, tmp = state["exp_avg"], state["exp_inf"], self._scratch(param, 1)
        exp_avg += xp.multiply(xp.subtract(g, exp_avg, out=tmp), 1 - beta1, out=tmp)
        exp_inf *= beta2
        xp.maximum(exp_inf, xp.abs(g, out=tmp), out=exp_inf)
        denom = xp.add(exp_inf, group["eps"], out=tmp)
        param -= xp.multiply(xp.divide(exp_avg, denom, out=tmp), group["lr"] / (1 - beta1 ** state["step"]), out=tmp)


class LionRule(optim.Optimizer):
    """Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"), as Keras defines it:
    `p -= lr * sign(b1*m + (1-b1)*g); m = b2*m + (1-b2)*g`; decoupled `weight_decay` (`p *= 1 - lr*wd`).

    Every coordinate moves by exactly ±lr, so Lion wants a learning rate 3-10x smaller than Adam's.
    The state is the momentum `m` ("exp_avg")."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.99), weight_decay: float = 0.0, *, maximize=False):
        if lr < 0.0 or weight_decay < 0.0:
            raise ValueError(f"Lion: invalid lr {lr} or weight_decay {weight_decay}")
        if not (0.0 < betas[0] <= 1.0 and 0.0 <= betas[1] <= 1.0):
            raise ValueError(f"Lion: invalid betas {betas} (beta_1 in (0, 1], beta_2 in [0, 1])")
        defaults = dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay, decoupled_weight_decay=True,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        return {"exp_avg": get_array_module(param).zeros_like(param)}

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        beta1, beta2 = group["betas"]
        g = self._decayed_grad(param, grad, group)
        m, tmp = state["exp_avg"], self._scratch(param, 1)
        xp.multiply(m, beta1, out=tmp)
        tmp += xp.multiply(g, 1 - beta1, out=self._scratch(param, 2))
        param -= xp.multiply(xp.sign(tmp, out=tmp), group["lr"], out=tmp)
        m *= beta2
        m += xp.multiply(g, 1 - beta2, out=tmp)


class Adamax(KerasOptimizer):
    """Keras Adamax (learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7): Adam with the infinity
    norm. Keras's update (epsilon added to the norm, not inside the max, unlike torch.optim.Adamax)."""
    defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "weight_decay": None}

    def _make(self, params, c):
        return _KerasAdamaxRule(
            params, c["learning_rate"], (c["beta_1"], c["beta_2"]), c["epsilon"], c["weight_decay"] or 0.0
        )


class Lion(KerasOptimizer):
    """Keras Lion (learning_rate=0.001, beta_1=0.9, beta_2=0.99): sign of an interpolated momentum."""
    defaults = {"beta_1": 0.9, "beta_2": 0.99, "weight_decay": None}

    def _make(self, params, c):
        return LionRule(params, lr=c["learning_rate"], betas=(c["beta_1"], c["beta_2"]),
                        weight_decay=c["weight_decay"] or 0.0)


_BY_NAME = {
    "adamax": Adamax,
    "lion": Lion,
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "nadam": Nadam,
    "rmsprop": RMSprop,
    "adadelta": Adadelta,
    "adagrad": Adagrad,
}


def get(identifier):
    """A dg.optim optimizer or a KerasOptimizer recipe from a name ('adam'), class or object."""
    if isinstance(identifier, (optim.Optimizer, KerasOptimizer)):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() not in _BY_NAME:
            raise ValueError(f"unknown optimizer {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, type) and issubclass(identifier, KerasOptimizer):
        return identifier()
    raise TypeError(f"cannot interpret {identifier!r} as an optimizer (a name, a dg.optim optimizer or a Keras one)")


def build(identifier, params) -> optim.Optimizer:
    """The dg.optim optimizer for `params`: a dg.optim optimizer as is, a recipe or name built on `params`."""
    spec = get(identifier)
    if isinstance(spec, optim.Optimizer):
        return spec
    return spec.build(params)
