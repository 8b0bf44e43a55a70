"""Training diagnostics: see why training works or fails ("babysitting" a network, built in).

- `diagnose(history)`: plain-language findings about learning curves, with the numbers behind them.
- `LayerMonitor`: a callback recording per-layer norms, update/weight ratios, activations, dead ReLUs, NaNs.
- `receptive_fields(model)`, `effective_receptive_field(...)`, `erf_experiment()`: theory vs measurement.
- `grad_cam`, `feature_maps`, `first_layer_filters`, `filter_grid`, `layer_features`: inside a CNN.
- `pca`, `tsne`, `embed`: 2-D embeddings of inputs or learned features.
- `lr_find`: the learning-rate range test (weights and optimizer restored afterwards).
- `plot_*`: matplotlib figures (optional extra `deepglass[plot]`), saved as PNG when given a path.
- `report(run, path)`: one self-contained HTML page for a training run.

Names are loaded on first use, so `import deepglass.diagnostics` needs only NumPy.
"""

from __future__ import annotations

import importlib

_NAMES = {
    "curves": ("Diagnosis", "Finding", "diagnose", "history_dict"),
    "monitors": ("LayerMonitor",),
    "nonfinite": ("NonFiniteEvent", "first_nonfinite_op"),
    "receptive_field": ("EffectiveRF", "LayerRF", "conv_stack", "effective_receptive_field", "erf_experiment",
                        "format_receptive_fields", "receptive_fields"),
    "gradcam": ("grad_cam", "resize_bilinear"),
    "features": ("feature_maps", "filter_grid", "first_layer_filters", "layer_features", "tile"),
    "embedding": ("embed", "explained_variance_ratio", "pca", "tsne"),
    "classification": ("auc", "confusion_matrix", "roc_curve"),
    "lr_finder": ("LRFinderResult", "lr_find"),
    "plots": ("plot_confusion_matrix", "plot_embedding", "plot_embeddings", "plot_erf", "plot_feature_maps",
              "plot_filters", "plot_gradcam", "plot_history", "plot_lr_find", "plot_roc", "plot_update_ratios",
              "save_figure"),
    "report": ("report",),
    "probe": ("leaf_modules",),
}
_WHERE = {name: module for module, names in _NAMES.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # cache; also keeps `report` the function, not the report.py submodule
        return value
    raise AttributeError(f"module 'deepglass.diagnostics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
