"""Learning-curve diagnosis: say in plain words what a training history shows, with the numbers.

    findings = dg.diagnostics.diagnose(model.history)     # a History, a Model, or {"loss": [...], ...}
    print(findings)                                        # one line per finding, with its evidence

The rules are the course's "babysitting" heuristics: a loss that grows or turns NaN means the learning
rate is too high; a loss that zig-zags, too high as well; a loss that barely moves, too low (or dead
units); validation loss rising while training loss falls, overfitting; both losses high, underfitting.
Each `Finding` keeps the numbers that triggered it, so the advice can be checked, not just believed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

_ACCURACY_KEYS = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy")


@dataclass
class Finding:
    """One observation about the curves: `kind` (e.g. 'overfitting'), the advice, and its evidence."""

    kind: str
    message: str
    evidence: dict = field(default_factory=dict)
    severity: str = "warning"  # 'ok', 'info' or 'warning'

    def __str__(self) -> str:
        numbers = ", ".join(f"{k}={_fmt(v)}" for k, v in self.evidence.items())
        return f"[{self.kind}] {self.message}" + (f" ({numbers})" if numbers else "")


class Diagnosis(list):
    """A list of `Finding`s that prints one per line; `kinds` lists what was found."""

    @property
    def kinds(self) -> list[str]:
        return [f.kind for f in self]

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def history_dict(history) -> dict[str, list[float]]:
    """The dict of lists inside a `History`, a training `Model`, a Keras-style object, or a plain dict."""
    for _ in range(3):  # Model -> History -> dict
        if isinstance(history, dict):
            break
        history = getattr(history, "history", history)
    if not isinstance(history, dict):
        raise TypeError(f"diagnose: expected a History, a Model or a dict of lists, got {type(history).__name__}")
    return {str(k): [float(v) for v in vals] for k, vals in history.items() if _is_sequence(vals)}


def _is_sequence(vals) -> bool:
    return hasattr(vals, "__len__") and not isinstance(vals, (str, bytes))


def _accuracy_key(hist: dict, prefix: str = "") -> str | None:
    for key in _ACCURACY_KEYS:
        if prefix + key in hist:
            return prefix + key
    return None


def diagnose(
    history,
    flat_tolerance: float = 0.01,
    gap_tolerance: float = 0.1,
    target_accuracy: float = 0.9,
    chance_loss: float | None = None,
) -> Diagnosis:
    """Findings about a training history, most serious first.

    `history` has per-epoch (or per-step) lists: 'loss' and optionally 'val_loss', 'accuracy',
    'val_accuracy'. `flat_tolerance`: a relative loss drop below this is 'flat'. `gap_tolerance`: a
    relative rise of validation loss above its minimum (or a train/val accuracy gap) beyond this is
    'overfitting'. `target_accuracy`: below this on the training set (and not overfitting) is 'underfitting'.
    `chance_loss`: the loss of a constant guess (log(num_classes) for softmax cross-entropy), used to
    call a loss 'high'.
    """
    hist = history_dict(history)
    if "loss" not in hist or not hist["loss"]:
        raise ValueError(f"diagnose: the history has no 'loss' values (keys: {sorted(hist)})")
    loss = hist["loss"]
    found = Diagnosis()

    bad = [i for i, v in enumerate(loss) if not math.isfinite(v)]
    if bad:
        found.append(Finding(
            "diverged",
            "the loss became NaN/inf: the learning rate is far too high (or a log/division met 0); "
            "lower it 10x, check the inputs are normalized, or clip gradients",
            {"first_nonfinite_epoch": bad[0], "last_finite_loss": _last_finite(loss[: bad[0]])},
        ))
        loss = loss[: bad[0]]
        if len(loss) < 2:
            return found

    if len(loss) < 2:
        found.append(Finding("too_short", "only one loss value: train for more epochs to see a trend",
                             {"epochs": len(loss)}, "info"))
        return found

    first, last, lowest = loss[0], loss[-1], min(loss)
    diffs = [b - a for a, b in zip(loss, loss[1:])]
    ups = sum(d > 0 for d in diffs)
    scale = max(abs(first), 1e-12)

    if not bad and last > first * (1 + gap_tolerance) and last > lowest * 1.5:
        found.append(Finding(
            "diverging",
            "the training loss is growing: the learning rate is too high; lower it (try 3-10x smaller)",
            {"first_loss": first, "min_loss": lowest, "last_loss": last},
        ))
    elif len(diffs) >= 3 and ups / len(diffs) >= 0.4 and (first - lowest) / scale < 0.5:
        jump = max(abs(d) for d in diffs) / scale
        if jump > 2 * flat_tolerance:
            found.append(Finding(
                "oscillating",
                "the training loss goes up and down without settling: the learning rate is probably too "
                "high (or the batch too small); lower it or add a learning-rate schedule",
                {"fraction_of_steps_up": ups / len(diffs), "largest_jump_relative": jump,
                 "relative_drop": (first - lowest) / scale},
            ))

    drop = (first - last) / scale
    if abs(drop) < flat_tolerance and not found:
        found.append(Finding(
            "flat",
            "the training loss barely moves: the learning rate is too low, or units are dead/saturated "
            "(check the dead-ReLU fraction and the update/weight ratios with LayerMonitor)",
            {"first_loss": first, "last_loss": last, "relative_drop": drop},
        ))

    if not any(f.kind == "flat" for f in found):
        found.extend(_exploded(hist, loss))
    if not any(f.kind in ("diverged", "diverging", "exploded") for f in found):  # a broken run memorizes nothing
        found.extend(_overfitting(hist, loss, gap_tolerance))
    if not any(f.kind in ("diverged", "diverging", "flat", "exploded") for f in found):
        if not any(f.kind == "overfitting" for f in found):
            found.extend(_underfitting(hist, loss, target_accuracy, chance_loss))
        found.extend(_still_improving(hist, loss, flat_tolerance))

    if not found:
        found.append(Finding("ok", "the curves look healthy: the loss falls and validation follows training",
                             {"first_loss": first, "last_loss": last}, "ok"))
    return found


def _last_finite(values: list[float]) -> float:
    return values[-1] if values else float("nan")


def _exploded(hist: dict, loss: list[float]) -> list[Finding]:
    """Accuracy that never improves while the loss swings by a large factor: an early explosion."""
    acc_key = _accuracy_key(hist)
    if not acc_key or len(hist[acc_key]) < 2:
        return []
    acc = hist[acc_key]
    gain = max(acc) - acc[0]
    swing = max(loss) / max(min(loss), 1e-12)
    if gain < 0.05 and swing > 5:
        return [Finding(
            "exploded",
            "the loss swung by a large factor but accuracy never improved: the loss exploded early (learning "
            "rate far too high), the weights blew up and units died; lower the learning rate 10-100x",
            {"max_loss": max(loss), "min_loss": min(loss), "first_accuracy": acc[0], "best_accuracy": max(acc)},
        )]
    return []


def _overfitting(hist: dict, loss: list[float], gap_tolerance: float) -> list[Finding]:
    val = [v for v in hist.get("val_loss", []) if math.isfinite(v)]
    out = []
    if len(val) >= 3:
        best = min(range(len(val)), key=val.__getitem__)
        rise = (val[-1] - val[best]) / max(abs(val[best]), 1e-12)
        train_fell = loss[min(len(loss), len(val)) - 1] < loss[min(best, len(loss) - 1)]
        acc_key, val_key = _accuracy_key(hist), _accuracy_key(hist, "val_")
        train_ahead = not (acc_key and val_key) or hist[acc_key][-1] > hist[val_key][-1]  # memorizing, not broken
        if rise > gap_tolerance and best < len(val) - 1 and train_fell and train_ahead:
            out.append(Finding(
                "overfitting",
                "validation loss rises while training loss keeps falling: the model memorizes the training "
                "set; add L2 weight decay or dropout, augment the data, get more data, or stop early at the best epoch",
                {"best_val_epoch": best, "best_val_loss": val[best], "last_val_loss": val[-1],
                 "val_rise_relative": rise, "last_train_loss": loss[-1]},
            ))
            return out
    acc_key, val_key = _accuracy_key(hist), _accuracy_key(hist, "val_")
    if acc_key and val_key and len(hist[acc_key]) >= 2 and len(hist[val_key]) >= 2:
        acc, vacc = hist[acc_key], hist[val_key]
        n = min(len(acc), len(vacc))
        gap_start, gap_end = acc[0] - vacc[0], acc[n - 1] - vacc[n - 1]
        if gap_end > gap_tolerance and gap_end > gap_start:
            out.append(Finding(
                "overfitting",
                "training accuracy pulls away from validation accuracy (a widening gap): add L2 or dropout, "
                "augment the data, or get more data",
                {"train_accuracy": acc[n - 1], "val_accuracy": vacc[n - 1], "gap_start": gap_start,
                 "gap_end": gap_end},
            ))
    return out


def _underfitting(hist, loss, target_accuracy, chance_loss) -> list[Finding]:
    acc_key = _accuracy_key(hist)
    val_key = _accuracy_key(hist, "val_")
    if acc_key and hist[acc_key]:
        acc = hist[acc_key][-1]
        vacc = hist[val_key][-1] if val_key and hist[val_key] else acc
        if acc < target_accuracy:
            return [Finding(
                "underfitting",
                "training and validation accuracy are both low: the model underfits; train longer, use a "
                "bigger model (more units/layers), or lower regularization",
                {"train_accuracy": acc, "val_accuracy": vacc, "target_accuracy": target_accuracy},
            )]
        return []
    if chance_loss is not None and loss[-1] > 0.5 * chance_loss:
        return [Finding(
            "underfitting",
            "the training loss is still above half the loss of a constant guess: the model underfits; train "
            "longer or use a bigger model",
            {"last_loss": loss[-1], "chance_loss": chance_loss},
        )]
    return []


def _still_improving(hist, loss, flat_tolerance) -> list[Finding]:
    val = hist.get("val_loss") or loss
    if len(val) < 3:
        return []
    recent = (val[-2] - val[-1]) / max(abs(val[-2]), 1e-12)
    if recent > 5 * flat_tolerance:
        return [Finding(
            "still_improving",
            "the loss was still falling at the last epoch: training longer would probably help",
            {"last_epoch_relative_drop": recent}, "info",
        )]
    return []
