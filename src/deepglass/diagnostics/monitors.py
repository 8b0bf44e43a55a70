"""LayerMonitor: a training callback that watches every layer, the "babysitting" numbers of the courses.

    monitor = dg.diagnostics.LayerMonitor(every=10)
    model.fit(x, y, epochs=3, callbacks=[monitor])
    print(monitor.format())          # per layer: weight norm, gradient norm, update/weight ratio, flags

Every `every` steps it records, per parameter, ||w||, ||grad|| and the update/weight ratio
||w_after - w_before|| / ||w_before|| (about 1e-3 is healthy; far above means the learning rate is
too high, far below too low), and per layer the activation mean/std and, for ReLUs, the fraction
of dead units (zero for the whole batch). On every step it checks the loss, and each layer's output
for NaN/inf, and names the first layer and op where one appeared. Off by default: add it to `callbacks`.
"""

from __future__ import annotations

import math

import numpy as np

from .nonfinite import NonFiniteEvent, first_nonfinite_op, is_finite
from .probe import leaf_modules


def _callback_base():
    try:
        from ..training.callbacks import Callback
    except ImportError:  # the training engine is optional for using the monitor by hand
        return object
    return Callback


def _norm(array) -> float:
    xp = __import__("deepglass").backend.get_array_module(array)
    return float(xp.sqrt((array.astype(xp.float64) ** 2).sum()))


class LayerMonitor(_callback_base()):
    """Per-layer parameter/gradient norms, update/weight ratios, activation statistics and NaN detection.

    `every`: sample the statistics every N training steps (1 = every step; the NaN check of the loss
    runs every step regardless). `check_layers`: also check each layer's output for NaN/inf on every
    step (one `isfinite` pass per layer), to name the layer and op where it appeared.
    `ratio_range`: update/weight ratios outside it are flagged (default 1e-4..1e-2 around 1e-3).
    `stop_on_nonfinite`: stop training at the first NaN/inf. `module`: the nn.Module to watch, when
    the monitor is used without the training engine (otherwise `model.module`).
    """

    def __init__(self, every: int = 10, check_layers: bool = True, ratio_range=(1e-4, 1e-2),
                 stop_on_nonfinite: bool = True, module=None):
        if every < 1:
            raise ValueError(f"LayerMonitor: every must be >= 1, got {every}")
        self.every, self.check_layers = every, check_layers
        self.ratio_range, self.stop_on_nonfinite = ratio_range, stop_on_nonfinite
        if _callback_base() is not object:
            super().__init__()
        self._module = module
        self.model = None
        self.params: dict = {}  # what fit() passes through set_params (epochs, steps, ...)
        self.step = 0
        self.steps: list[int] = []
        self.param_stats: dict[str, dict[str, list[float]]] = {}
        self.activation_stats: dict[str, dict[str, list[float]]] = {}
        self.nonfinite: NonFiniteEvent | None = None
        self._before: dict = {}
        self._handles: list = []
        self._sampling = False
        self._layer_event: tuple | None = None

    # ---- wiring -------------------------------------------------------------------------------
    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    @property
    def module(self):
        module = self._module if self._module is not None else getattr(self.model, "module", self.model)
        if module is None:
            raise RuntimeError("LayerMonitor: no model attached; pass module= or use it as a fit() callback")
        return module

    def _install_hooks(self) -> None:
        self._remove_hooks()
        self._param_names = {id(p): n for n, p in self.module.named_parameters()}
        for name, layer in leaf_modules(self.module):
            self._handles.append(layer.register_forward_hook(self._make_hook(name, type(layer).__name__)))

    def _remove_hooks(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _make_hook(self, name: str, kind: str):
        def hook(module, inputs, output):
            if not hasattr(output, "data"):
                return
            if self._sampling:
                self._record_activation(name, kind, output.data)
            if self.check_layers and self._layer_event is None and not is_finite(output.data):
                op, detail = first_nonfinite_op(output, self._param_names)
                self._layer_event = (name, kind, op, detail)

        return hook

    # ---- callback hooks -----------------------------------------------------------------------
    def on_train_begin(self, logs=None) -> None:
        if self.check_layers or self.every >= 1:
            self._install_hooks()

    def on_train_end(self, logs=None) -> None:
        self._remove_hooks()

    def on_train_batch_begin(self, batch, logs=None) -> None:
        if not self._handles:
            self._install_hooks()
        self._sampling = self.step % self.every == 0
        if self._sampling:
            self._before = {n: p.data.copy() for n, p in self.module.named_parameters()}

    def on_train_batch_end(self, batch, logs=None) -> None:
        loss = (logs or {}).get("loss")
        if self._sampling:
            self._record_parameters()
            self._sampling = False
        if self.nonfinite is None:
            self._check_nonfinite(loss)
        self._layer_event = None
        self.step += 1

    # ---- measurements -------------------------------------------------------------------------
    def _record_parameters(self) -> None:
        self.steps.append(self.step)
        for name, p in self.module.named_parameters():
            stats = self.param_stats.setdefault(name, {"norm": [], "grad_norm": [], "update_ratio": []})
            before = self._before.get(name)
            w_norm = _norm(before if before is not None else p.data)
            stats["norm"].append(w_norm)
            stats["grad_norm"].append(_norm(p.grad.data) if p.grad is not None else 0.0)
            delta = _norm(p.data - before) if before is not None else 0.0
            stats["update_ratio"].append(delta / w_norm if w_norm > 0 else (math.inf if delta > 0 else 0.0))
        self._before = {}

    def _record_activation(self, name: str, kind: str, data) -> None:
        stats = self.activation_stats.setdefault(name, {"mean": [], "std": []})
        if kind in ("ReLU", "ReLU6"):
            stats.setdefault("dead_fraction", [])
        if len(stats["mean"]) >= len(self.steps) + 1:  # a layer called twice in one step: keep the first
            return
        values = data.astype("float64")
        stats["mean"].append(float(values.mean()))
        stats["std"].append(float(values.std()))
        if "dead_fraction" in stats:
            units = (data.reshape(data.shape[0], -1) <= 0).all(axis=0)
            stats["dead_fraction"].append(float(units.mean()))

    def _check_nonfinite(self, loss) -> None:
        event = None
        if self._layer_event is not None:
            name, kind, op, detail = self._layer_event
            where = op if op in ("input", "parameter") else "layer"
            if where == "input":
                message = f"the input batch of layer {name!r} ({kind}) already contained NaN/inf: check the data"
            elif where == "parameter":
                message = f"parameter {detail!r} is NaN/inf: an earlier update blew it up (learning rate too high?)"
            else:
                message = f"NaN/inf first appeared in layer {name!r} ({kind}), op {op}" + (f": {detail}" if detail
                                                                                          else "")
            event = NonFiniteEvent(self.step, where, name, op, message)
        elif loss is not None and not math.isfinite(float(loss)):
            event = NonFiniteEvent(self.step, "loss", "", "", f"the loss is {loss} while every layer output is "
                                   "finite: the loss function met a log(0) or overflow (check labels/targets)")
        else:
            for name, p in self.module.named_parameters():
                if p.grad is not None and not is_finite(p.grad.data):
                    event = NonFiniteEvent(self.step, "gradient", name, "", f"the gradient of {name!r} is NaN/inf "
                                           "although the forward pass was finite (overflow in backward)")
                    break
        if event is not None:
            self.nonfinite = event
            if self.stop_on_nonfinite and self.model is not None and hasattr(self.model, "stop_training"):
                self.model.stop_training = True

    # ---- reading the results ------------------------------------------------------------------
    def summary(self, last: int = 5) -> list[dict]:
        """One row per parameter: the median of the last `last` samples of each statistic, and a flag."""
        rows = []
        low, high = self.ratio_range
        for name, stats in self.param_stats.items():
            row = {"name": name, **{k: float(np.median(v[-last:])) if v else float("nan") for k, v in stats.items()}}
            ratio = row["update_ratio"]
            is_weight = name.endswith("weight") or "bias" not in name
            row["flag"] = ""
            if is_weight and ratio > high:
                row["flag"] = f"update/weight ratio {ratio:.1e} > {high:.0e}: learning rate too high for this layer"
            elif is_weight and ratio < low:
                row["flag"] = f"update/weight ratio {ratio:.1e} < {low:.0e}: learning rate too low for this layer"
            rows.append(row)
        return rows

    def flags(self, last: int = 5) -> list[str]:
        """Plain-language warnings: ratios far from 1e-3, dead ReLUs, vanishing activations, NaN/inf."""
        out = [f"{row['name']}: {row['flag']}" for row in self.summary(last) if row["flag"]]
        for name, stats in self.activation_stats.items():
            dead = stats.get("dead_fraction")
            if dead and np.median(dead[-last:]) > 0.5:
                out.append(f"{name}: {np.median(dead[-last:]):.0%} of its ReLUs are dead (zero for a whole batch): "
                           "lower the learning rate, use He initialization, or try LeakyReLU")
            if stats["std"] and np.median(stats["std"][-last:]) < 1e-3:
                out.append(f"{name}: activations have almost no spread (std {np.median(stats['std'][-last:]):.1e}): "
                           "signals vanish; check the initialization scale")
        if self.nonfinite is not None:
            out.append(str(self.nonfinite))
        return out

    def format(self, last: int = 5) -> str:
        """A text table of `summary()` plus the flags."""
        lines = [f"{'parameter':<28} {'|w|':>10} {'|grad|':>10} {'update/w':>10}"]
        for row in self.summary(last):
            lines.append(f"{row['name']:<28} {row['norm']:>10.3g} {row['grad_norm']:>10.3g} "
                         f"{row['update_ratio']:>10.2e}")
        return "\n".join(lines + [f"! {flag}" for flag in self.flags(last)])
