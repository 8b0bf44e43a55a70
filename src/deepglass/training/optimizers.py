"""Optimizer names and Keras-style optimizer objects → `dg.optim` optimizers.

Keras creates an optimizer before the model has weights (`compile(optimizer=Adam(1e-3))`), PyTorch
needs the parameters first. A `KerasOptimizer` is therefore a recipe: it keeps Keras's arguments and
`build(params)` makes the `dg.optim` optimizer once the weights exist. Defaults are Keras 3's
(e.g. Adadelta learning_rate=0.001, epsilon=1e-7 everywhere; Keras 2 used Adadelta lr=1.0).
"""

from __future__ import annotations

from .. import optim


class KerasOptimizer:
    """A Keras optimizer spelling: `Adam(learning_rate=1e-3)`; `build(params)` gives the dg.optim optimizer."""

    defaults: dict = {}

    def __init__(self, learning_rate: float | None = None, **kwargs):
        if "lr" in kwargs:  # Keras 2 spelling
            learning_rate = kwargs.pop("lr")
        unknown = set(kwargs) - set(self.defaults) - {"name", "clipnorm", "clipvalue", "global_clipnorm"}
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(unknown)}")
        self.config = {**self.defaults, **kwargs}
        self.config["learning_rate"] = self.default_lr if learning_rate is None else float(learning_rate)
        self.built = None

    default_lr = 1e-3

    @property
    def learning_rate(self) -> float:
        if self.built is not None:
            return self.built.param_groups[0]["lr"]
        return self.config["learning_rate"]

    def build(self, params) -> optim.Optimizer:
        self.built = self._make(list(params), self.config)
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


_BY_NAME = {
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
