"""Diagnostic plots with matplotlib (optional extra: pip install 'deepglass[plot]').

Every function returns a `matplotlib.figure.Figure` (shown inline by Jupyter when it is the cell's
last value) and, given `path`, also saves it as PNG. Figures are made without pyplot, so they work
under any backend (Agg on servers and in tests) and never pile up in pyplot's global state.
"""

from __future__ import annotations

import io
import sys

import numpy as np

from .classification import auc, confusion_matrix, roc_curve
from .curves import _ACCURACY_KEYS, history_dict


def _new_figure(width: float = 6.0, height: float = 4.0):
    try:
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("plots need matplotlib: pip install 'deepglass[plot]'") from e
    _show_in_notebooks(Figure)
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _show_in_notebooks(figure_class) -> None:
    """In IPython/Jupyter, display a returned Figure as PNG even when pyplot was never imported."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and hasattr(shell, "display_formatter"):
        shell.display_formatter.formatters["image/png"].for_type(figure_class, figure_png)


def save_figure(fig, path) -> None:
    """Write `fig` as PNG to `path` atomically (a temporary file, then os.replace)."""
    from ..io.atomic import atomic_write

    atomic_write(path, figure_png(fig))


def figure_png(fig) -> bytes:
    """The figure as PNG bytes (for embedding in HTML)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _done(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_history(history, path=None):
    """Loss (and accuracy, when recorded) per epoch: training against validation."""
    hist = history_dict(history)
    acc_key = next((k for k in _ACCURACY_KEYS if k in hist), None)
    fig = _new_figure(10 if acc_key else 6, 4)
    axes = fig.subplots(1, 2 if acc_key else 1, squeeze=False)[0]
    for ax, key, label in zip(axes, ["loss", acc_key], ["loss", "accuracy"]):
        if key is None:
            continue
        epochs = np.arange(1, len(hist[key]) + 1)
        ax.plot(epochs, hist[key], "o-", label="train")
        if "val_" + key in hist:
            ax.plot(np.arange(1, len(hist["val_" + key]) + 1), hist["val_" + key], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(label)
        ax.set_title(f"{label}: train vs validation")
        ax.grid(alpha=0.3)
        ax.legend()
    return _done(fig, path)


def plot_update_ratios(monitor, path=None, target: float = 1e-3):
    """The update/weight ratio of every weight over training steps (log scale), with the ~1e-3 target."""
    fig = _new_figure(7, 4)
    ax = fig.subplots()
    for name, stats in monitor.param_stats.items():
        ratios = np.asarray(stats["update_ratio"], dtype=np.float64)
        if name.endswith("bias") or not ratios.size:
            continue
        ax.plot(monitor.steps[: len(ratios)], np.where(ratios > 0, ratios, np.nan), label=name)
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    low, high = monitor.ratio_range
    ax.axhspan(low, high, color="green", alpha=0.08)
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("||update|| / ||weight||")
    ax.set_title("update/weight ratio per layer")
    ax.legend(fontsize="small")
    return _done(fig, path)


def _image_axes(fig, n, ncols=None):
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes:
        ax.set_axis_off()
    return axes


def plot_filters(model_or_weights, path=None, input_shape=None, max_filters: int = 64):
    """First-layer filters of a model (or given weights) as an image grid, each scaled to its own range."""
    from .features import filter_grid, first_layer_filters

    weights = model_or_weights if hasattr(model_or_weights, "shape") or isinstance(model_or_weights, np.ndarray) \
        else first_layer_filters(model_or_weights)
    grid = filter_grid(weights, input_shape=input_shape, max_filters=max_filters)
    fig = _new_figure(5, 5)
    ax = fig.subplots()
    ax.imshow(grid, cmap=None if grid.ndim == 3 else "gray", interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(f"first-layer filters ({min(len(weights), max_filters)} of {len(weights)})")
    return _done(fig, path)


def plot_feature_maps(model, x, layer, path=None, max_maps: int = 32):
    """The activation maps of `layer` for one input, one panel per channel."""
    from .features import feature_maps

    maps = feature_maps(model, x, layer)
    if maps.ndim != 3:
        raise ValueError(f"plot_feature_maps: layer {layer!r} gives shape {maps.shape}, not (C, H, W) maps")
    maps = maps[:max_maps]
    fig = _new_figure(8, 8)
    for ax, fmap, i in zip(_image_axes(fig, len(maps)), maps, range(len(maps))):
        ax.imshow(fmap, cmap="viridis", interpolation="nearest")
        ax.set_title(str(i), fontsize=7)
    fig.suptitle(f"feature maps of {layer if isinstance(layer, str) else type(layer).__name__}")
    return _done(fig, path)


def _display_image(image: np.ndarray) -> np.ndarray:
    """(C, H, W) or (H, W) data as an (H, W) or (H, W, 3) image in [0, 1]."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3:
        image = image.transpose(1, 2, 0) if image.shape[0] == 3 else image.mean(axis=0)
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def plot_gradcam(model, x, class_idx=None, layer=None, path=None, class_names=None, alpha: float = 0.45):
    """Grad-CAM heat maps overlaid on their inputs (a batch (N, C, H, W) or one image), one panel each."""
    from .gradcam import _seed, grad_cam
    from .probe import as_input

    images = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=np.float32)
    if images.ndim == 3:
        images = images[None]
    cams = grad_cam(model, images, class_idx=class_idx, layer=layer)
    if class_idx is None:
        import deepglass as dg

        with dg.no_grad():
            scores = model(as_input(images, model)).numpy()
        classes = _seed(scores, None)[1]
    else:
        classes = np.broadcast_to(np.asarray(class_idx), (len(images),))
    fig = _new_figure(2.6 * min(len(images), 4), 2.8 * int(np.ceil(len(images) / 4)))
    for ax, image, cam, c in zip(_image_axes(fig, len(images), min(len(images), 4)), images, cams, classes):
        shown = _display_image(image)
        ax.imshow(shown, cmap=None if shown.ndim == 3 else "gray")
        ax.imshow(cam, cmap="jet", alpha=alpha, vmin=0, vmax=1)
        ax.set_title(f"class {class_names[int(c)] if class_names else int(c)}", fontsize=9)
    fig.suptitle("Grad-CAM")
    return _done(fig, path)


def plot_embedding(points, labels=None, path=None, title: str = "embedding", ax=None):
    """2-D points coloured by class label."""
    points = np.asarray(points)
    fig = None
    if ax is None:
        fig = _new_figure(5, 5)
        ax = fig.subplots()
    scatter = ax.scatter(points[:, 0], points[:, 1], c=None if labels is None else np.asarray(labels), s=8,
                         cmap="tab10", alpha=0.8)
    if labels is not None:
        ax.legend(*scatter.legend_elements(), fontsize="small", loc="best", title="class")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return _done(fig, path) if fig is not None else ax.figure


def plot_embeddings(inputs, features, labels, path=None, method: str | None = "pca"):
    """Side by side: the raw inputs and the learned features, embedded in 2-D by `method`, coloured by class.

    `method=None` takes `inputs` and `features` as ready (N, 2) points (e.g. from an earlier `tsne`).
    """
    from .embedding import embed

    fig = _new_figure(10, 5)
    left, right = fig.subplots(1, 2)
    name = method or "2-D"
    for ax, data, title in ((left, inputs, "inputs"), (right, features, "learned features")):
        points = np.asarray(data) if method is None else embed(data, method)
        plot_embedding(points, labels, title=f"{title} ({name})", ax=ax)
    return _done(fig, path)


def plot_confusion_matrix(y_true, y_pred, path=None, class_names=None, normalize: bool = False):
    """Counts (or row fractions) of true class (rows) against predicted class (columns)."""
    matrix = confusion_matrix(y_true, y_pred, len(class_names) if class_names else None).astype(np.float64)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    n = len(matrix)
    names = class_names or [str(i) for i in range(n)]
    fig = _new_figure(1.5 + 0.5 * n, 1.2 + 0.5 * n)
    ax = fig.subplots()
    im = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(im, ax=ax, shrink=0.8)
    for i in range(n):
        for j in range(n):
            text = f"{matrix[i, j]:.2f}" if normalize else f"{int(matrix[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix")
    return _done(fig, path)


def plot_roc(y_true, scores, path=None):
    """The ROC curve of a binary classifier's scores, with its area under the curve."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    fig = _new_figure(5, 5)
    ax = fig.subplots()
    ax.plot(fpr, tpr, label=f"AUC = {auc(fpr, tpr):.3f}")
    ax.plot([0, 1], [0, 1], "k--", linewidth=1, label="chance")
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.set_title("ROC curve")
    ax.legend(loc="lower right")
    return _done(fig, path)


def plot_lr_find(result, path=None):
    """Loss against learning rate (log scale) from `lr_find`, with the suggested rate marked."""
    fig = _new_figure(6, 4)
    ax = fig.subplots()
    ax.plot(result.lrs, result.losses)
    if result.suggestion is not None:
        ax.axvline(result.suggestion, color="red", linestyle="--", label=f"suggested {result.suggestion:.2e}")
        ax.legend()
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss (smoothed)")
    ax.set_title("learning-rate range test")
    return _done(fig, path)


def plot_erf(rows, path=None):
    """Effective receptive fields from `erf_experiment()` (or a list of EffectiveRF): one map per run."""
    rows = [r if isinstance(r, dict) else {"map": r.map, "theoretical": r.theoretical, "effective": r.size}
            for r in rows]
    inits = list(dict.fromkeys(r.get("init", "") for r in rows))
    ncols = max(sum(r.get("init", "") == inits[0] for r in rows), 1)
    fig = _new_figure(2.4 * ncols, 2.5 * len(inits))
    axes = fig.subplots(len(inits), ncols, squeeze=False)
    for i, init in enumerate(inits):
        for ax, r in zip(axes[i], [r for r in rows if r.get("init", "") == init]):
            erf = r["map"]
            ch, cw = erf.shape[0] // 2, erf.shape[1] // 2
            half = max((r["theoretical"] or erf.shape[0]) // 2 + 2, 4)
            ax.imshow(erf[max(ch - half, 0): ch + half + 1, max(cw - half, 0): cw + half + 1], cmap="magma")
            depth = f"{r['depth']} layers, " if "depth" in r else ""
            ax.set_title(f"{init} {depth}\nRF {r['theoretical']}, ERF {r['effective']}", fontsize=8)
            ax.set_axis_off()
    fig.suptitle("effective receptive field (95% mass) vs theoretical")
    return _done(fig, path)
