"""`report(run, path)`: one self-contained HTML page about a training run.

Curves, the plain-language advice of `diagnose`, layer monitors, a model summary with receptive
fields, first-layer filters, Grad-CAM samples and a confusion matrix, with every image embedded as
a base64 PNG: no scripts, no external files, no server; it opens in any browser and can be mailed.
"""

from __future__ import annotations

import base64
import datetime
import html
import os

import numpy as np

from .curves import diagnose, history_dict
from .probe import as_input, eval_mode, leaf_modules

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #446;padding-bottom:.3em}h2{color:#335;margin-top:2em}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#eef}td.l,th.l{text-align:left}img{max-width:100%;border:1px solid #ddd}
.finding{padding:.4em .8em;margin:.4em 0;border-left:4px solid #c80;background:#fff8ec}
.ok{border-color:#2a2;background:#efe}.info{border-color:#48c;background:#eef6ff}
.evidence{color:#555;font-size:.85em;font-family:monospace}.flag{color:#a00}
"""


def _img(make_figure, alt: str) -> str:
    """`make_figure()` embedded as a base64 PNG, or a one-line note when matplotlib is not installed."""
    from . import plots

    try:
        fig = make_figure()
    except ImportError:
        return f'<p class="finding info">{html.escape(alt)}: plot skipped (pip install \'deepglass[plot]\').</p>'
    data = base64.b64encode(plots.figure_png(fig)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _section(title: str, body: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2>\n{body}\n</section>"


def _table(header: list[str], rows: list[list], left: int = 1) -> str:
    def cell(tag, i, v):
        cls = ' class="l"' if i < left else ""
        return f"<{tag}{cls}>{html.escape(v if isinstance(v, str) else _fmt(v))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _advice(history) -> str:
    items = []
    for f in diagnose(history):
        evidence = ", ".join(f"{k}={_fmt(v)}" for k, v in f.evidence.items())
        items.append(f'<div class="finding {f.severity}"><b>{html.escape(f.kind)}</b>: {html.escape(f.message)}'
                     f'<div class="evidence">{html.escape(evidence)}</div></div>')
    return "\n".join(items)


def _summary(module) -> str:
    from .receptive_field import receptive_fields

    layers = leaf_modules(module)
    try:
        rf = {row.name: row for row in receptive_fields(module, layers)}
    except ValueError:  # e.g. a layer with padding='same' on a stride > 1: leave the column empty
        rf = {}
    rows, total = [], 0
    for name, layer in layers:
        count = sum(int(np.prod(p.shape)) for _, p in layer.named_parameters())
        total += count
        r = rf.get(name)
        field = "" if r is None else ("global" if r.is_global else "x".join(map(str, r.rf)))
        rows.append([name, type(layer).__name__, count, field])
    table = _table(["layer", "type", "parameters", "receptive field"], rows, left=2)
    return f"<p>{total:,} parameters in {len(layers)} layers.</p>{table}"


def _monitor(monitor) -> str:
    from .plots import plot_update_ratios

    rows = [[r["name"], r["norm"], r["grad_norm"], r["update_ratio"], r["flag"]] for r in monitor.summary()]
    flags = "".join(f'<li class="flag">{html.escape(f)}</li>' for f in monitor.flags())
    kinds = {name: type(layer).__name__ for name, layer in leaf_modules(monitor.module)}
    acts = [[name, kinds.get(name, ""), s["mean"][-1], s["std"][-1],
             s["dead_fraction"][-1] if s.get("dead_fraction") else ""]
            for name, s in monitor.activation_stats.items() if s["mean"]]
    return (_img(lambda: plot_update_ratios(monitor), "update/weight ratios")
            + _table(["parameter", "|w|", "|grad|", "update/weight", "flag"], rows)
            + (f"<ul>{flags}</ul>" if flags else "<p>No layer flagged.</p>")
            + "<h3>Activations (last sample)</h3>"
            + _table(["layer", "type", "mean", "std", "dead ReLU fraction"], acts, left=2))


def _predict(module, x, batch_size: int = 256) -> np.ndarray:
    import deepglass as dg

    outs = []
    with eval_mode(module), dg.no_grad():
        for i in range(0, len(x), batch_size):
            outs.append(module(as_input(x[i: i + batch_size], module)).numpy())
    return np.concatenate(outs)


def _class_predictions(scores: np.ndarray) -> np.ndarray:
    flat = scores.reshape(len(scores), -1)
    return (flat[:, 0] > 0).astype(np.int64) if flat.shape[1] == 1 else flat.argmax(axis=1)


def report(run, path="report.html", x=None, y=None, monitor=None, class_names=None, title: str | None = None,
           lr_result=None, max_gradcam: int = 8) -> str:
    """Write one self-contained HTML page about a training run to `path`; returns the path.

    `run`: a training Model (its history and module are used) or a History/dict (curves and advice
    only). `x`, `y`: validation samples for the confusion matrix and Grad-CAM; `monitor`: a
    `LayerMonitor` used during fit; `lr_result`: an `lr_find` result. Sections whose inputs are
    missing are left out.
    """
    from .plots import plot_confusion_matrix, plot_filters, plot_gradcam, plot_history, plot_lr_find

    # plots are imported lazily by each call: without matplotlib every section still has its tables
    module = getattr(run, "module", None)
    hist = history_dict(run) if _has_history(run) else {}
    title = title or f"deepglass training report{': ' + type(module).__name__ if module is not None else ''}"
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p>Written {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}; "
             f"{len(hist.get('loss', []))} epochs recorded.</p>"]
    if hist.get("loss"):
        parts.append(_section("What the curves say", _advice(hist)))
        parts.append(_section("Learning curves", _img(lambda: plot_history(hist), "learning curves")
                              + _history_table(hist)))
    if monitor is not None and monitor.param_stats:
        parts.append(_section("Layer monitors", _monitor(monitor)))
    if lr_result is not None and lr_result.lrs:
        parts.append(_section("Learning-rate range test", _img(lambda: plot_lr_find(lr_result), "lr finder")
                              + f"<p>Suggested learning rate: {_fmt(lr_result.suggestion)}</p>"))
    if module is not None:
        parts.append(_section("Model", _summary(module)))
        parts.append(_filters(module, plot_filters, x))
    if module is not None and x is not None:
        scores = _predict(module, x)
        if y is not None:
            labels = np.asarray(y.numpy() if hasattr(y, "numpy") else y).reshape(len(x), -1)
            labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0].astype(np.int64)
            predicted = _class_predictions(scores)
            accuracy = float((predicted == labels).mean())
            matrix = _img(lambda: plot_confusion_matrix(labels, predicted, class_names=class_names),
                          "confusion matrix")
            parts.append(_section("Confusion matrix", f"<p>Accuracy on these {len(labels)} samples: "
                                  f"{accuracy:.4f}</p>" + matrix + _confusion_table(labels, predicted, class_names)))
        if np.asarray(x).ndim == 4 and any(getattr(m, "kernel_size", None) is not None for _, m in
                                           leaf_modules(module)):
            samples = np.asarray(x[:max_gradcam], dtype=np.float32)
            cam = _img(lambda: plot_gradcam(module, samples, class_names=class_names), "Grad-CAM")
            parts.append(_section("Grad-CAM samples",
                                  cam + "<p>Red: where the network looked to score its predicted class.</p>"))
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(p for p in parts if p) + "\n</body></html>\n")
    _write_atomic(path, page)
    return os.fspath(path)


def _history_table(hist: dict) -> str:
    """The per-epoch numbers behind the curves (readable without matplotlib, and exact)."""
    keys = [k for k, v in hist.items() if isinstance(v, list) and v]
    epochs = max(len(hist[k]) for k in keys)
    rows = [[i + 1, *(hist[k][i] if i < len(hist[k]) else "" for k in keys)] for i in range(epochs)]
    return "<details><summary>Per-epoch values</summary>" + _table(["epoch", *keys], rows) + "</details>"


def _confusion_table(labels: np.ndarray, predicted: np.ndarray, class_names) -> str:
    from .classification import confusion_matrix

    counts = confusion_matrix(labels, predicted)
    n = len(counts)
    names = list(class_names) if class_names is not None and len(class_names) >= n else [str(i) for i in range(n)]
    rows = [[names[i], *counts[i].tolist()] for i in range(n)]
    return _table(["true \\ predicted", *names[:n]], rows)


def _has_history(run) -> bool:
    try:
        history_dict(run)
    except TypeError:
        return False
    return True


def _filters(module, plot_filters, x) -> str:
    from .features import first_layer_filters

    try:
        weights = first_layer_filters(module)
    except ValueError:
        return ""
    input_shape = None
    if weights.ndim == 2 and x is not None:
        input_shape = np.asarray(x[:1]).shape[1:]
        if int(np.prod(input_shape)) != weights.shape[1]:
            return ""
        input_shape = input_shape if len(input_shape) in (2, 3) else None
    try:
        return _section("First-layer filters",
                        _img(lambda: plot_filters(weights, input_shape=input_shape), "filters"))
    except ValueError:
        return ""


def _write_atomic(path, text: str) -> None:
    from ..io.atomic import atomic_write

    atomic_write(path, text.encode("utf-8"))
