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

from ..backend import get_array_module
from ..training.callbacks import Callback
from .nonfinite import NonFiniteEvent, first_nonfinite_op, is_finite
from .probe import leaf_modules


def _norm(array) -> float:
    """The 2-norm (BLAS nrm2 scales internally, so huge weights do not overflow to inf)."""
    return float(get_array_module(array).linalg.norm(array.ravel()))


class LayerMonitor(Callback):
    """Per-layer parameter/gradient norms, update/weight ratios, activation statistics and NaN detection.

    `every`: sample the statistics every N training steps (1 = every step). The loss is checked for
    NaN/inf at every step; a NaN gradient behind a finite loss shows at the next sampled step.
    `check_layers`: also check each layer's output on every step (a max/min pass per layer), to name
    the layer and op where a NaN/inf appeared.
    `ratio_range`: update/weight ratios outside it are flagged (default 1e-4..3e-2 around 1e-3).
    `stop_on_nonfinite`: stop training at the first NaN/inf. `module`: the nn.Module to watch, when
    the monitor is used without the training engine (otherwise `model.module`).
    """

    def __init__(self, every: int = 10, check_layers: bool = True, ratio_range=(1e-4, 3e-2),
                 stop_on_nonfinite: bool = True, module=None):
        super().__init__()
        if every < 1:
            raise ValueError(f"LayerMonitor: every must be >= 1, got {every}")
        self.every, self.check_layers = every, check_layers
        self.ratio_range, self.stop_on_nonfinite = ratio_range, stop_on_nonfinite
        self._module = module
        self.step = 0
        self.steps: list[int] = []
        self.param_stats: dict[str, dict[str, list[float]]] = {}
        self.activation_stats: dict[str, dict[str, list[float]]] = {}
        self.nonfinite: NonFiniteEvent | None = None
        self._before: dict = {}
        self._handles: list = []
        self._sampling = False
        self._layer_event: tuple | None = None
        self._pending: list = []  # GPU: (layer, type, op, device-side "all finite" flag) of this step

    # ---- wiring -------------------------------------------------------------------------------
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
            if not self.check_layers or self._layer_event is not None:
                return
            if not isinstance(output.data, np.ndarray):  # GPU: no host sync per layer; one check per step
                op = output.grad_fn.name if output.grad_fn is not None else ""
                self._pending.append((name, kind, op, get_array_module(output.data).isfinite(output.data).all()))
            elif not is_finite(output.data):  # CPU: check now, while the layer's graph can still be walked
                op, detail = first_nonfinite_op(output, self._param_names)
                self._layer_event = (name, kind, op, detail)

        return hook

    # ---- callback hooks -----------------------------------------------------------------------
    def on_train_begin(self, logs=None) -> None:
        self._install_hooks()

    def on_train_end(self, logs=None) -> None:
        self._remove_hooks()

    def on_train_batch_begin(self, batch, logs=None) -> None:
        if not self._handles:
            self._install_hooks()
        self._layer_event, self._pending = None, []  # forget validation passes run since the last step
        self._sampling = self.step % self.every == 0
        if self._sampling:
            self._before = {n: p.data.copy() for n, p in self.module.named_parameters()}

    def on_train_batch_end(self, batch, logs=None) -> None:
        logs = logs or {}
        loss = logs.get("batch_loss", logs.get("loss"))
        sampled = self._sampling
        if sampled:
            self._record_parameters()
            self._sampling = False
        if self.nonfinite is None:
            self._resolve_pending()
            self._check_nonfinite(loss, check_gradients=sampled)
        self._layer_event, self._pending = None, []
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
        stats["mean"].append(float(data.mean()))  # NumPy/CuPy sum pairwise: float32 is accurate enough
        stats["std"].append(float(data.std()))
        if "dead_fraction" in stats:
            units = (data.reshape(data.shape[0], -1) <= 0).all(axis=0)
            stats["dead_fraction"].append(float(units.mean()))

    def _resolve_pending(self) -> None:
        """GPU path: one host sync for all layers' finiteness flags; name the first bad layer and its last op."""
        if not self._pending or self._layer_event is not None:
            return
        xp = get_array_module(self._pending[0][3])
        finite = xp.stack([flag for *_, flag in self._pending]).get()
        if not finite.all():
            name, kind, op, _ = self._pending[int(np.argmin(finite))]
            self._layer_event = (name, kind, op, "(the last op of the layer; run on the CPU to name the inner op)")

    def _check_nonfinite(self, loss, check_gradients: bool) -> None:
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
        elif check_gradients:  # the gradient norms were just computed: a NaN/inf gradient shows there
            for name, stats in self.param_stats.items():
                if not math.isfinite(stats["grad_norm"][-1]):
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
            if is_weight and row["grad_norm"] == 0:
                row["flag"] = "no gradient reaches this layer (dead units upstream, or it is not in the graph)"
            elif is_weight and ratio > high:
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
